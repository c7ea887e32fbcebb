"""Clinical abbreviation expansion for queries (pure, injectable).

The guideline spells most terms out once and abbreviates them after; clinicians type the
abbreviation or a synonym the text never uses (HSCT, allo-SCT, blina). Expansion appends the
guideline's own wording so both the dense and the BM25 retriever can match it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Expander = Callable[[str], str]

# pattern (case-sensitive unless marked (?i)) → words the guideline uses for it
ABBREVIATIONS: Mapping[str, str] = {
    r"\bPh\s*\+|\bPh-positive\b|(?i:\bphiladelphia[- ]positive\b)": (
        "Ph-positive Philadelphia chromosome-positive BCR-ABL1"
    ),
    r"\bPh\s*[-−–](?!like)(?=\s|$|[,.;?)])|\bPh-negative\b|(?i:\bphiladelphia[- ]negative\b)": (
        "Ph-negative Philadelphia chromosome-negative"
    ),
    r"\bPh-like\b|(?i:\bphiladelphia-like\b)": "Ph-like Philadelphia-like BCR-ABL1-like",
    r"(?i:\ballo[- ]?(?:sct|hsct|bmt|hct|transplant\w*))|\bHSCT\b|\bSCT\b|\bBMT\b": (
        "allogeneic HCT hematopoietic cell transplantation"
    ),
    r"\bHCT\b": "hematopoietic cell transplantation",
    r"\bIT\b|(?i:\bintrathecals?\b)": "intrathecal IT",
    r"\bTKIs?\b": "tyrosine kinase inhibitor TKI",
    r"\bMRD\b": "minimal residual disease MRD",
    r"\bCRi\b": "CR with incomplete blood count recovery CRi",
    r"\bCRu\b": "CR unconfirmed CRu",
    r"\bCR\b": "complete response CR",
    r"\bAYAs?\b": "adolescent and young adult AYA",
    r"\bLP\b|(?i:\bspinal tap\b)": "lumbar puncture LP",
    r"\bCSF\b": "cerebrospinal fluid CSF",
    r"\bWBC\b": "white blood cell WBC count",
    r"\bANC\b": "absolute neutrophil count ANC",
    r"\bT-ALL\b": "T-cell ALL T-cell lineage",
    r"\bB-ALL\b": "B-cell ALL B-cell lineage precursor B-cell",
    r"\bETP\b": "early T-cell precursor ETP",
    r"(?i:\bCAR[- ]?T\b|\bCART\b)": "chimeric antigen receptor CAR T cells",
    r"(?i:\bblina\b)": "blinatumomab",
    r"(?i:\bVSLI\b|liposomal vincristine|marqibo|vincristine sulfate liposome)": (
        "vincristine sulfate liposome injection VSLI"
    ),
    r"(?i:\bdefin(?:e|ed|es|ing|ition|itions)\b)": "defined characterized criteria",
    r"(?i:\bhyper-?CVAD\b)": "hyper-CVAD hyper-fractionated cyclophosphamide vincristine",
    r"\bDLI\b": "donor lymphocyte infusion DLI",
    r"(?i:\bPEG-?asp\w*|\bpegaspargase\b|\boncaspar\b)": "pegaspargase PEG asparaginase",
    r"\bTLS\b": "tumor lysis syndrome TLS",
    r"\bPCP\b": "Pneumocystis pneumonia PCP prophylaxis",
    r"\bInO\b|(?i:\binotuzumab\b)": "inotuzumab ozogamicin InO",
    r"\bSPD\b": "sum of the product of the greatest perpendicular diameters SPD",
    r"(?i:\bIKZF1\b|\bikaros\b)": "IKZF1 Ikaros",
    r"(?i:\bCNS[- ]?([123])\b)": "CNS-\\1 CNS status",
    # Ages map onto the guideline's populations: AYA are 15–39, adults ≥40, older ≥65.
    r"(?i:\b(?:1[5-9]|[23]\d)[- ]?(?:years?|yrs?|y)[- ]?old\b|\bage[ds]? (?:1[5-9]|[23]\d)\b)": (
        "AYA adolescent and young adult aged 15-39"
    ),
    r"(?i:\b(?:[4-6]\d)[- ]?(?:years?|yrs?|y)[- ]?old\b|\b(?:over|above|older than) [4-6]\d\b|"
    r"\b[4-6]0\+|\bage[ds]? [4-6]\d\b)": "adult aged ≥40",
    r"(?i:\b(?:6[5-9]|[7-9]\d)[- ]?(?:years?|yrs?|y)[- ]?old\b|\b(?:65|[7-9]\d) or older\b|"
    r"\bover (?:65|[7-9]\d)\b|\bfrail\b|\belderly\b|\bcomorbidit\w*)": (
        "Patients ≥65 years of age or with substantial comorbidities"
    ),
}

_COMPILED = [(re.compile(p), words) for p, words in ABBREVIATIONS.items()]


def expand_abbreviations(query: str, table: Mapping[str, str] | None = None) -> str:
    """The query followed by the guideline's wording for each abbreviation found in it."""
    compiled = _COMPILED if table is None else [(re.compile(p), w) for p, w in table.items()]
    present = {w.lower() for w in query.split()}
    extra: list[str] = []
    for pattern, words in compiled:
        for match in pattern.finditer(query):
            for word in match.expand(words).split():
                if word.lower() not in present:
                    present.add(word.lower())
                    extra.append(word)
    return query if not extra else f"{query} ({' '.join(extra)})"


def no_expansion(query: str) -> str:
    return query
