"""``xieshang agreement verify`` and ``xieshang keys public``: exit codes 0/1/2, zh and en."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from xieshang.cli.main import run
from xieshang.security.pdf_seal import MINIMAL_PDF, seal_pdf
from xieshang.security.signing import (
    KEY_FILE_NAME,
    InstanceKey,
    load_or_create_instance_key,
)
from xieshang.settings import Settings

KEY = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
OTHER = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))))
AT = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)


@cache
def sealed_bytes() -> bytes:
    return seal_pdf(MINIMAL_PDF, KEY, reason="both parties signed", at=AT)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data folder: no instance key in it."""
    folder = tmp_path / "data"
    monkeypatch.setenv("XIESHANG_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def sealed(tmp_path: Path) -> Path:
    path = tmp_path / "agreement.pdf"
    path.write_bytes(sealed_bytes())
    return path


@pytest.fixture
def tampered(tmp_path: Path) -> Path:
    data = bytearray(sealed_bytes())
    data[data.index(b"200 200")] ^= 0x01  # the page size, inside the signed bytes
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(data))
    return path


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pem_file(tmp_path: Path, key: InstanceKey, name: str = "instance.pem") -> Path:
    path = tmp_path / name
    path.write_text(key.public_key_pem(), encoding="ascii")
    return path


# -- exit 0 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "word"), [("zh", "完好"), ("en", "intact")])
def test_an_intact_seal_exits_0_with_signer_time_and_fingerprint(
    data_dir: Path, sealed: Path, capsys: pytest.CaptureFixture[str], lang: str, word: str
) -> None:
    assert run(["agreement", "verify", str(sealed), "--lang", lang]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(word)
    assert "Xieshang instance" in out
    assert "2026-03-01 08:30:00+08:00" in out  # 00:30 UTC in Beijing time
    assert KEY.fingerprint in out
    # no key here, so it says that only integrity was checked
    assert ("--public-key" in out) and (("完整性" in out) if lang == "zh" else ("integrity" in out))


def test_with_the_public_key_file_the_key_is_confirmed(
    data_dir: Path, sealed: Path, tmp_path: Path, cli_json: Callable[..., dict[str, object]]
) -> None:
    pem = pem_file(tmp_path, KEY)
    result = cli_json("agreement", "verify", str(sealed), "--public-key", str(pem))
    assert result["intact"] is True
    assert result["signed_by_key"] is True
    assert result["checked_against"] == {"kind": "file", "path": str(pem)}
    assert result["signed_at"] == "2026-03-01T00:30:00+00:00"
    assert result["key_fingerprint"] == KEY.fingerprint
    assert result["problems"] == []


def test_without_an_option_the_instance_key_of_the_data_folder_is_used(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = load_or_create_instance_key(Settings(data_dir=_made(data_dir)))
    own = tmp_path / "own.pdf"
    own.write_bytes(seal_pdf(MINIMAL_PDF, key, reason="r", at=AT))
    assert run(["agreement", "verify", str(own), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "this instance's key" in out and "the sealing key is that key" in out
    # ... and a seal by any other key fails against it
    other = tmp_path / "other.pdf"
    other.write_bytes(sealed_bytes())
    assert run(["agreement", "verify", str(other), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"][0]["code"] == "seal.other_key"


def test_verifying_never_creates_an_instance_key(
    data_dir: Path, sealed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["agreement", "verify", str(sealed)]) == 0
    assert not (data_dir / KEY_FILE_NAME).exists()
    assert not data_dir.exists()


# -- exit 1 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "header", "problem"),
    [("zh", "未通过", "封印无效"), ("en", "NOT verified", "the seal does not verify")],
)
def test_a_changed_byte_exits_1_and_says_why_in_the_language(
    data_dir: Path,
    tampered: Path,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    header: str,
    problem: str,
) -> None:
    assert run(["agreement", "verify", str(tampered), "--lang", lang]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[0].startswith(header)
    assert problem in out
    assert "Traceback" not in out + err


def test_bytes_added_after_sealing_exit_1_as_modified_after_signing(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "appended.pdf"
    path.write_bytes(sealed_bytes() + b"\n% one more line\n")
    assert run(["agreement", "verify", str(path), "--json", "--lang", "en"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["intact"] is False
    assert [p["code"] for p in result["problems"]] == ["seal.modified_after_signing"]
    assert "after sealing" in result["problems"][0]["message"]


@pytest.mark.parametrize(("lang", "words"), [("zh", "另一把密钥"), ("en", "another key")])
def test_another_key_exits_1_naming_it(
    data_dir: Path,
    sealed: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    words: str,
) -> None:
    pem = pem_file(tmp_path, OTHER, "other.pem")
    assert run(["agreement", "verify", str(sealed), "--public-key", str(pem), "--lang", lang]) == 1
    assert words in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "code"),
    [(MINIMAL_PDF, "seal.missing"), (sealed_bytes()[:3000], "seal.damaged")],
)
def test_an_unsealed_or_truncated_pdf_exits_1_with_its_problem(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, code: str
) -> None:
    path = tmp_path / "file.pdf"
    path.write_bytes(content)
    assert run(["agreement", "verify", str(path), "--json"]) == 1
    assert [p["code"] for p in json.loads(capsys.readouterr().out)["problems"]] == [code]


# -- exit 2 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "word"), [("zh", "文件"), ("en", "file")])
def test_a_missing_file_exits_2_with_one_line(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    assert_one_line: Callable[[str, str, str], None],
    lang: str,
    word: str,
) -> None:
    assert run(["agreement", "verify", str(tmp_path / "nope.pdf"), "--lang", lang]) == 2
    assert_one_line(capsys.readouterr().err, word, lang)


@pytest.mark.parametrize(("lang", "word"), [("zh", "不是 PDF"), ("en", "is not a PDF")])
def test_a_file_that_is_not_a_pdf_exits_2_with_one_line(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    assert_one_line: Callable[[str, str, str], None],
    lang: str,
    word: str,
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a pdf", encoding="utf-8")
    assert run(["agreement", "verify", str(path), "--lang", lang]) == 2
    assert_one_line(capsys.readouterr().err, word, lang)


@pytest.mark.parametrize(("lang", "word"), [("zh", "公钥"), ("en", "public key")])
def test_a_public_key_file_that_is_not_a_key_exits_2_with_one_line(
    data_dir: Path,
    sealed: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    assert_one_line: Callable[[str, str, str], None],
    lang: str,
    word: str,
) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"\xff\xfe not a key")
    argv = ["agreement", "verify", str(sealed), "--public-key", str(bad), "--lang", lang]
    assert run(argv) == 2
    assert_one_line(capsys.readouterr().err, word, lang)


def test_a_bad_language_exits_2(
    data_dir: Path, sealed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["agreement", "verify", str(sealed), "--lang", "fr"]) == 2
    assert "--lang" in capsys.readouterr().err


def test_the_installed_command_exits_1_as_a_process_for_a_broken_seal(
    data_dir: Path, tampered: Path, console: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    result = console("agreement", "verify", str(tampered), "--lang", "en")
    assert result.returncode == 1
    assert result.stdout.startswith("NOT verified")
    assert "Traceback" not in result.stdout + result.stderr


# -- keys public ---------------------------------------------------------------------------------


def test_keys_public_prints_the_pem_and_fingerprint_of_the_instance_key(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = load_or_create_instance_key(Settings(data_dir=_made(data_dir)))
    assert run(["keys", "public", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert key.public_key_pem().strip() in out
    assert f"fingerprint (SHA-256): {key.fingerprint}" in out
    assert "PRIVATE" not in out


def test_keys_public_writes_a_file_that_verify_accepts(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = load_or_create_instance_key(Settings(data_dir=_made(data_dir)))
    out = tmp_path / "kept.pem"
    assert run(["keys", "public", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["fingerprint"] == key.fingerprint and result["written_to"] == str(out)
    assert out.read_text(encoding="ascii") == key.public_key_pem()
    assert run(["keys", "public", "--out", str(out)]) == 0  # the same content again: fine
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(seal_pdf(MINIMAL_PDF, key, reason="r", at=AT))
    capsys.readouterr()
    assert run(["agreement", "verify", str(pdf), "--public-key", str(out)]) == 0


def test_keys_public_never_overwrites_another_file(
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    assert_one_line: Callable[[str, str, str], None],
) -> None:
    load_or_create_instance_key(Settings(data_dir=_made(data_dir)))
    other = tmp_path / "notes.txt"
    other.write_text("keep me", encoding="utf-8")
    assert run(["keys", "public", "--out", str(other), "--lang", "en"]) == 2
    assert_one_line(capsys.readouterr().err, "output file", "en")
    assert other.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize(("lang", "word"), [("zh", "xieshang db upgrade"), ("en", "db upgrade")])
def test_keys_public_without_an_instance_key_says_how_to_get_one_and_creates_none(
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    assert_one_line: Callable[[str, str, str], None],
    lang: str,
    word: str,
) -> None:
    assert run(["keys", "public", "--lang", lang]) == 2
    assert_one_line(capsys.readouterr().err, word, lang)
    assert not (data_dir / KEY_FILE_NAME).exists()
