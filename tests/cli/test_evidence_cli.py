"""``xieshang evidence verify``: 0 intact, 1 not intact naming the first item, 2 bad input;
in Chinese and in English, as text and as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.evidence_bundle import EDITS, KEY, OTHER_KEY, layout, sample_bundle
from xieshang.cli.main import run
from xieshang.documents.bundle_format import key_fingerprint

INTACT = {"zh": "完好", "en": "intact"}


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "bundle.zip"
    path.write_bytes(sample_bundle())
    return path


@pytest.fixture
def tampered(tmp_path: Path) -> tuple[Path, int]:
    """The bundle with one byte of log entry 37 changed; (path, that entry)."""
    data = sample_bundle()
    start, _ = layout(data).data["log.jsonl"]
    lines = data[start:].split(b"\n")
    offset = start + sum(len(line) + 1 for line in lines[:36]) + 40
    path = tmp_path / "tampered.zip"
    path.write_bytes(EDITS["xor 0x01"](data, offset))
    return path, 37


@pytest.fixture
def key_file(tmp_path: Path) -> Callable[[str], Path]:
    def write(pem: str) -> Path:
        path = tmp_path / "instance.pem"
        path.write_text(pem, encoding="ascii")
        return path

    return write


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_untouched_bundle_is_intact_exit_0(
    bundle: Path, lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["evidence", "verify", str(bundle), "--lang", lang]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert INTACT[lang] in lines[0] and err == ""
    assert "203" in out and "XS-2026-0412" in out
    assert key_fingerprint(KEY.public_key_pem()) in out
    assert "--public-key" in out  # checked with its own key: it says how to do better


def test_with_the_instance_key_the_output_says_the_key_was_given(
    bundle: Path, key_file: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key = key_file(KEY.public_key_pem())
    assert run(["evidence", "verify", str(bundle), "--public-key", str(key), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "the key given" in out and "integrity, not origin" not in out


@pytest.mark.parametrize(
    ("lang", "where"), [("zh", "log.jsonl 第 37 条"), ("en", "log.jsonl entry 37")]
)
def test_a_changed_byte_exits_1_naming_the_entry(
    tampered: tuple[Path, int], lang: str, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = tampered
    assert run(["evidence", "verify", str(path), "--lang", lang]) == 1
    out, err = capsys.readouterr()
    first = out.splitlines()[0]
    assert where in first and INTACT[lang] not in first.replace("NOT intact", "")
    assert err == "" and "Traceback" not in out


def test_the_json_report_names_the_first_failure(
    tampered: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, entry = tampered
    assert run(["evidence", "verify", str(path), "--json", "--lang", "en"]) == 1
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["intact"] is False
    failure = data["failure"]
    assert (failure["member"], failure["line"]) == ("log.jsonl", entry)
    assert failure["item"] == f"log.jsonl entry {entry}"
    assert failure["code"] == "bundle.log_entry_invalid"
    assert failure["message"].startswith("this event fails verification")
    assert data["key"]["source"] == "bundle"


def test_the_json_report_of_an_intact_bundle(
    bundle: Path, cli_json: Callable[..., dict[str, Any]]
) -> None:
    data = cli_json("evidence", "verify", str(bundle))
    assert data["intact"] is True and data["failure"] is None
    assert data["events"] == 203 and data["checkpoints"] == 4 and data["receipts"] == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_another_instances_key_exits_1_naming_that_key(
    bundle: Path,
    key_file: Callable[[str], Path],
    lang: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = key_file(OTHER_KEY.public_key_pem())
    assert run(["evidence", "verify", str(bundle), "--public-key", str(key), "--lang", lang]) == 1
    out = capsys.readouterr().out
    assert "manifest.json" in out
    assert key_fingerprint(OTHER_KEY.public_key_pem()) in out


@pytest.mark.parametrize(("lang", "word"), [("zh", "证据包"), ("en", "evidence bundle")])
def test_a_missing_bundle_is_bad_input_exit_2(
    tmp_path: Path,
    lang: str,
    word: str,
    capsys: pytest.CaptureFixture[str],
    assert_one_line: Callable[[str, str, str], None],
) -> None:
    assert run(["evidence", "verify", str(tmp_path / "none.zip"), "--lang", lang]) == 2
    assert_one_line(capsys.readouterr().err, word, lang)


@pytest.mark.parametrize(("lang", "word"), [("zh", "公钥"), ("en", "public key")])
def test_a_key_file_that_is_not_a_public_key_is_bad_input_exit_2(
    bundle: Path,
    key_file: Callable[[str], Path],
    lang: str,
    word: str,
    capsys: pytest.CaptureFixture[str],
    assert_one_line: Callable[[str, str, str], None],
) -> None:
    key = key_file("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    code = run(["evidence", "verify", str(bundle), "--public-key", str(key), "--lang", lang])
    assert code == 2
    assert_one_line(capsys.readouterr().err, word, lang)


def test_a_file_that_is_not_a_bundle_at_all_is_not_intact_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    assert run(["evidence", "verify", str(path), "--lang", "en"]) == 1
    assert "not a complete ZIP file" in capsys.readouterr().out


def test_an_unknown_language_is_bad_input_exit_2(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["evidence", "verify", str(bundle), "--lang", "fr"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_the_installed_command_really_exits_1_for_a_tampered_bundle(
    tampered: tuple[Path, int], console: Callable[..., Any]
) -> None:
    path, entry = tampered
    done = console("evidence", "verify", str(path), "--lang", "en")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"log.jsonl entry {entry}" in done.stdout
