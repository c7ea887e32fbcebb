"""Each rule tool's verdict as words, for the offline answer ("CNS status CNS-2")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def generic(out: Mapping[str, Any]) -> str:
    return str(out.get("status", "done"))


def cns_status(out: Mapping[str, Any]) -> str:
    text = f"CNS status {out.get('cns_status')}"
    if out.get("cranial_nerve_involvement"):
        text += "; cranial nerve involvement is reported separately (CNS leukemia)"
    return text


_RESPONSE_WORDS = {
    "CR": "complete response (CR)",
    "CRi": "CR with incomplete blood count recovery (CRi)",
    "refractory": "refractory disease",
    "progressive_disease": "progressive disease (PD)",
    "relapse": "relapsed disease",
    "no_cr": "no CR (the CR and CRi criteria are not met, and no other category applies)",
}
_CNS_RESPONSE_WORDS = {
    "cns_remission": "CNS remission",
    "cns_relapse": "CNS relapse",
    "no_cns_remission": "no CNS remission yet",
    "not_defined": "neither CNS remission nor CNS relapse as the guideline defines them",
}


def response(out: Mapping[str, Any]) -> str:
    return f"response {_RESPONSE_WORDS.get(str(out.get('response')), out.get('response'))}"


def cns_response(out: Mapping[str, Any]) -> str:
    return str(_CNS_RESPONSE_WORDS.get(str(out.get("cns_response")), out.get("cns_response")))


def mediastinal_response(out: Mapping[str, Any]) -> str:
    return f"mediastinal response {out.get('mediastinal_response')}"


def mrd_status(out: Mapping[str, Any]) -> str:
    return f"MRD {out.get('mrd_status')}"


def tki_by_mutation(out: Mapping[str, Any]) -> str:
    mutations = ", ".join(str(m) for m in out.get("mutations", []) or [])
    options = [str(o) for o in out.get("options", []) or []]
    if options:
        return f"options for {mutations}: {', '.join(options)}"
    return f"no single TKI option listed in the guideline covers all of {mutations}"
