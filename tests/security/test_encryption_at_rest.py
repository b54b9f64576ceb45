"""Encryption at rest: round trips, tampering, context binding, rotation and the key file."""

from __future__ import annotations

import base64
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.security.crypto import (
    KEY_BYTES,
    DecryptionError,
    KeyRing,
    KeyRingError,
    load_or_create_key_spec,
)
from xieshang.settings import Settings

ID = b"users.id_number"
PHONE = b"users.phone"
KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))


def b64(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode()


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing([("k1", KEY_A)])


@given(st.binary(max_size=2000))
def test_any_bytes_come_back_unchanged(plaintext: bytes) -> None:
    ring = KeyRing([("k1", KEY_A)])
    assert ring.decrypt(ring.encrypt(plaintext, context=ID), context=ID) == plaintext


@given(st.text(max_size=300))
def test_any_text_comes_back_unchanged_through_ascii_tokens(text: str) -> None:
    ring = KeyRing([("k1", KEY_A)])
    token = ring.encrypt_text(text, context=ID)
    assert token.isascii()
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert ring.decrypt_text(token, context=ID) == text


def test_the_token_layout_is_version_key_id_nonce_then_ciphertext(ring: KeyRing) -> None:
    token = ring.encrypt(b"110101199003071234", context=ID)
    assert token[0] == 1
    assert token[1] == 2
    assert token[2:4] == b"k1"
    assert len(token) == 4 + 12 + 18 + 16
    assert b"110101199003071234" not in token


def test_the_same_plaintext_encrypts_differently_each_time(ring: KeyRing) -> None:
    tokens = {ring.encrypt(b"13812345678", context=PHONE) for _ in range(20)}
    assert len(tokens) == 20


def test_every_flipped_bit_of_a_token_is_detected(ring: KeyRing) -> None:
    token = ring.encrypt(b"6222021234567890123", context=ID)
    for index in range(len(token)):
        for bit in (0x01, 0x80):
            damaged = bytearray(token)
            damaged[index] ^= bit
            with pytest.raises(DecryptionError):
                ring.decrypt(bytes(damaged), context=ID)


def test_truncated_and_extended_tokens_are_refused(ring: KeyRing) -> None:
    token = ring.encrypt(b"secret", context=ID)
    for cut in range(len(token)):
        with pytest.raises(DecryptionError):
            ring.decrypt(token[:cut], context=ID)
    with pytest.raises(DecryptionError):
        ring.decrypt(token + b"\x00", context=ID)


def test_a_ciphertext_moved_to_another_column_does_not_decrypt(ring: KeyRing) -> None:
    token = ring.encrypt(b"110101199003071234", context=ID)
    with pytest.raises(DecryptionError) as caught:
        ring.decrypt(token, context=PHONE)
    assert caught.value.code == "crypto.decryption_failed"
    text = ring.encrypt_text("13812345678", context=PHONE)
    with pytest.raises(DecryptionError):
        ring.decrypt_text(text, context=ID)


def test_an_empty_context_is_refused(ring: KeyRing) -> None:
    with pytest.raises(ValueError, match="context"):
        ring.encrypt(b"x", context=b"")


def test_a_token_under_an_unknown_key_id_is_refused(ring: KeyRing) -> None:
    other = KeyRing([("k9", KEY_A)])  # same key bytes, other id: the header is bound too
    with pytest.raises(DecryptionError, match="unknown key id"):
        ring.decrypt(other.encrypt(b"x", context=ID), context=ID)


def test_relabelling_a_token_with_another_key_id_is_detected() -> None:
    ring = KeyRing([("k1", KEY_A), ("k2", KEY_A)])
    token = ring.encrypt(b"x", context=ID)
    relabelled = token[:2] + b"k2" + token[4:]
    with pytest.raises(DecryptionError):
        ring.decrypt(relabelled, context=ID)


def test_text_tokens_that_are_not_base64url_are_refused(ring: KeyRing) -> None:
    for bad in ("", "not base64!", "+/+/"):
        with pytest.raises(DecryptionError):
            ring.decrypt_text(bad, context=ID)


def test_rotation_old_keys_decrypt_the_new_key_encrypts_and_rotated_tokens_need_no_more() -> None:
    old = KeyRing([("k1", KEY_A)])
    stored_bytes = old.encrypt(b"110101199003071234", context=ID)
    stored_text = old.encrypt_text("13812345678", context=PHONE)

    rotated_ring = KeyRing.parse(f"k2:{b64(KEY_B)},k1:{b64(KEY_A)}")
    assert rotated_ring.current_key_id == "k2"
    assert rotated_ring.decrypt(stored_bytes, context=ID) == b"110101199003071234"
    assert rotated_ring.encrypt(b"new", context=ID)[2:4] == b"k2"
    assert rotated_ring.needs_rotation(stored_bytes)
    assert rotated_ring.needs_rotation(stored_text)

    new_bytes = rotated_ring.rotate(stored_bytes, context=ID)
    new_text = rotated_ring.rotate(stored_text, context=PHONE)
    assert isinstance(new_bytes, bytes)
    assert isinstance(new_text, str)
    assert not rotated_ring.needs_rotation(new_bytes)
    assert not rotated_ring.needs_rotation(new_text)
    assert rotated_ring.rotate(new_bytes, context=ID) is new_bytes

    only_new = KeyRing([("k2", KEY_B)])  # once all is rotated, the old key can go
    assert only_new.decrypt(new_bytes, context=ID) == b"110101199003071234"
    assert only_new.decrypt_text(new_text, context=PHONE) == "13812345678"
    with pytest.raises(DecryptionError):
        only_new.decrypt(stored_bytes, context=ID)


def test_rotation_still_checks_the_context() -> None:
    old = KeyRing([("k1", KEY_A)])
    ring = KeyRing([("k2", KEY_B), ("k1", KEY_A)])
    with pytest.raises(DecryptionError):
        ring.rotate(old.encrypt(b"x", context=ID), context=PHONE)


def test_a_generated_spec_parses_into_a_one_key_ring() -> None:
    spec = KeyRing.generate_spec()
    key_id, _, encoded = spec.partition(":")
    assert key_id == "k1"
    assert len(base64.urlsafe_b64decode(encoded + "=")) == KEY_BYTES
    assert KeyRing.parse(spec).key_ids == ("k1",)
    assert KeyRing.generate_spec() != spec


def test_spec_parsing_accepts_spaces_and_padding() -> None:
    ring = KeyRing.parse(f" a : {b64(KEY_A)}= , b:{b64(KEY_B)} ")
    assert ring.key_ids == ("a", "b")


@pytest.mark.parametrize(
    ("spec", "code", "position"),
    [
        ("", "keyring.empty", None),
        ("   ", "keyring.empty", None),
        (f"k1{b64(KEY_A)}", "keyring.entry_malformed", 1),
        (f":{b64(KEY_A)}", "keyring.bad_key_id", 1),
        (f"k 1:{b64(KEY_A)}", "keyring.bad_key_id", 1),
        (f"{'k' * 33}:{b64(KEY_A)}", "keyring.bad_key_id", 1),
        (f"密钥:{b64(KEY_A)}", "keyring.bad_key_id", 1),
        (f"k1:{b64(KEY_A)},k2:", "keyring.bad_key_encoding", 2),
        ("k1:" + "A" * 42 + "+/", "keyring.bad_key_encoding", 1),
        ("k1:" + b64(KEY_A[:16]), "keyring.bad_key_length", 1),
        ("k1:" + b64(KEY_A + b"x"), "keyring.bad_key_length", 1),
        (f"k1:{b64(KEY_A)},k1:{b64(KEY_B)}", "keyring.duplicate_key_id", 2),
        (f"k1:{b64(KEY_A)},", "keyring.entry_malformed", 2),
    ],
)
def test_bad_specs_are_refused_with_a_precise_code(
    spec: str, code: str, position: int | None
) -> None:
    with pytest.raises(KeyRingError) as caught:
        KeyRing.parse(spec)
    assert caught.value.code == code
    assert caught.value.field == "secret_keys"
    assert caught.value.params.get("position") == position
    assert b64(KEY_A) not in str(caught.value)


def test_the_ring_never_shows_its_keys() -> None:
    ring = KeyRing([("k1", KEY_A)])
    assert repr(ring) == "KeyRing(key_ids=('k1',))"


def test_the_constructor_checks_like_the_parser() -> None:
    with pytest.raises(KeyRingError) as caught:
        KeyRing([])
    assert caught.value.code == "keyring.empty"
    with pytest.raises(KeyRingError) as caught:
        KeyRing([("k1", b"short")])
    assert caught.value.code == "keyring.bad_key_length"


def test_set_secret_keys_win_over_the_key_file(tmp_path: Path) -> None:
    spec = f"prod:{b64(KEY_B)}"
    settings = Settings(data_dir=tmp_path / "data", secret_keys=spec)
    assert load_or_create_key_spec(settings) == spec
    assert not settings.key_file.exists()
    with pytest.raises(KeyRingError):
        load_or_create_key_spec(Settings(data_dir=tmp_path, secret_keys="nonsense"))


def test_the_key_file_is_created_with_mode_0600_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "deep" / "data")
    first = load_or_create_key_spec(settings)
    assert settings.key_file.is_file()
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600
    assert KeyRing.parse(first).current_key_id == "k1"
    assert load_or_create_key_spec(settings) == first
    assert [p.name for p in settings.key_file.parent.iterdir()] == ["secret-keys"]  # no temp


def test_the_key_file_ignores_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        settings = Settings(data_dir=tmp_path)
        load_or_create_key_spec(settings)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    load_or_create_key_spec(settings)
    settings.key_file.chmod(0o644)
    with pytest.raises(KeyRingError) as caught:
        load_or_create_key_spec(settings)
    assert caught.value.code == "keyring.file_too_open"


def test_a_corrupt_key_file_is_refused_not_replaced(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.key_file.write_text("garbage\n")
    settings.key_file.chmod(0o600)
    with pytest.raises(KeyRingError):
        load_or_create_key_spec(settings)
    assert settings.key_file.read_text() == "garbage\n"


def test_a_hand_written_key_file_with_two_keys_is_read_whole(tmp_path: Path) -> None:
    spec = f"k2:{b64(KEY_B)},k1:{b64(KEY_A)}"
    settings = Settings(data_dir=tmp_path)
    settings.key_file.write_text(spec + "\n")
    settings.key_file.chmod(0o600)
    assert load_or_create_key_spec(settings) == spec


def test_any_object_with_the_two_settings_will_do(tmp_path: Path) -> None:
    @dataclass
    class Minimal:
        secret_keys: str
        key_file: Path

    spec = load_or_create_key_spec(Minimal("", tmp_path / "keys"))
    assert KeyRing.parse(spec).key_ids == ("k1",)


def test_instances_starting_at_once_share_one_key_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "fresh")
    with ThreadPoolExecutor(max_workers=8) as pool:
        specs = set(pool.map(lambda _: load_or_create_key_spec(settings), range(16)))
    assert len(specs) == 1
    assert settings.key_file.read_text().strip() in specs
    assert [p.name for p in settings.key_file.parent.iterdir()] == ["secret-keys"]
