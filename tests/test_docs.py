"""The docs stay true: links resolve, nothing points outside the repo, the README stays short,
and docs/design.md names the parser's commands and flags and the models' JSON keys."""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path

import pytest

from allguide.cli import _parser
from allguide.evaluation.dataset import EvalItem
from allguide.tools import RULES
from allguide.types import Answer, Passage
from conftest import REPO

MARKDOWN = [
    REPO / "README.md",
    *sorted((REPO / "docs").glob("*.md")),
    REPO / "evals" / "README.md",
    REPO / "corpus" / "README.md",
]
DESIGN = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
# What the README must link to (issue 12: the docs it points a newcomer to).
LINKED_DOCS = (
    "design",
    "rules",
    "llm",
    "evaluation",
    "extending",
    "reliability",
    "ui",
    "architecture",
)
# Spelled in pieces so that this file does not match itself.
FORBIDDEN = ("DESIGN" + ".md", "../" + "shared", "/work" + "/")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def _prose(path: Path) -> str:
    """The file without its fenced code blocks (examples may hold bracketed text)."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", _prose(path), re.M)}


def _links() -> list[tuple[Path, str]]:
    return [(path, target) for path in MARKDOWN for target in LINK.findall(_prose(path))]


@pytest.mark.parametrize(
    ("path", "target"),
    [pytest.param(p, t, id=f"{p.relative_to(REPO)}->{t}") for p, t in _links()],
)
def test_every_relative_link_resolves(path: Path, target: str) -> None:
    if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
        return
    file_part, _, anchor = target.partition("#")
    resolved = (path.parent / file_part).resolve() if file_part else path
    assert resolved.exists(), f"{path.relative_to(REPO)}: {target} does not exist"
    assert REPO in resolved.parents or resolved == REPO, f"{target} is outside the repo"
    if anchor and resolved.suffix == ".md":
        assert anchor in _anchors(resolved), f"{path.relative_to(REPO)}: no heading #{anchor}"


def test_the_readme_links_every_guide() -> None:
    targets = {target.partition("#")[0] for path, target in _links() if path.name == "README.md"}
    for name in LINKED_DOCS:
        assert f"docs/{name}.md" in targets, name


def _text_files() -> list[Path]:
    files = [*MARKDOWN, REPO / "pyproject.toml", REPO / "Makefile", REPO / "app.py"]
    for folder in ("src", "tests", "evals", "corpus", "docs"):
        files += [p for p in (REPO / folder).rglob("*") if p.suffix in {".py", ".md", ".toml"}]
    return sorted({p for p in files if p.is_file() and p != Path(__file__).resolve()})


def test_nothing_refers_to_files_outside_the_repo() -> None:
    offenders = [
        f"{path.relative_to(REPO)}: {pattern}"
        for path in _text_files()
        for pattern in FORBIDDEN
        if pattern in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert not offenders, offenders


def test_the_readme_is_at_most_250_lines() -> None:
    assert len(README.splitlines()) <= 250


def _section(text: str, heading: str) -> str:
    """From `heading` (a whole heading line) to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    end = re.search(rf"^#{{1,{level}}} ", text[start:], re.M)
    return text[start : start + end.start()] if end else text[start:]


def _table_keys(section: str) -> list[str]:
    return re.findall(r"^\| `(\w+)`", section, re.M)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings if o.startswith("--")} - {"--help"}


def test_design_names_every_command_and_flag_of_the_parser() -> None:
    section = _section(DESIGN, "## Command line")
    rows = {row.split()[0]: row for row in re.findall(r"^\| `allguide (.+?)` \|", section, re.M)}
    commands = _subparsers(_parser())
    assert set(rows) == set(commands)
    for name, sub in commands.items():
        parsers = {"": sub}
        if sub._subparsers is not None:  # `feedback export`
            parsers = {f" {action}": p for action, p in _subparsers(sub).items()}
        for action, parser in parsers.items():
            assert f"`allguide {name}{action}" in section, (name, action)
            for option in _options(parser):
                assert option in rows[name], (name, option)


def test_design_documents_exactly_the_answer_and_passage_keys() -> None:
    answer = _section(DESIGN, "### Answer (`allguide ask --json`)")
    assert _table_keys(answer) == list(Answer.model_fields)
    passage = _section(DESIGN, "### Passage (`allguide retrieve --json`)")
    assert _table_keys(passage) == list(Passage.model_fields)


def test_design_documents_the_dataset_keys_and_every_rule_tool() -> None:
    dataset = _section(DESIGN, "## Evaluation dataset format")
    assert _table_keys(dataset) == list(EvalItem.model_fields)
    tools = _section(DESIGN, "## Rule tools")
    assert _table_keys(tools) == list(RULES)
