"""Find rule-tool inputs in free text (pure): CSF and blood counts, marrow findings, SPD, MRD,
ABL1 mutations, with their units converted to what the tools take (per mcL, percent).

`parse_requests(text)` returns one `ToolRequest` per tool the text carries values for: each
registered `RuleSpec` names its parser here (`parse`). A value
the text does not state stays unknown (`None`); `chain.py` then checks whether the verdict
depends on it before asking the user. Unit conversions are those of `allguide.rules.units`.
"""

from __future__ import annotations

import re
from typing import Any

from allguide.answer.quantities import (
    AREA,
    EXPONENT,
    NUM,
    SITE,
    count,
    find_measures,
    percent,
    power,
)
from allguide.rules import units
from allguide.rules.abl1 import THREE_LETTER
from allguide.rules.spec import ToolRequest

__all__ = ["MUTATION", "ToolRequest", "parse_requests"]


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
    r"cytospin (?:is )?positive",
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
    found_measures = find_measures(text)
    measures = [m for m in found_measures if m.site == "csf"]
    wbc = [m for m in measures if m.label in ("wbc", "cells")]
    if not wbc or not SITE.search(text):
        return None
    blood = [m for m in found_measures if m.site == "blood"]
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
    csf_rbc = [m for m in measures if m.label == "rbc"]
    if csf_rbc:
        inputs["csf_rbc_per_mcl"] = csf_rbc[-1].value
    for label, key in (("wbc", "blood_wbc_per_mcl"), ("rbc", "blood_rbc_per_mcl")):
        found = [m for m in blood if m.label in (label, "cells")]
        if found:
            inputs[key] = found[-1].value
    return _request("cns_status", inputs)


def _request(name: str, inputs: dict[str, Any]) -> ToolRequest:
    unknown = [k for k, v in inputs.items() if v is None]
    return ToolRequest(name, inputs, unknown)


def response_request(text: str) -> ToolRequest | None:
    marrow = percent(r"marrow[^.;]*?(\d+(?:\.\d+)?)\s*%\s*(?:lympho)?blasts", text)
    if marrow is None:
        marrow = percent(
            r"marrow (?:lympho)?blasts:?\s*(?:of |at |are |is |were )?(\d+(?:\.\d+)?)\s*%", text
        )
    if marrow is None:
        marrow = percent(r"(\d+(?:\.\d+)?)\s*%\s*(?:lympho)?blasts[^.;]*marrow", text)
    anc = count(r"\b(?:ANC|absolute neutrophils?(?: count)?|neutrophils)", text)
    platelets = count(r"\b(?:platelets?|plts?)", text)
    if marrow is None and (anc is None or platelets is None):
        return None
    increase = percent(r"(\d+(?:\.\d+)?)\s*%\s*(?:increase|rise)", text)
    rose = re.search(rf"(?:rose|increased|went up) from {NUM}\S* to {NUM}", text, re.I)
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


# "CNS remission was achieved after induction" (a CNS-3 now is then CNS relapse).
_PRIOR_CNS_REMISSION = re.compile(
    r"CNS remission (?:was |had been |has been )?(?:never |not )?(?:achieved|reached|attained)|"
    r"(?:achieved|reached|attained) (?:a )?CNS remission|previously in CNS remission|"
    r"prior CNS remission|after (?:a |achieving )CNS remission",
    re.I,
)
_NO_CNS_REMISSION = re.compile(
    r"\b(?:no|not|never|without)\b[^.;]*CNS remission (?:was |had been |has been )?"
    r"(?:achieved|reached|attained)|CNS remission (?:was |had been |has been )?never|"
    r"(?:not|never) (?:achieved|reached|attained) (?:a )?CNS remission",
    re.I,
)


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
    if diagnosis != "CNS-1" and _PRIOR_CNS_REMISSION.search(text):
        inputs["prior_cns_remission"] = not _NO_CNS_REMISSION.search(text)
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


def mediastinal_request(text: str) -> ToolRequest | None:
    if not re.search(r"mediastin|\bSPD\b", text, re.I):
        return None
    areas = [units.parse_count(m.group(1)) for m in AREA.finditer(text)]
    if len(areas) < 2:
        return None
    inputs: dict[str, Any] = {"baseline_spd": areas[0], "current_spd": areas[-1]}
    prior = re.search(r"after (?:achieving |a )?(?:CR or CRu|CRu?)\b|\bin CRu?\b", text)
    if prior:
        inputs["prior_cr_or_cru"] = True
        # "… after achieving CR or CRu the SPD was 6 cm², and now 8 cm²": the area after the
        # CR/CRu mention, when it is not the last one, is the SPD at CR/CRu.
        after = [m for m in AREA.finditer(text) if m.start() > prior.start()]
        if len(areas) >= 3 and len(after) >= 2:
            inputs["spd_at_cr_or_cru"] = units.parse_count(after[0].group(1))
    return _request("mediastinal_response", inputs)


_SENSITIVITY = re.compile(
    rf"sensitivity\s*(?:of|level|threshold)?\s*(?:<|≤)?\s*(?:{NUM}\s*%|{EXPONENT})", re.I
)


def mrd_request(text: str) -> ToolRequest | None:
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
            inputs["assay_sensitivity_fraction"] = power(mantissa, exponent)
        rest = text[: sens.start()] + text[sens.end() :]
    exp = re.search(EXPONENT, rest)
    pct = re.search(rf"{NUM}\s*%", rest)
    if exp and (not pct or exp.start() < pct.start()):
        inputs["mrd_fraction"] = power(exp.group(1), exp.group(2))
    elif pct:
        inputs["mrd_pct"] = float(pct.group(1).replace(",", ""))
    else:
        return None
    return _request("mrd_status", inputs)


_AA = "|".join(code.title() for code in THREE_LETTER)
MUTATION = re.compile(
    rf"\b(?:p\.)?(?:[A-Z]\d{{2,4}}[A-Z](?:/[A-Z])*|(?:{_AA})\d{{2,4}}(?:{_AA}))(?![\w-])"
)
_NEGATED = re.compile(r"\b(?:not|no|without|negative for)\s+$", re.I)


def tki_request(text: str) -> ToolRequest | None:
    if not re.search(r"\bABL|mutation|TKI|Ph\s?\+|Ph-positive|imatinib|kinase", text, re.I):
        return None
    found = [
        m.group()
        for m in MUTATION.finditer(text)
        if not _NEGATED.search(text[max(0, m.start() - 15) : m.start()])
        and not re.search(r"\b(?:JAK2|FLT3|KRAS|NRAS)\s*$", text[max(0, m.start() - 8) : m.start()])
    ]
    if not found:
        return None
    return ToolRequest("tki_by_mutation", {"mutations": list(dict.fromkeys(found))})


def cns_request(text: str) -> ToolRequest | None:
    """The `cns_status` parser hook: a CNS response to treatment when the text gives a status
    at diagnosis (`cns_response`), else the CNS status of the CSF counts given."""
    return _cns_response_request(text) or _cns_request(text)


def parse_requests(text: str) -> list[ToolRequest]:
    """Every rule tool the text gives values for, in registry order (each spec's `parse`)."""
    from allguide.tools import RULES  # deferred: the registry imports these parsers

    requests: list[ToolRequest] = []
    for spec in RULES.values():
        request = spec.parse(text) if spec.parse else None
        if request:
            requests.append(request)
    return requests
