"""Parse ABL1 kinase-domain point mutations as clinicians write them.

Accepted, in any case and spacing: `T315I`, `p.T315I`, `Thr315Ile`, `p.Thr315Ile`, lists of
alternatives `E255K/V` or `F317L/V/I/C`, an optional `ABL1`/`ABL`/`BCR-ABL1` prefix, and
several mutations in one string separated by commas, semicolons, "and" or spaces.

Checked: the residues are standard amino acids, the position is within ABL1 (isoform 1a,
1130 aa, the numbering used for kinase-domain mutations), the variant differs from the
reference, and, at the positions the guideline itself names (Y253, E255, V299, T315, F317,
F359), the reference residue matches. Elsewhere the reference residue is not checked: the
ABL1 sequence is not bundled. Other genes (`JAK2 V617F`), truncated (`T315`) or unknown
forms (`X999Y`, `banana`) are refused with a `ToolInputError` naming the input.
"""

from __future__ import annotations

import re

from allguide.errors import ToolInputError

ABL1_LENGTH = 1130
ONE_LETTER = "ACDEFGHIKLMNPQRSTVWY"
THREE_LETTER = {
    "ALA": "A",
    "ARG": "R",
    "ASN": "N",
    "ASP": "D",
    "CYS": "C",
    "GLN": "Q",
    "GLU": "E",
    "GLY": "G",
    "HIS": "H",
    "ILE": "I",
    "LEU": "L",
    "LYS": "K",
    "MET": "M",
    "PHE": "F",
    "PRO": "P",
    "SER": "S",
    "THR": "T",
    "TRP": "W",
    "TYR": "Y",
    "VAL": "V",
}
GUIDELINE_RESIDUES = {253: "Y", 255: "E", 299: "V", 315: "T", 317: "F", 359: "F"}

_SEPARATORS = re.compile(r"[,;]|\band\b", re.IGNORECASE)
_PREFIX = re.compile(r"^(?:bcr(?:-|::?))?abl1?(?:\s+|:)", re.IGNORECASE)
_GENE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*\d[A-Za-z0-9-]*|[A-Za-z]{3,})\s+\S")
_ONE = re.compile(r"^([A-Z])(\d{1,5})([A-Z](?:/[A-Z])*)$")
_THREE = re.compile(r"^([A-Z]{3})(\d{1,5})([A-Z]{3}(?:/[A-Z]{3})*)$")
_FORMS = "T315I, p.T315I, Thr315Ile or E255K/V"


def parse_mutations(items: list[str]) -> list[str]:
    """Canonical one-letter mutations (`E255K/V` gives `E255K`, `E255V`), in input order."""
    found: dict[str, None] = {}
    for item in items:
        for piece in _SEPARATORS.split(item):
            if piece.strip():
                found.update(dict.fromkeys(_parse_piece(piece.strip())))
    if not found:
        raise ToolInputError(
            f"mutations: must name at least one ABL1 mutation such as {_FORMS} (got {items!r})",
            field="mutations",
        )
    return list(found)


def _parse_piece(piece: str) -> list[str]:
    text = _PREFIX.sub("", piece)
    compact = _split(re.sub(r"\s+", "", text))
    if compact is not None:
        return _expand(piece, *compact)
    words = [_split(word) for word in text.split()]
    if len(words) > 1 and all(word is not None for word in words):
        return [m for word in words if word is not None for m in _expand(piece, *word)]
    gene = _GENE.match(text)
    if gene and _split(re.sub(r"\s+", "", text[gene.end(1) :])) is not None:
        raise ToolInputError(
            f"mutations: {piece!r} names gene {gene.group(1)}; only ABL1 (BCR-ABL1) "
            "kinase-domain mutations are accepted",
            field="mutations",
        )
    raise ToolInputError(
        f"mutations: {piece!r} is not an ABL1 point mutation (expected e.g. {_FORMS})",
        field="mutations",
    )


def _split(token: str) -> tuple[str, int, list[str]] | None:
    """Reference residue, position and variants of `T315I`, `p.Thr315Ile`, `E255K/V`; or None."""
    token = token.upper().removeprefix("P.")
    if match := _ONE.match(token):
        residues = [match.group(1), *match.group(3).split("/")]
    elif match := _THREE.match(token):
        codes = [match.group(1), *match.group(3).split("/")]
        residues = [THREE_LETTER.get(code, "?") for code in codes]
    else:
        return None
    if any(residue not in ONE_LETTER for residue in residues):
        return None
    return residues[0], int(match.group(2)), residues[1:]


def _expand(piece: str, ref: str, pos: int, alts: list[str]) -> list[str]:
    """Check a parsed mutation against ABL1 and list it in one-letter form, one per variant."""
    if not 1 <= pos <= ABL1_LENGTH:
        raise ToolInputError(
            f"mutations: {piece!r} is outside ABL1 (positions 1–{ABL1_LENGTH})", field="mutations"
        )
    expected = GUIDELINE_RESIDUES.get(pos)
    if expected is not None and ref != expected:
        raise ToolInputError(
            f"mutations: {piece!r} has {ref} at ABL1 position {pos}, where the reference residue "
            f"is {expected}",
            field="mutations",
        )
    if ref in alts:
        raise ToolInputError(
            f"mutations: {piece!r} does not change the residue (only missense substitutions)",
            field="mutations",
        )
    return [f"{ref}{pos}{alt}" for alt in alts]
