"""Hardening: configuration and the offline switches cannot be undone by the environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from tests.conftest import REPO

from allguide.errors import ConfigError
from allguide.settings import ConfigWarning, Settings, known_env_names, load_settings

HOSTILE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "True",
    "GRADIO_SHARE": "True",
    "HF_HUB_OFFLINE": "0",
    "TRANSFORMERS_OFFLINE": "0",
    "HF_HUB_DISABLE_TELEMETRY": "0",
    "ANONYMIZED_TELEMETRY": "True",
}


def test_importing_the_package_forces_the_offline_switches_against_the_environment() -> None:
    probe = (
        "import json, os, allguide; "
        f"print(json.dumps({{k: os.environ[k] for k in {sorted(HOSTILE_ENV)!r}}}))"
    )
    env = {**os.environ, **HOSTILE_ENV}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=REPO, capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout)
    assert seen == {
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_SHARE": "False",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "ANONYMIZED_TELEMETRY": "False",
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ALLGUIDE_PORT", "seventy"),
        ("ALLGUIDE_PORT", "99999"),
        ("ALLGUIDE_RETRIEVAL__K", "0"),
        ("ALLGUIDE_LLM", "gpt"),
        ("ALLGUIDE_CONCURRENCY", "-1"),
    ],
)
def test_an_invalid_value_is_a_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert name in caught.value.message
    assert "\n" not in caught.value.message
    assert "pydantic" not in caught.value.message


def test_a_mistyped_variable_name_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("allguide.settings._warned", set())
    monkeypatch.setenv("ALLGUIDE_RETRIVAL__K", "3")
    with pytest.warns(ConfigWarning, match="ALLGUIDE_RETRIVAL__K"):
        settings = load_settings()
    assert settings.retrieval.k == 5


def test_known_names_cover_nested_groups_and_none_warns_for_them(
    monkeypatch: pytest.MonkeyPatch, recwarn: pytest.WarningsRecorder
) -> None:
    assert {"ALLGUIDE_HOME", "ALLGUIDE_RETRIEVAL__K", "ALLGUIDE_ANSWER__MAX_SENTENCES"} <= (
        known_env_names()
    )
    monkeypatch.setenv("ALLGUIDE_RETRIEVAL__K", "7")
    assert load_settings().retrieval.k == 7
    assert not [w for w in recwarn if issubclass(w.category, ConfigWarning)]


def test_secrets_never_show_in_repr_or_str() -> None:
    settings = Settings(auth="ana:s3cret", llm_api_key="sk-live-123")
    for text in (repr(settings), str(settings), repr(settings.model_dump())):
        assert "s3cret" not in text
        assert "sk-live-123" not in text
    assert settings.auth is not None and settings.auth.get_secret_value() == "ana:s3cret"


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "allguide.cli", *args],
        env={**os.environ, **env},
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    )


def test_cli_reports_a_bad_setting_in_one_line_with_exit_2() -> None:
    done = _cli("retrieve", "CNS-2", ALLGUIDE_PORT="seventy")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines == [lines[0]] and "ALLGUIDE_PORT" in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_cli_warns_once_about_a_mistyped_name_in_one_line() -> None:
    done = _cli("tool", "tki_by_mutation", "--input", '{"mutations": ["T315I"]}', ALLGUIDE_PROT="1")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        "allguide: warning: ALLGUIDE_PROT is not an allguide setting and is ignored "
        "(see README, Configuration)"
    ]


def test_the_reliability_catalogue_names_only_tests_that_exist() -> None:
    catalogue = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert "docs/reliability.md" in (REPO / "README.md").read_text(encoding="utf-8")
    cited = re.findall(r"`(test_\w+\.py)::(test_\w+)", catalogue)
    assert len(cited) >= 50
    for filename, name in cited:
        source = (REPO / "tests" / filename).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"{filename}::{name}"
