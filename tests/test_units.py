"""Quotable units of the real corpus: definitions whole, table rows whole, references and
boilerplate never quotable, every unit a verbatim span of its chunk."""

from __future__ import annotations

from functools import cache

import pytest
from tests.conftest import CORPUS

from allguide.corpus.pipeline import build_chunks
from allguide.corpus.units import QUOTABLE, Unit, chunk_units, embedded_units, is_reference
from allguide.settings import ChunkingSettings
from allguide.types import Chunk
from conftest import CR_CRITERIA


@cache
def _corpus() -> tuple[list[Chunk], list[Unit]]:
    chunks = build_chunks(CORPUS, ChunkingSettings()).chunks
    return chunks, chunk_units(chunks)


def _units_with(text: str) -> list[Unit]:
    return [u for u in _corpus()[1] if text in u.text]


def test_every_unit_is_a_verbatim_span_of_its_chunk() -> None:
    chunks, units = _corpus()
    by_id = {c.chunk_id: c for c in chunks}
    for unit in units:
        assert by_id[unit.chunk_id].text[unit.start : unit.end] == unit.text
    rows = [u.row for u in embedded_units(units)]
    assert rows == list(range(len(rows)))


def test_the_cns_definitions_are_whole_lines_under_their_heading() -> None:
    (cns2,) = [u for u in _units_with("CNS-2: WBC <5/mcL") if u.kind == "definition"]
    assert cns2.text == "CNS-2: WBC <5/mcL in CSF with presence of lymphoblasts."
    assert (cns2.label, cns2.context) == ("CNS-2", "Classification of CNS status")
    (cns1,) = [u for u in _units_with("CNS-1: No lymphoblasts") if u.kind == "definition"]
    assert cns1.text.startswith("CNS-1:")  # the lead-in is context, not part of the quote


def test_the_cr_row_of_all_e_is_one_unit_with_all_its_criteria() -> None:
    rows = [u for u in _corpus()[1] if u.kind == "row" and u.label == "CR"]
    assert len(rows) == 1
    row = rows[0]
    assert row.context == "Response Criteria for Blood and Bone Marrow"
    for criterion in CR_CRITERIA:
        assert criterion in row.text
    assert row.display.startswith("CR: No circulating blasts or extramedullary disease; ")


def test_mediastinal_cr_is_a_definition_not_the_marrow_row() -> None:
    (cru,) = [u for u in _units_with("CR Unconfirmed (CRu)") if u.kind == "definition"]
    assert cru.context == "Response Criteria for Mediastinal Disease"
    (orr,) = _units_with("Overall response rate (ORR = CR + CRi)")
    assert orr.quotable  # its label says what it is


@pytest.mark.parametrize(
    "text",
    [
        "Gokbuget N, Hoelzer D. Treatment of adult acute lymphoblastic leukemia.",
        "Lazarus HM, Richards SM, Chopra R, et al.",
        "Borowitz MJ, Chan JK.",
        "Schultz KR, Bowman WP, Aledo A, et al.",
        "refer to Stock W, Douer D, DeAngelo DJ, et al.",
    ],
)
def test_bibliography_entries_are_references_and_never_quotable(text: str) -> None:
    found = _units_with(text)
    assert found
    assert all(u.kind == "reference" and not u.quotable for u in found)


def test_a_claim_before_its_reference_stays_quotable() -> None:
    (claim,) = [
        u for u in _units_with("Emerging data suggest that for younger patients") if u.quotable
    ]
    assert claim.text.endswith("chemotherapy + TKIs;")
    assert "Schultz" not in claim.text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("All recommendations are category 2A unless otherwise noted.", "category"),
        ("Category 2B: Based upon lower-level evidence", "legend"),
        ("Clinical trials: NCCN believes that the best management", "boilerplate"),
        (
            "The NCCN Clinical Practice Guidelines in Oncology (NCCN Guidelines®) are a statement",
            "boilerplate",
        ),
        ("© National Comprehensive Cancer Network", "boilerplate"),
        ("For details, see http://www.accessdata.fda.gov", "boilerplate"),
        ("http://www.survivorshipguidelines.org/", "url"),
        ("RESPONSE CRITERIA", "heading"),
    ],
)
def test_boilerplate_legend_urls_and_headings_are_not_quotable(text: str, kind: str) -> None:
    found = _units_with(text)
    assert found and {u.kind for u in found} == {kind}
    assert kind not in QUOTABLE


def test_list_items_carry_their_lead_in() -> None:
    (year1,) = list(_units_with("Physical exam, CBC with differential every month"))
    assert year1.kind == "list_item" and year1.context == "Year 1 (every 1–2 months):"
    (year3,) = _units_with("CBC with differential every 6 months")
    assert year3.context == "Year 3+:"  # the flattened list's own label, not the line before


def test_recommendations_are_their_own_kind() -> None:
    (unit,) = _units_with("The panel recommends that LP, if performed, be done concomitantly")
    assert unit.quotable
    (should,) = _units_with("Testicular total dose should be 24 Gy.")
    assert should.kind == "recommendation"


def test_reference_detection_is_not_fooled_by_capitalised_abbreviations() -> None:
    assert not is_reference("Allogeneic HCT, if a donor is available or chemotherapy + TKI")
    assert is_reference("Gokbuget N, Hoelzer D. Treatment of adult ALL.")
