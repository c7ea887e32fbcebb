"""Chunk metadata, offsets, id stability and the no-duplicate rule, on the real corpus."""

from __future__ import annotations

import re

from allguide.corpus.chunk import chunk_document, chunk_id
from allguide.corpus.clean import clean_document
from allguide.corpus.load import RawDocument
from allguide.corpus.pipeline import build_chunks, build_from_raw, fingerprint
from allguide.guidelines import NCCN_ALL_2015
from allguide.settings import ChunkingSettings
from conftest import CORPUS, RAW

SETTINGS = ChunkingSettings()
BUILD = build_chunks(CORPUS, SETTINGS)


def test_every_chunk_carries_full_provenance() -> None:
    doc = BUILD.documents["nccn-all-2015.txt"]
    for chunk in BUILD.chunks:
        assert chunk.source == "nccn-all-2015.txt"
        assert chunk.kind in {"algorithm", "footnote", "discussion"}
        assert chunk.section and chunk.title
        assert doc[chunk.start : chunk.end] == chunk.text
        assert chunk.page is None or 1240 <= chunk.page <= 1279


def test_sections_cover_every_algorithm_page_and_the_discussion() -> None:
    sections = {c.section for c in BUILD.chunks}
    for code in [
        "ALL-1",
        "ALL-2",
        "ALL-3",
        "ALL-4",
        "ALL-5",
        "ALL-6",
        "ALL-7",
        "ALL-A",
        "ALL-B",
        "ALL-C",
        "ALL-D",
        "ALL-E",
        "ALL-F",
    ]:
        assert code in sections, code
    for heading in [
        "Immunophenotyping",
        "Cytogenetic and Molecular Subtypes",
        "NCCN Recommendations for Ph-Positive ALL",
        "Role of MRD Evaluation",
        "MRD Assessment in Adult ALL",
        "NCCN Recommendations for MRD Assessment",
    ]:
        assert f"Discussion › {heading}" in sections, heading


def test_pages_follow_the_journal() -> None:
    by_section = {c.section: c.page for c in BUILD.chunks}
    assert by_section["ALL-C"] == 1252
    assert by_section["ALL-F"] == 1257
    assert by_section["ALL-7"] == 1248
    pages = [
        c.page for c in BUILD.chunks if c.section.startswith("Discussion › MRD Assessment in Child")
    ]
    assert pages and all(1269 <= p <= 1272 for p in pages if p)


def test_a_definition_stays_in_one_chunk() -> None:
    cns = [c for c in BUILD.chunks if "CNS-3: WBC ≥5/mcL" in c.text]
    assert len(cns) == 1
    assert "CNS-1: No lymphoblasts in CSF" in cns[0].text
    assert "then it is CNS-2." in cns[0].text
    footnote = [
        c
        for c in BUILD.chunks
        if "For patients with mutations F317L/V/I/C, T315A, or V299L." in c.text
    ]
    assert len(footnote) == 1 and footnote[0].kind == "footnote" and footnote[0].page == 1254


def test_no_two_chunks_carry_the_same_text_and_ids_are_unique() -> None:
    texts = [c.text for c in BUILD.chunks]
    ids = [c.chunk_id for c in BUILD.chunks]
    assert len(set(texts)) == len(texts)
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9-]+-[0-9a-f]{10}", i) for i in ids)


def test_chunk_ids_are_stable_across_rebuilds() -> None:
    again = build_chunks(CORPUS, SETTINGS)
    assert [c.chunk_id for c in again.chunks] == [c.chunk_id for c in BUILD.chunks]
    assert chunk_id("a.txt", "ALL-C", "text") == chunk_id("a.txt", "ALL-C", "text")
    assert chunk_id("a.txt", "ALL-C", "text") != chunk_id("a.txt", "ALL-E", "text")


def test_chunks_respect_the_size_settings() -> None:
    doc = clean_document(RAW, source="nccn-all-2015.txt", profile=NCCN_ALL_2015)
    small = chunk_document(doc, ChunkingSettings(max_chars=400, min_chars=50))
    assert len(small) > len(BUILD.chunks)
    assert max(len(c.text) for c in small) <= 400 * 1.5 + 450  # keep-with-next and long sentences


def test_fingerprint_changes_with_corpus_settings_and_model() -> None:
    base = fingerprint(BUILD, chunking=SETTINGS, model="m")
    assert fingerprint(BUILD, chunking=SETTINGS, model="m") == base
    assert fingerprint(BUILD, chunking=ChunkingSettings(max_chars=500), model="m") != base
    assert fingerprint(BUILD, chunking=SETTINGS, model="other") != base
    extra = build_from_raw(
        [
            RawDocument("nccn-all-2015.txt", RAW, "nccn-all-2015"),
            RawDocument("notes.txt", "A note.\n"),
        ],
        SETTINGS,
    )
    assert fingerprint(extra, chunking=SETTINGS, model="m") != base


def test_user_documents_are_chunked_too() -> None:
    build = build_from_raw(
        [
            RawDocument(
                "local-protocol.txt", "Local Protocol\nOur centre gives IT therapy weekly.\n"
            )
        ],
        SETTINGS,
    )
    assert [c.section for c in build.chunks] == ["local-protocol › Local Protocol"]
    assert build.chunks[0].page is None and build.chunks[0].kind == "discussion"
