"""Guideline profiles: chosen by `corpus/documents.toml`, never sniffed; an added plain document
is cleaned, indexed and cited as itself, beside the 2015 guideline, whose chunks do not move."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from allguide.answer.chain import EDITION_NOTE
from allguide.assistant import Assistant
from allguide.corpus.clean import clean_document
from allguide.corpus.load import load_corpus
from allguide.corpus.pipeline import build_chunks
from allguide.errors import CorpusError
from allguide.guidelines import GENERIC, NCCN_ALL_2015, edition_note, get_profile
from allguide.settings import ChunkingSettings, Settings
from allguide.tools import RULES
from allguide.types import Chunk
from allguide.ui.render import render_sources
from conftest import CORPUS, RAW

ALL_NOTE = (
    "Based on the 2015 NCCN ALL guideline text; recommendations may have changed — "
    "check the current version."
)
PROTOCOL_FILE = "riverside-csf-protocol.txt"
PROTOCOL_TITLE = "Riverside General Hospital: CSF Sample Handling Protocol"
PROTOCOL = f"""{PROTOCOL_TITLE}

Scope
This protocol covers cerebrospinal fluid samples taken by lumbar puncture on the Riverside
haematology day unit and sent to the Riverside cytology laboratory.

Transport
Each CSF sample is carried to the cytology laboratory by hand within 30 minutes of
collection. Samples must never be sent through the pneumatic tube system, because the
acceleration in the tube damages fragile cells.

Labelling
Every tube is labelled at the bedside with two patient identifiers and the time of
collection. The laboratory rejects an unlabelled tube and the ward repeats the request form.
"""
PROTOCOL_NOTE = f"Quoted from {PROTOCOL_TITLE} ({PROTOCOL_FILE}), a document added to the corpus."
SETTINGS = ChunkingSettings()


@cache
def _guideline_chunks() -> tuple[Chunk, ...]:
    return tuple(build_chunks(CORPUS, SETTINGS).chunks)


# -- selection -------------------------------------------------------------------------------


def test_the_listed_guideline_gets_its_profile_and_an_unlisted_file_the_generic_one(
    corpus_copy: Path,
) -> None:
    (corpus_copy / "notes.txt").write_text("Ward notes\nWe audit LP trays monthly.\n")
    docs = {d.source: d for d in load_corpus(corpus_copy)}
    assert docs["nccn-all-2015.txt"].profile == NCCN_ALL_2015.id
    assert docs["notes.txt"].profile == GENERIC.id
    build = build_chunks(corpus_copy, SETTINGS)
    (note,) = [c for c in build.chunks if c.source == "notes.txt"]
    assert (note.profile, note.source_title, note.page) == ("generic", "Ward notes", None)
    guideline = {c.source_title for c in build.chunks if c.source == "nccn-all-2015.txt"}
    assert guideline == {NCCN_ALL_2015.title}


def test_the_nccn_footer_alone_does_not_select_the_profile(corpus_copy: Path) -> None:
    """A copy of the guideline under a name documents.toml does not list is a plain document:
    no algorithm sections, no journal pages, cited under its own name."""
    (corpus_copy / "copy.txt").write_text(RAW, encoding="utf-8")
    chunks = [c for c in build_chunks(corpus_copy, SETTINGS).chunks if c.source == "copy.txt"]
    assert chunks
    assert {c.profile for c in chunks} == {"generic"}
    assert all(c.page is None for c in chunks)
    assert not any(c.section.startswith(("ALL-", "Discussion ›")) for c in chunks)
    assert {c.source_title for c in chunks} == {"Overview"}  # its first line
    with_profile = clean_document(RAW, source="copy.txt", profile=NCCN_ALL_2015)
    assert any(b.section == "ALL-C" and b.page == 1252 for b in with_profile.blocks)


def test_a_plain_document_is_titled_by_documents_toml_its_first_line_or_its_name(
    corpus_copy: Path,
) -> None:
    (corpus_copy / "a.txt").write_text("Audit Plan\nWe audit LP trays monthly.\n")
    (corpus_copy / "b.txt").write_text("We audit LP trays every month on the ward.\n")
    (corpus_copy / "c.txt").write_text("Untitled\nWe check the tray seals weekly.\n")
    toml = corpus_copy / "documents.toml"
    toml.write_text(toml.read_text() + '\n["c.txt"]\ntitle = "Tray seal checks"\n')
    titles = {c.source: c.source_title for c in build_chunks(corpus_copy, SETTINGS).chunks}
    assert (titles["a.txt"], titles["b.txt"], titles["c.txt"]) == (
        "Audit Plan",
        "b",
        "Tray seal checks",
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('["nccn-all-2015.txt"]\nprofile = "nccn-all-2016"\n', "unknown guideline profile"),
        ('["gone.txt"]\nprofile = "generic"\n', "which the folder lacks"),
        ('["notes.txt"]\nprofile = "nccn-all-2015"\n', "does not have its page layout"),
        ('["notes.txt"]\npages = 3\n', "must be a table with only profile, title"),
        ('["notes.txt"\n', "cannot read"),
    ],
)
def test_a_wrong_documents_toml_is_a_corpus_error(
    corpus_copy: Path, entry: str, message: str
) -> None:
    (corpus_copy / "notes.txt").write_text("Ward notes\nWe audit LP trays monthly.\n")
    (corpus_copy / "documents.toml").write_text(entry)
    with pytest.raises(CorpusError, match=message):
        build_chunks(corpus_copy, SETTINGS)


def test_profiles_are_data_with_the_guidelines_rules_and_citation() -> None:
    assert get_profile("nccn-all-2015") is NCCN_ALL_2015
    assert set(NCCN_ALL_2015.rules) == set(RULES)
    assert NCCN_ALL_2015.citation == "J Natl Compr Canc Netw 2015;13:1240–1279"
    assert NCCN_ALL_2015.citation in " ".join(RAW.split())  # the text's own citation line
    assert GENERIC.layout is None and GENERIC.rules == ()
    assert EDITION_NOTE == ALL_NOTE == NCCN_ALL_2015.note
    with pytest.raises(CorpusError, match="known: nccn-all-2015, generic"):
        get_profile("nccn-aml-2016")


# -- the note comes from what was cited ------------------------------------------------------


def test_the_note_names_each_cited_document_in_citation_order() -> None:
    guideline = _guideline_chunks()[0]
    protocol = guideline.model_copy(
        update={"source": PROTOCOL_FILE, "source_title": PROTOCOL_TITLE, "profile": "generic"}
    )
    index = [guideline, protocol]
    assert edition_note([guideline, guideline], index) == ALL_NOTE
    assert edition_note([protocol], index) == PROTOCOL_NOTE
    assert edition_note([protocol, guideline], index) == f"{PROTOCOL_NOTE} {ALL_NOTE}"
    assert edition_note([], index) == ALL_NOTE  # a refusal speaks for the guideline
    assert edition_note([], [protocol]) == ""


# -- a second document, end to end ----------------------------------------------------------


def test_a_second_document_is_ingested_and_cited_as_itself(
    corpus_copy: Path, tmp_path: Path
) -> None:
    (corpus_copy / PROTOCOL_FILE).write_text(PROTOCOL, encoding="utf-8")
    assistant = Assistant(Settings(home=tmp_path / "two-docs", corpus_dir=corpus_copy))
    report = assistant.ingest()
    assert report.documents == 2 and report.rebuilt

    # The guideline's chunks are the same, id for id, page for page.
    chunks = assistant.retriever.chunks
    before = [(c.chunk_id, c.section, c.page, c.text) for c in _guideline_chunks()]
    after = [(c.chunk_id, c.section, c.page, c.text) for c in chunks if c.source != PROTOCOL_FILE]
    assert after == before

    answer = assistant.ask("Can CSF samples be sent through the pneumatic tube system?")
    assert not answer.refused, answer.answer
    assert "pneumatic tube" in answer.answer
    assert "category" not in answer.answer  # NCCN's categories do not grade a local protocol
    assert {(c.source, c.source_title) for c in answer.citations} == {
        (PROTOCOL_FILE, PROTOCOL_TITLE)
    }
    assert all(c.page is None and c.section.startswith("riverside") for c in answer.citations)
    assert answer.note == PROTOCOL_NOTE
    sources = render_sources(answer, turn=1, chunks=assistant.chain.chunks)
    assert f'<div class="ag-doc">{PROTOCOL_TITLE}</div>' in sources

    cns3 = assistant.ask("What is the definition of CNS-3?")
    assert not cns3.refused and "≥5/mcL" in cns3.answer
    assert {c.source for c in cns3.citations} == {"nccn-all-2015.txt"}
    assert {c.source_title for c in cns3.citations} == {NCCN_ALL_2015.title}
    definition = next(c for c in cns3.citations if "≥5/mcL" in c.quote)
    assert (definition.section, definition.page) == ("ALL-C", 1252)
    assert cns3.note == ALL_NOTE

    (hit,) = assistant.retrieve("pneumatic tube system acceleration", 1)
    assert (hit.source, hit.source_title, hit.page) == (PROTOCOL_FILE, PROTOCOL_TITLE, None)
