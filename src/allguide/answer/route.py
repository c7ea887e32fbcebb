"""Find rule-tool inputs in free text (pure): CSF and blood counts, marrow findings, SPD, MRD,
ABL1 mutations, with their units converted to what the tools take (per mcL, percent).

`parse_requests(text)` returns one `ToolRequest` per tool the text carries values for. A value
the text does not state stays unknown (`None`); `chain.py` then checks whether the verdict
depends on it before asking the user. Unit conversions are those of `allguide.rules.units`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from allguide.rules import units

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻−", "0123456789--")
_PER_MCL = (
    r"(?:/\s*|\s*per\s*|\s*cells?\s*/\s*|\s*(?:WBCs?|RBCs?)\s*/\s*)"
    r"(?:mcL|µL|μL|uL|mm3|mm³|microL|cu\s?mm)"
)
_E9 = r"\s*(?:[×xX*]\s*10\s*(?:\^\s*9|⁹|9)\s*/\s*L|G/L)"
_E12 = r"\s*(?:[×xX*]\s*10\s*(?:\^\s*12|¹²|12)\s*/\s*L|T/L)"
_MILLION = r"\s*(?:million|[×xX*]\s*10\s*(?:\^\s*6|⁶|6))\s*(?:/\s*(?:mcL|µL|μL|uL|mm3|mm³)|cells)?"
_QUANTITY = re.compile(
    rf"{_NUM}\s*(k|K)?(?P<unit>{_E12}|{_E9}|{_MILLION}|{_PER_MCL})?",
)


@dataclass
class ToolRequest:
    """Inputs for one rule tool found in the text; `unknown` lists what was not stated."""

    name: str
    inputs: dict[str, Any]
    unknown: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Measure:
    label: str  # wbc | rbc | cells
    value: float  # per mcL
    site: str  # csf | blood
    start: int


def _value(number: str, thousands: str | None, unit: str | None) -> float:
    value = units.parse_count(number + (thousands or ""))
    unit = (unit or "").strip()
    if re.match(_E12.strip(), unit) or re.match(r"^(?:T/L)", unit):
        return units.per_liter_e12_to_per_mcl(value)
    if re.match(r"^(?:[×xX*]\s*10\s*(?:\^\s*9|⁹|9)|G/L)", unit):
        return units.per_liter_e9_to_per_mcl(value)
    if re.match(r"^(?:million|[×xX*]\s*10\s*(?:\^\s*6|⁶|6))", unit):
        return value * 1_000_000
    return value


_SITE = re.compile(
    r"(?P<csf>\bCSF\b|cerebrospinal|\bLP\b|lumbar puncture|spinal tap|\btap\b|cytospin)|"
    r"(?P<blood>\bblood\b|\bperipheral\b|\bCBC\b|\bserum\b)",
    re.I,
)
_LABEL = re.compile(
    r"\b(?P<label>WBCs?|white(?: blood)? cells?|RBCs?|red(?: blood)? cells?|cells)\b", re.I
)


# A clause ends at ';', at a full stop that is not a decimal point, or at a comma that is not
# a thousands separator ("2,000").
_CLAUSE = re.compile(r"(?:[^;,.]|\.(?=\d)|,(?=\d{3}(?!\d)))+")


def _measures(text: str) -> list[_Measure]:
    """WBC/RBC counts with the site (CSF or blood) their clause is about."""
    out: list[_Measure] = []
    site = "csf"
    for clause in _CLAUSE.finditer(text):
        part = clause.group()
        for m in _SITE.finditer(part):
            site = "csf" if m.group("csf") else "blood"
            break
        for q in _QUANTITY.finditer(part):
            label = _label_of(q.group("unit") or "") or _nearest_label(part, q.start(), q.end())
            if label is None:
                continue
            value = _value(q.group(1), q.group(2), q.group("unit"))
            out.append(_Measure(label, value, site, clause.start() + q.start()))
    return out


def _label_of(text: str) -> str | None:
    """'WBC', 'RBC' or 'cells' when the unit itself names what was counted ('30 WBC/mm³')."""
    found = _LABEL.search(text)
    return _kind(found.group("label")) if found else None


def _kind(label: str) -> str:
    low = label.lower()
    if low.startswith(("rbc", "red")):
        return "rbc"
    return "wbc" if low.startswith(("wbc", "white")) else "cells"


def _nearest_label(part: str, start: int, end: int) -> str | None:
    before = list(_LABEL.finditer(part[max(0, start - 25) : start]))
    after = _LABEL.match(part[end : end + 20].lstrip(" /"))
    found = after.group("label") if after else (before[-1].group("label") if before else None)
    return None if found is None else _kind(found)


_PERIPHERAL_POS = re.compile(
    r"(?<!no )(?<!without )\b(?:peripheral|circulating) (?:lympho)?blasts(?! absent)|"
    r"(?:lympho)?blasts (?:circulating|in (?:the )?(?:peripheral )?blood)|"
    r"leukemic cells in (?:the )?(?:peripheral )?blood",
    re.I,
)
_PERIPHERAL_NEG = re.compile(
    r"\bno (?:peripheral |circulating )(?:lympho)?blasts|no (?:lympho)?blasts in (?:the )?blood",
    re.I,
)
_CSF_BLASTS_NEG = re.compile(
    r"\b(?:no|without|negative for)\s+(?:\w+\s+){0,2}?(?:lympho)?blasts|"
    r"(?:lympho)?blasts (?:absent|not (?:seen|identified|present))|cytospin (?:is )?negative",
    re.I,
)
_CSF_BLASTS_POS = re.compile(
    r"\b(?:with|shows?|showing|has|had)\s+(?:\w+\s+){0,2}?(?:lympho)?blasts|"
    r"(?:lympho)?blasts (?:seen|present|identified|on cytospin)|positive cytospin|"
    r"cytospin (?:is )?positive|a few blasts",
    re.I,
)


def _csf_blasts(text: str) -> bool | None:
    csf_text = _PERIPHERAL_NEG.sub(" ", _PERIPHERAL_POS.sub(" ", text))
    negatives = [m.start() for m in _CSF_BLASTS_NEG.finditer(csf_text)]
    # "no lymphoblasts identified" must not also count as "lymphoblasts identified"
    masked = _CSF_BLASTS_NEG.sub(lambda m: " " * len(m.group()), csf_text)
    positives = [m.start() for m in _CSF_BLASTS_POS.finditer(masked)]
    if not negatives and not positives:
        return None
    return max(positives, default=-1) > max(negatives, default=-1)  # the last statement wins


def _flag(text: str, yes: str, no: str) -> bool | None:
    if re.search(no, text, re.I):
        return False
    return True if re.search(yes, text, re.I) else None


def _cns_request(text: str) -> ToolRequest | None:
    measures = [m for m in _measures(text) if m.site == "csf"]
    wbc = [m for m in measures if m.label in ("wbc", "cells")]
    if not wbc or not _SITE.search(text):
        return None
    blood = [m for m in _measures(text) if m.site == "blood"]
    inputs: dict[str, Any] = {
        "csf_wbc_per_mcl": wbc[-1].value,
        "csf_blasts_present": _csf_blasts(text),
        "traumatic_tap": _flag(
            text,
            r"\btraumatic\b|\bbloody\b",
            r"\batraumatic\b|non-?traumatic|not traumatic|clean (?:LP|tap)",
        ),
        "peripheral_blasts": (
            False
            if _PERIPHERAL_NEG.search(text)
            else (True if _PERIPHERAL_POS.search(text) else None)
        ),
        "cranial_nerve_palsy": _flag(
            text, r"cranial nerve|nerve palsy|facial palsy", r"no cranial nerve"
        ),
    }
    for label, key in (("rbc", "csf_rbc_per_mcl"),):
        found = [m for m in measures if m.label == label]
        if found:
            inputs[key] = found[-1].value
    for label, key in (("wbc", "blood_wbc_per_mcl"), ("rbc", "blood_rbc_per_mcl")):
        found = [m for m in blood if m.label in (label, "cells")]
        if found:
            inputs[key] = found[-1].value
    return _request("cns_status", inputs)


def _request(name: str, inputs: dict[str, Any]) -> ToolRequest:
    unknown = [k for k, v in inputs.items() if v is None]
    return ToolRequest(name, inputs, unknown)


def _percent(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text, re.I)
    return float(m.group(1)) if m else None


def _count(label: str, text: str) -> float | None:
    m = re.search(rf"{label}\s*(?:of|was|is|only|at|now|:)?\s*(?:only\s*)?", text, re.I)
    if not m:
        return None
    q = _QUANTITY.match(text, m.end())
    return _value(q.group(1), q.group(2), q.group("unit")) if q else None


def _response_request(text: str) -> ToolRequest | None:
    marrow = _percent(r"marrow[^.;]*?(\d+(?:\.\d+)?)\s*%\s*(?:lympho)?blasts", text)
    if marrow is None:
        marrow = _percent(
            r"marrow (?:lympho)?blasts:?\s*(?:of |at |are |is |were )?(\d+(?:\.\d+)?)\s*%", text
        )
    if marrow is None:
        marrow = _percent(r"(\d+(?:\.\d+)?)\s*%\s*(?:lympho)?blasts[^.;]*marrow", text)
    anc = _count(r"\b(?:ANC|absolute neutrophils?(?: count)?|neutrophils)", text)
    platelets = _count(r"\b(?:platelets?|plts?)", text)
    if marrow is None and (anc is None or platelets is None):
        return None
    increase = _percent(r"(\d+(?:\.\d+)?)\s*%\s*(?:increase|rise)", text)
    rose = re.search(rf"(?:rose|increased|went up) from {_NUM}\S* to {_NUM}", text, re.I)
    if increase is None and rose:
        a, b = (units.parse_count(g) for g in rose.groups())
        increase = (b - a) / a * 100 if a else None
    inputs: dict[str, Any] = {
        "circulating_blasts": _flag(
            text,
            r"(?<!no )circulating blasts|blasts circulating|(?<!no )peripheral blasts|"
            r"blasts in (?:the )?blood",
            r"no (?:circulating|peripheral) blasts|no blasts in (?:the )?blood|"
            r"no circulating blasts or",
        ),
        "extramedullary_disease": _flag(
            text,
            r"(?<!no )extramedullary|testicular (?:mass|relapse|disease)|chloroma|CNS relapse",
            r"no (?:circulating blasts or )?extramedullary",
        ),
        "marrow_blasts_pct": marrow,
        "trilineage_hematopoiesis": _flag(text, r"trilineage", r"(?:no|without|absent) trilineage"),
        "anc_per_mcl": anc,
        "platelets_per_mcl": platelets,
        "end_of_induction": bool(
            re.search(
                r"end[- ]of[- ]induction|after induction|post-?induction|day (?:28|29|33)",
                text,
                re.I,
            )
        ),
        "prior_cr": bool(
            re.search(
                r"\bin CR\d?\b|\bCR1\b|in (?:complete )?remission|previously in CR|"
                r"after (?:a |achieving )?CR",
                text,
                re.I,
            )
        )
        and not re.search(r"not previously in (?:remission|CR)", text, re.I),
    }
    if increase is not None:
        inputs["blast_increase_pct"] = round(increase, 4)
    return _request("response", inputs)


_CNS_AT_DX = re.compile(
    r"\b(CNS-?[123])\b[^.;]*?\bat diagnosis|\bat diagnosis[^.;]*?\b(CNS-?[123])\b", re.I
)
_CNS_NOW = re.compile(r"\b(?:now|currently|current)\b[^.;]*?\b(CNS-?[123])\b", re.I)


def _cns_response_request(text: str) -> ToolRequest | None:
    at_dx = _CNS_AT_DX.search(text)
    if not at_dx or not re.search(
        r"\bnow\b|current|after|CSF|cytospin|palsy|relapse|remission",
        text[at_dx.end() :] + text[: at_dx.start()],
        re.I,
    ):
        return None
    diagnosis = _cns_label(at_dx.group(1) or at_dx.group(2))
    signs = bool(
        re.search(
            r"facial nerve palsy|nerve palsy|hypothalamic|brain/eye|eye involvement", text, re.I
        )
    )
    inputs: dict[str, Any] = {"cns_status_at_diagnosis": diagnosis, "new_clinical_signs": signs}
    now = _CNS_NOW.search(text)
    if now:
        inputs["current_cns_status"] = _cns_label(now.group(1))
    else:
        after = text[at_dx.end() :]
        current = _cns_request(after) if re.search(r"CSF|cytospin", after, re.I) else None
        inputs["current_cns_status"] = current if current else None
    return _request("cns_response", inputs)


def _cns_label(text: str) -> str:
    return "CNS-" + text[-1]


_AREA = re.compile(rf"{_NUM}\s*(?:cm2|cm²|cm\^2|mm2|mm²)", re.I)


def _mediastinal_request(text: str) -> ToolRequest | None:
    if not re.search(r"mediastin|\bSPD\b", text, re.I):
        return None
    areas = [units.parse_count(m.group(1)) for m in _AREA.finditer(text)]
    if len(areas) < 2:
        return None
    inputs: dict[str, Any] = {"baseline_spd": areas[0], "current_spd": areas[-1]}
    if re.search(r"after (?:achieving |a )?(?:CR|CRu)\b|\bin CRu?\b", text):
        inputs["prior_cr_or_cru"] = True
    return _request("mediastinal_response", inputs)


_EXPONENT = r"(?:(\d+(?:\.\d+)?)\s*[×xX*]\s*)?10\s*(?:\^\s*)?([-−⁻]\s*[\d⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
_SENSITIVITY = re.compile(
    rf"sensitivity\s*(?:of|level|threshold)?\s*(?:<|≤)?\s*(?:{_NUM}\s*%|{_EXPONENT})", re.I
)


def _mrd_request(text: str) -> ToolRequest | None:
    if not re.search(r"\bMRD\b|minimal residual", text, re.I):
        return None
    inputs: dict[str, Any] = {}
    sens = _SENSITIVITY.search(text)
    rest = text
    if sens:
        pct, mantissa, exponent = sens.group(1), sens.group(2), sens.group(3)
        if pct:
            inputs["assay_sensitivity_pct"] = float(pct)
        else:
            inputs["assay_sensitivity_fraction"] = _power(mantissa, exponent)
        rest = text[: sens.start()] + text[sens.end() :]
    exp = re.search(_EXPONENT, rest)
    pct = re.search(rf"{_NUM}\s*%", rest)
    if exp and (not pct or exp.start() < pct.start()):
        inputs["mrd_fraction"] = _power(exp.group(1), exp.group(2))
    elif pct:
        inputs["mrd_pct"] = float(pct.group(1).replace(",", ""))
    else:
        return None
    return _request("mrd_status", inputs)


def _power(mantissa: str | None, exponent: str) -> float:
    power = int(exponent.translate(_SUP).replace(" ", ""))
    return float(mantissa or 1) * 10.0**power


_AA = "Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val"
_MUTATION = re.compile(
    rf"\b(?:p\.)?(?:[A-Z]\d{{2,4}}[A-Z](?:/[A-Z])*|(?:{_AA})\d{{2,4}}(?:{_AA}))(?![\w-])"
)
_NEGATED = re.compile(r"\b(?:not|no|without|negative for)\s+$", re.I)


def _tki_request(text: str) -> ToolRequest | None:
    if not re.search(r"\bABL|mutation|TKI|Ph\s?\+|Ph-positive|imatinib|kinase", text, re.I):
        return None
    found = [
        m.group()
        for m in _MUTATION.finditer(text)
        if not _NEGATED.search(text[max(0, m.start() - 15) : m.start()])
        and not re.search(r"\b(?:JAK2|FLT3|KRAS|NRAS)\s*$", text[max(0, m.start() - 8) : m.start()])
    ]
    if not found:
        return None
    return ToolRequest("tki_by_mutation", {"mutations": list(dict.fromkeys(found))})


def parse_requests(text: str) -> list[ToolRequest]:
    """Every rule tool the text gives values for, in a fixed order."""
    requests: list[ToolRequest] = []
    cns_response = _cns_response_request(text)
    if cns_response:
        requests.append(cns_response)
    else:
        cns = _cns_request(text)
        if cns:
            requests.append(cns)
    for parse in (_response_request, _mediastinal_request, _mrd_request, _tki_request):
        request = parse(text)
        if request:
            requests.append(request)
    return requests
