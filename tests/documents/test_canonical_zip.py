"""The canonical ZIP layout: one form for a set of members, readable by any ZIP reader, and a
reader that accepts nothing else."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.documents.canonical_zip import ZipLayoutError, read_zip, write_zip

characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
names = st.text(characters, min_size=1, max_size=12)
archives = st.dictionaries(names, st.binary(max_size=300), max_size=8)


@given(archives)
def test_what_is_written_reads_back_in_name_order(files: dict[str, bytes]) -> None:
    data = write_zip(files.items())
    read = read_zip(data)
    assert [(m.name, m.data) for m in read] == sorted(files.items())


@given(archives, st.randoms())
def test_the_order_members_are_given_in_does_not_change_the_bytes(
    files: dict[str, bytes], rnd: object
) -> None:
    items = list(files.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert write_zip(items) == write_zip(sorted(files.items()))


@given(archives)
def test_pythons_zipfile_reads_the_same_members(files: dict[str, bytes]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(write_zip(files.items())))
    assert archive.testzip() is None
    assert {name: archive.read(name) for name in archive.namelist()} == files


def test_a_name_in_chinese_is_flagged_utf8_for_other_readers() -> None:
    archive = zipfile.ZipFile(io.BytesIO(write_zip([("documents/01-借款合同.pdf", b"x")])))
    info = archive.infolist()[0]
    assert info.filename == "documents/01-借款合同.pdf" and info.flag_bits & 0x800


def test_duplicate_or_empty_names_cannot_be_written() -> None:
    with pytest.raises(ValueError):
        write_zip([("a", b"1"), ("a", b"2")])
    with pytest.raises(ValueError):
        write_zip([("", b"1")])


def test_an_empty_archive_is_only_its_end_record() -> None:
    data = write_zip([])
    assert len(data) == 22 and read_zip(data) == []


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_an_archive_made_by_another_tool_is_refused(compression: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("a.txt", b"hello")
    with pytest.raises(ZipLayoutError) as raised:
        read_zip(buffer.getvalue())
    assert raised.value.code.startswith("bundle.zip_")
