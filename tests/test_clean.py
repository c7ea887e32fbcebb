"""Every cleaning repair, on real snippets of the extraction and on the whole corpus."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from allguide.corpus.clean import clean_document
from allguide.corpus.lines import (
    drop_glyph_lines,
    drop_marker_lines,
    is_heading,
    is_marker_line,
    join_hyphenated,
    join_lines,
    vocabulary,
)
from allguide.corpus.pages import Page, Tally, drop_repeated_lines, split_pages
from allguide.corpus.repairs import (
    ALGORITHM_REPAIRS,
    DISCUSSION_REPAIRS,
    apply_repairs,
    strip_citations,
)
from allguide.guidelines import GENERIC, NCCN_ALL_2015
from conftest import RAW

VOCAB = vocabulary(RAW)
CLEAN = clean_document(RAW, source="nccn-all-2015.txt", profile=NCCN_ALL_2015)


def test_split_pages_keeps_stray_boxes_with_their_page() -> None:
    lines = [" First page", "text", " �", " 15,16", "more", " Second page", "x"]
    pages = split_pages(lines)
    assert [p.lines[0] for p in pages] == [" First page", " Second page"]
    assert pages[0].lines[-1] == "more"


def test_repeated_spread_copy_is_dropped_but_unique_lines_are_kept() -> None:
    copy_a = (
        " RESPONSE CRITERIA",
        "CR",
        "No circulating blasts or extramedullary disease",
        "Trilineage hematopoiesis (TLH) and <5% blasts",
    )
    copy_b = (
        " NCCN Clinical Practice Guidelines in Oncology",
        "CR",
        "No circulating blasts or extramedullary disease",
        "Trilineage hematopoiesis (TLH) and <5% blasts",
        "Only on the second page of the spread, long enough to matter.",
    )
    tally = Tally()
    out = drop_repeated_lines([Page(copy_a, 0), Page(copy_b, 10)], tally=tally)
    assert out[0].lines == copy_a
    assert out[1].lines == (
        " NCCN Clinical Practice Guidelines in Oncology",
        "Only on the second page of the spread, long enough to matter.",
    )
    assert tally.counts["repeated_lines"] == 3


def test_short_flowchart_labels_on_other_pages_are_not_taken_for_repeats() -> None:
    tally = Tally()
    out = drop_repeated_lines(
        [Page((" A", "or", "CRp"), 0), Page((" B", "or", "CRp"), 5)], tally=tally
    )
    assert out[1].lines == (" B", "or", "CRp")


@pytest.mark.parametrize(
    ("line", "marker"),
    [
        ("a", True),
        ("bb,dd", True),
        ("n o", True),
        ("26,27,e", True),
        ("39-41,i,j", True),
        ("-4", True),
        ("9 9", True),
        ("1–4", True),
        ("or", False),
        ("CR", False),
        ("Year 2:", False),
        ("ALL", False),
    ],
)
def test_footnote_marker_lines(line: str, marker: bool) -> None:
    assert is_marker_line(line) is marker


def test_bullet_glyph_lines_are_dropped_and_prefixes_stripped() -> None:
    tally = Tally()
    lines = [
        "�",
        "� Infection control (See NCCN Guidelines)",
        "— Consider dose reduction",
        "≥ ≥",
        "x",
    ]
    assert drop_glyph_lines(lines, tally) == [
        "",
        "Infection control (See NCCN Guidelines)",
        "Consider dose reduction",
        "",
        "x",
    ]
    assert tally.counts["bullet_glyph_lines"] == 4
    assert drop_marker_lines(["k,s", "Patients"], tally) == ["", "Patients"]


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("in Oncol-", "ogy (NCCN Guidelines)", "in Oncology (NCCN Guidelines)"),
        ("second-gen-", "eration tyrosine", "second-generation tyrosine"),
        ("BCR-", "ABL fusion", "BCR-ABL fusion"),
        ("with Ph-", "positive ALL", "with Ph-positive ALL"),
        ("MRD-", "negative status", "MRD-negative status"),
        ("T-", "cell ALL", "T-cell ALL"),
        ("for follow-", "up analysis", "for follow-up analysis"),
        ("end-", "organ reserve", "end-organ reserve"),
        ("Non-", "Hodgkin lymphoma", "Non-Hodgkin lymphoma"),
    ],
)
def test_hyphenated_line_breaks_join_without_breaking_real_hyphens(
    left: str, right: str, joined: str
) -> None:
    assert join_hyphenated(left, right, VOCAB) == joined


def test_join_lines_collapses_wraps() -> None:
    tally = Tally()
    text = join_lines(["Wright-Giemsa–stained slides and hematoxy-", "lin and eosin"], VOCAB, tally)
    assert text == "Wright-Giemsa–stained slides and hematoxylin and eosin"
    assert tally.counts["hyphenated_line_breaks"] == 1


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("leukemias among adults.1,6 ", "leukemias among adults. "),
        (
            "neurofibromatosis,9 Klinefelter syndrome,10–12 Fan",
            "neurofibromatosis, Klinefelter syndrome, Fan",
        ),
        ("(P<.001).57 Similarly", "(P<.001). Similarly"),
        (
            "A pivotal study from Zhang et al35 identified",
            "A pivotal study from Zhang et al identified",
        ),
        ("CD10/CD19/CD22/CD79a expression1,23,24,31 and", "CD10/CD19/CD22/CD79a expression and"),
        ("in B-cell ALL51,52 and", "in B-cell ALL and"),
        ("remission rate of 88%96 is", "remission rate of 88% is"),
        ("an antagonist of interleukin-6.96 Based", "an antagonist of interleukin-6. Based"),
        ("estimated in 2015.3 The median", "estimated in 2015. The median"),
        ("children;19,20 however", "children; however"),
    ],
)
def test_citation_numbers_are_removed(raw: str, clean: str) -> None:
    assert strip_citations(raw, Tally()) == clean


@pytest.mark.parametrize(
    "text",
    [
        "median OS of only 4.5 months to 6 months",
        "(31% vs 15% vs 2%; P=.039) compared",
        "t(9;22)(q34;q11.2); t(v;11q23), MLL",
        "hyperdiploidy (DNA index >1.16; 51–65 chromosomes)",
        "a 10-fold increase in risk of death",
        "the ABL mutations T315I, V299L, and F317L.",
        "(OR, 0.79; 95% CI, 0.70–0.90; P=.0003)",
    ],
)
def test_citation_stripping_never_touches_numbers_that_are_words(text: str) -> None:
    assert strip_citations(text, Tally()) == text


@pytest.mark.parametrize(
    ("raw", "repaired", "repair"),
    [
        (
            "CNS-3: WBC 5/mcL in CSF with presence of lymphoblasts.",
            "CNS-3: WBC ≥5/mcL in CSF with presence of lymphoblasts.",
            "ge_cns3_wbc",
        ),
        (
            "sensitivity) should be <1 × 10   (<0.01%).",
            "sensitivity) should be <1 × 10⁻⁴ (<0.01%).",
            "mrd_threshold_exponent",
        ),
        (
            "requires demonstration of 20% bone marrow lymphoblasts",
            "requires demonstration of ≥20% bone marrow lymphoblasts",
            "ge_marrow_blasts",
        ),
        (
            "High WBC count ( 30 x 10 /L for B lineage or 100 x 10 /L for T lineage)",
            "High WBC count (≥30 × 10⁹/L for B lineage or ≥100 × 10⁹/L for T lineage)",
            "high_wbc_threshold",
        ),
        (
            "this requires at least 1 × 10 MNCs for analysis",
            "this requires at least 1 × 10⁶ MNCs for analysis",
            "mnc_flow_exponent",
        ),
        ("Ph+ ALL (Adult) (aged 40 y)", "Ph+ ALL (Adult) (aged ≥40 y)", "ge_age_40"),
        (
            "Patients 65 years of age or with substantial comorbidities",
            "Patients ≥65 years of age or with substantial comorbidities",
            "ge_age_65",
        ),
        (
            "For direct bilirubin 3.0 mg/dL, continue",
            "For direct bilirubin ≤3.0 mg/dL, continue",
            "le_bilirubin",
        ),
        (
            "Achievement of CNS-1 status ( in a patient",
            "Achievement of CNS-1 status (see ALL-C) in a patient",
            "displaced_cns_remission_ref",
        ),
        ("Less than CRp", "Less than CR", "glued_footnote_cr"),
    ],
)
def test_algorithm_symbol_repairs(raw: str, repaired: str, repair: str) -> None:
    tally = Tally()
    assert apply_repairs(raw, ALGORITHM_REPAIRS, tally) == repaired
    assert tally.counts[repair] == 1


@pytest.mark.parametrize(
    ("raw", "repaired"),
    [
        ("fewer than 1 X 10-4 (<0.01%)", "fewer than 1 × 10⁻⁴ (<0.01%)"),
        ("MRD of 10-3 were", "MRD of 10⁻³ were"),
        ("WBC count <50 X 109/L)", "WBC count <50 × 10⁹/L)"),
        ("At least 1 × 106 MNCs are required", "At least 1 × 10⁶ MNCs are required"),
        ("up to 1010 malignant cells", "up to 10¹⁰ malignant cells"),
        ("a 10-fold increase", "a 10-fold increase"),
    ],
)
def test_discussion_superscript_repairs(raw: str, repaired: str) -> None:
    assert apply_repairs(raw, DISCUSSION_REPAIRS, Tally()) == repaired


def test_headings() -> None:
    assert is_heading("Role of MRD Evaluation ")
    assert is_heading("NCCN Recommendations for Ph-Positive ALL")
    assert not is_heading("The cure rates and survival outcomes for patients ")
    assert not is_heading("leukemia. ")


# --- the whole corpus ---------------------------------------------------------------------------


def test_spread_copies_appear_once() -> None:
    text = CLEAN.text
    assert text.count("Classification of CNS status") == 1
    assert text.count("Testicular total dose should be 24 Gy.") == 1
    assert text.count("For patients with mutations F317L/V/I/C, T315A, or V299L.") == 1
    assert text.count("Upon completion of initial induction.") == 1


def test_what_only_one_copy_has_is_kept() -> None:
    # "Dasatinib" heads the relapsed regimens only in the first copy of ALL-D 3 of 4.
    assert "Dasatinib Nilotinib Bosutinib Ponatinib" in CLEAN.text


def test_no_glyphs_or_marker_lines_survive() -> None:
    assert "\ufffd" not in CLEAN.text
    lines = CLEAN.text.split("\n")
    assert not [x for x in lines if x.strip() and is_marker_line(x)]


def test_lost_symbols_are_restored_in_context() -> None:
    text = CLEAN.text
    assert "CNS-3: WBC ≥5/mcL in CSF with presence of lymphoblasts." in text
    assert (
        "the LP is traumatic and WBC ≥5/mcL in CSF with blasts, then compare the CSF WBC/RBC ratio"
        in text
    )
    assert "should be <1 × 10⁻⁴ (<0.01%)." in text
    assert "demonstration of ≥20% bone marrow lymphoblasts" in text
    assert "(≥30 × 10⁹/L for B lineage or ≥100 × 10⁹/L for T lineage)" in text


def test_two_column_flow_and_floats_are_rejoined() -> None:
    text = CLEAN.text
    # The Overview sentence continues after the Abstract box on the next page.
    assert (
        "classification of ALL subtypes based on immunophenotype and cytogenetic/molecular markers"
        in text
    )
    # Table 1 interrupted a sentence; the sentence is whole and the table follows it.
    assert "this genotype is 4 to 5 times more frequent in children and young adults" in text
    # A column break inside a word.
    assert "constitutional symptoms (eg, fevers, night sweats, weight loss)" in text


def test_words_are_never_altered() -> None:
    words = Counter(w.lower() for w in re.findall(r"[A-Za-z]{4,}", CLEAN.text))
    raw_words = vocabulary(RAW)
    unknown = [w for w in words if raw_words[w] == 0 and not any(w in k for k in raw_words)]
    # Words joined across hyphenated line breaks are new tokens; nothing else may be.
    joined = [w for w in unknown if not _is_rejoined(w)]
    assert joined == []


def _is_rejoined(word: str) -> bool:
    """True when the raw text has the word split by a hyphen and line or page breaks."""
    raw = RAW.lower()
    return any(re.search(rf"{word[:i]}-\s*\n\s*{word[i:]}", raw) for i in range(2, len(word) - 1))


def test_repairs_are_counted_in_the_summary() -> None:
    repairs = CLEAN.repairs
    for name in (
        "repeated_lines",
        "bullet_glyph_lines",
        "footnote_marker_lines",
        "hyphenated_line_breaks",
        "citation_numbers",
        "ge_cns3_wbc",
        "mrd_threshold_exponent",
        "ge_marrow_blasts",
        "column_flow_rejoined",
    ):
        assert repairs.get(name, 0) > 0, name


def test_a_plain_document_gets_the_generic_cleaning() -> None:
    doc = clean_document(
        "Intro Heading\nSome text that wraps and is hy-\nphenated across lines.\n\n�\n\nNext para.",
        source="notes.txt",
        profile=GENERIC,
    )
    assert doc.text == "Some text that wraps and is hyphenated across lines.\n\nNext para."
    assert doc.blocks[0].section == "notes › Intro Heading"
