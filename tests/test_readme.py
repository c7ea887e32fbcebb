"""README stays true: the two commands, every setting, every CLI command."""

from __future__ import annotations

from pydantic import BaseModel

from allguide.cli import _parser
from allguide.settings import Settings
from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _env_names() -> list[str]:
    names: list[str] = []
    for name, field in Settings.model_fields.items():
        factory = field.default_factory
        if isinstance(factory, type) and issubclass(factory, BaseModel):
            names += [f"ALLGUIDE_{name.upper()}__{sub.upper()}" for sub in factory.model_fields]
        else:
            names.append(f"ALLGUIDE_{name.upper()}")
    return names


def test_every_setting_is_documented_with_its_default() -> None:
    for name in _env_names():
        assert f"`{name}`" in README, name
    assert "| `ALLGUIDE_EMBEDDING__REFUSAL_THRESHOLD` | `0.22` |" in README
    assert "| `ALLGUIDE_PORT` | `7860` |" in README


def test_the_two_commands_and_every_cli_command_are_documented() -> None:
    assert "make run" in README and "make test" in README
    sub = next(a for a in _parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for command in sub.choices:  # type: ignore[attr-defined]
        assert f"allguide {command}" in README, command
