"""The instance's Ed25519 key: signatures, offline verification of receipts, the key file."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from hypothesis import given, settings
from hypothesis import strategies as st

from xieshang.domain.evidence import Receipt, append, receipt_for, receipt_message, verify_receipt
from xieshang.security.signing import (
    KEY_FILE_NAME,
    InstanceKey,
    SigningKeyError,
    instance_key_path,
    load_or_create_instance_key,
    public_verifier,
)
from xieshang.settings import Settings

AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
KEY = InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


@dataclass
class OnlyDataDir:
    data_dir: Path


@given(st.binary(max_size=1000))
@settings(max_examples=50)
def test_a_signature_verifies_for_its_message_with_the_key_and_the_public_pem(
    message: bytes,
) -> None:
    signature = KEY.sign(message)
    assert len(signature) == 64
    assert KEY.verifier()(message, signature) is True
    assert public_verifier(KEY.public_key_pem())(message, signature) is True


def test_every_flipped_byte_of_the_message_or_the_signature_fails() -> None:
    message = b"case C1 head at seq 7"
    signature = KEY.sign(message)
    verify = public_verifier(KEY.public_key_pem())
    for index in range(len(message)):
        damaged = bytearray(message)
        damaged[index] ^= 0x01
        assert verify(bytes(damaged), signature) is False
    for index in range(len(signature)):
        damaged = bytearray(signature)
        damaged[index] ^= 0x80
        assert verify(message, bytes(damaged)) is False


def test_truncated_extended_or_non_bytes_signatures_fail_without_raising() -> None:
    signature = KEY.sign(b"m")
    verify = KEY.verifier()
    assert verify(b"m", signature[:-1]) is False
    assert verify(b"m", signature + b"\x00") is False
    assert verify(b"m", b"") is False
    assert verify(b"m", signature.hex()) is False  # type: ignore[arg-type]
    assert verify("m", signature) is False  # type: ignore[arg-type]


def test_another_keys_signature_fails() -> None:
    other = InstanceKey(Ed25519PrivateKey.generate())
    assert public_verifier(KEY.public_key_pem())(b"m", other.sign(b"m")) is False


def test_the_public_pem_alone_verifies_a_receipt_signed_by_the_instance() -> None:
    e1 = append(None, case_id="C1", kind="message", at=AT, actor="u1", body={"text": "您好"})
    e2 = append(e1, case_id="C1", kind="offer", at=AT, actor="org7", body={"months": 24})
    receipt = receipt_for([e1, e2], AT)
    signature = KEY.sign(receipt_message(receipt))
    pem = KEY.public_key_pem()  # all an offline checker holds, besides the bundle
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert verify_receipt(receipt, signature, public_verifier(pem)) is True
    moved = Receipt(receipt.case_id, receipt.seq - 1, e1.hash, receipt.at)
    assert verify_receipt(moved, signature, public_verifier(pem)) is False
    other_case = Receipt("C2", receipt.seq, receipt.head, receipt.at)
    assert verify_receipt(other_case, signature, public_verifier(pem)) is False


@pytest.mark.parametrize(
    "pem",
    [
        "",
        "not a key",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "公钥",
    ],
)
def test_a_malformed_public_pem_is_refused_with_a_precise_code(pem: str) -> None:
    with pytest.raises(SigningKeyError) as caught:
        public_verifier(pem)
    assert caught.value.code == "signing.public_key_invalid"


def test_a_public_key_that_is_not_ed25519_is_refused() -> None:
    rsa_pem = (
        generate_private_key(public_exponent=65537, key_size=1024)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(SigningKeyError) as caught:
        public_verifier(rsa_pem)
    assert caught.value.code == "signing.public_key_invalid"


def test_the_key_id_is_sixteen_hex_digits_and_stable_for_the_key(tmp_path: Path) -> None:
    assert KEY.key_id == InstanceKey(Ed25519PrivateKey.from_private_bytes(bytes(range(32)))).key_id
    assert len(KEY.key_id) == 16
    assert set(KEY.key_id) <= set("0123456789abcdef")
    assert InstanceKey(Ed25519PrivateKey.generate()).key_id != KEY.key_id
    first = load_or_create_instance_key(OnlyDataDir(tmp_path))
    assert load_or_create_instance_key(OnlyDataDir(tmp_path)).key_id == first.key_id
    assert KEY.key_id not in repr(InstanceKey(Ed25519PrivateKey.generate()))


def test_the_key_file_is_a_pkcs8_pem_with_mode_0600_and_is_reused(tmp_path: Path) -> None:
    data = OnlyDataDir(tmp_path / "deep" / "data")
    first = load_or_create_instance_key(data)
    path = instance_key_path(data)
    assert path == data.data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    again = load_or_create_instance_key(data)
    assert again.public_key_pem() == first.public_key_pem()
    assert public_verifier(first.public_key_pem())(b"x", again.sign(b"x"))
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE_NAME]  # no temp left


def test_the_key_file_ignores_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        load_or_create_instance_key(OnlyDataDir(tmp_path))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / KEY_FILE_NAME).stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    load_or_create_instance_key(OnlyDataDir(tmp_path))
    (tmp_path / KEY_FILE_NAME).chmod(mode)
    with pytest.raises(SigningKeyError) as caught:
        load_or_create_instance_key(OnlyDataDir(tmp_path))
    assert caught.value.code == "signing.key_file_too_open"


def test_a_corrupt_or_foreign_key_file_is_refused_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    rsa_pem = generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    for content in (b"garbage\n", rsa_pem):
        path.write_bytes(content)
        path.chmod(0o600)
        with pytest.raises(SigningKeyError) as caught:
            load_or_create_instance_key(OnlyDataDir(tmp_path))
        assert caught.value.code == "signing.key_file_invalid"
        assert path.read_bytes() == content


def test_eight_threads_creating_the_key_at_once_end_with_one_key(tmp_path: Path) -> None:
    data = OnlyDataDir(tmp_path / "fresh")
    with ThreadPoolExecutor(max_workers=8) as pool:
        pems = set(pool.map(lambda _: load_or_create_instance_key(data).public_key_pem(), range(8)))
    assert len(pems) == 1
    assert load_or_create_instance_key(data).public_key_pem() in pems
    assert [p.name for p in data.data_dir.iterdir()] == [KEY_FILE_NAME]


def test_the_settings_object_is_enough_to_find_the_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    key = load_or_create_instance_key(settings)
    assert (tmp_path / KEY_FILE_NAME).is_file()
    assert load_or_create_instance_key(settings).key_id == key.key_id
