"""`allguide quiz` through its real entry point: JSON, the interactive loop, the eval export."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import CORPUS, REPO
from tests.test_learn_invariants import check_quiz

from allguide.corpus.pipeline import build_chunks
from allguide.evaluation.dataset import load_dataset
from allguide.learn import QuizItem, make_quiz
from allguide.learn.cli import ask
from allguide.learn.export import dataset_lines
from allguide.settings import Settings
from allguide.tools import run_rule
from allguide.types import Chunk


@pytest.fixture(scope="module")
def chunks() -> dict[str, Chunk]:
    build = build_chunks(CORPUS, Settings(corpus_dir=CORPUS).chunking)
    return {chunk.chunk_id: chunk for chunk in build.chunks}


def _quiz_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "allguide.cli", "quiz", *args],
        env={**os.environ, "ALLGUIDE_CORPUS_DIR": str(CORPUS)},
        input=stdin,
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
    )


def test_json_prints_twenty_valid_items(chunks: dict[str, Chunk]) -> None:
    done = _quiz_cli("--n", "20", "--seed", "7", "--json")
    assert done.returncode == 0, done.stderr
    items = [QuizItem.model_validate(data) for data in json.loads(done.stdout)]
    assert len(items) == 20
    check_quiz(items, chunks)
    assert items == make_quiz(chunks, n=20, seed=7)  # the CLI and the API agree


def test_interactive_grades_piped_answers_and_stops_at_end_of_input(
    chunks: dict[str, Chunk],
) -> None:
    quiz = make_quiz(chunks, topic="cns", n=4, seed=5, kind="vignette")
    right = [str(quiz[0].options.index(quiz[0].answer) + 1), quiz[1].answer.lower()]
    wrong = next(o for o in quiz[2].options if o != quiz[2].answer)
    lines = [right[0], "banana", right[1], str(quiz[2].options.index(wrong) + 1)]
    done = _quiz_cli(
        "--topic",
        "cns",
        "--n",
        "4",
        "--seed",
        "5",
        "--kind",
        "vignette",
        stdin="\n".join(lines) + "\n",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("Correct.") == 2
    assert f"Not quite: the answer is {quiz[2].answer}." in out
    assert "Please type a number from 1 to" in out  # "banana" is asked again
    assert "[1] ALL-" in out and quiz[0].citations[0].quote.split(":")[0] in out
    assert "Question 4/4" in out
    assert out.rstrip().endswith("Score: 2/3")  # end of input before item 4: 3 answered


def test_ctrl_c_ends_with_the_score_so_far(chunks: dict[str, Chunk]) -> None:
    quiz = make_quiz(chunks, n=3, seed=1)
    answers = iter([quiz[0].answer + "\n"])

    def read() -> str:
        try:
            return next(answers)
        except StopIteration:
            raise KeyboardInterrupt from None

    out = io.StringIO()
    assert ask(quiz, read, out) == (1, 1)
    assert out.getvalue().rstrip().endswith("Score: 1/1")


def test_bad_arguments_exit_2_in_one_line() -> None:
    for args, words in ((["--n", "0"], "1 to 100"), (["--topic", "lymphoma"], "invalid choice")):
        done = _quiz_cli(*args, "--json")
        assert done.returncode == 2
        assert words in done.stderr, done.stderr
        assert done.stdout == ""


def test_export_round_trips_through_the_dataset_loader(
    chunks: dict[str, Chunk], tmp_path: Path
) -> None:
    path = tmp_path / "quiz.jsonl"
    done = _quiz_cli("--n", "30", "--seed", "3", "--export", str(path))
    assert done.returncode == 0, done.stderr
    assert f"exported 30 quiz item(s) to {path}" in done.stderr
    loaded = load_dataset(path)
    quiz = make_quiz(chunks, n=30, seed=3)
    assert path.read_text(encoding="utf-8") == dataset_lines(quiz)
    assert [item.id for item in loaded] == [f"quiz-{item.id}" for item in quiz]
    for item, line in zip(quiz, loaded, strict=True):
        assert line.question == item.question and not line.expect_refusal
        assert line.gold_evidence == [item.citations[0].quote]
        if item.tool is None:
            assert line.expect_tool is None and line.answer_keywords == [item.answer]
            continue
        assert line.expect_tool is not None and line.expect_tool.name == item.tool.name
        output = run_rule(item.tool.name, item.tool.input).model_dump(mode="json")
        for key, want in line.expect_tool.output.items():
            assert output[key] == want
        assert line.category == ("vignette" if item.kind == "vignette" else "tki_mutations")
