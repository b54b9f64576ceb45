"""One canonical ZIP layout for evidence bundles: the same members always give the same bytes.

An evidence bundle must show any changed byte, including bytes no archive tool looks at (a
timestamp, a version field, padding).  So the container has exactly one allowed form, and a
reader checks every header against it:

* members in increasing order of their UTF-8 names, no duplicates, names flagged UTF-8
  (general purpose bit 11) and nothing else;
* every member *stored* (method 0, no compression), sizes in the headers, no data descriptor;
* the fixed time 1980-01-01 00:00 (the DOS epoch), no extra fields, no comments, version
  2.0 needed, "made by" Unix 2.0 with mode ``-rw-r--r--``;
* local headers back to back from offset 0, then the central directory, then the end record
  (no archive comment); no ZIP64, so at most 65,534 members and 4 GiB.

Any ZIP reader (``unzip``, Python's ``zipfile``, Windows Explorer) opens such a file.

>>> data = write_zip([("b.txt", b"2"), ("a.txt", b"1")])
>>> data == write_zip([("a.txt", b"1"), ("b.txt", b"2")]), [m.name for m in read_zip(data)]
(True, ['a.txt', 'b.txt'])
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

LOCAL_SIGNATURE = 0x04034B50
CENTRAL_SIGNATURE = 0x02014B50
END_SIGNATURE = 0x06054B50
VERSION_NEEDED = 20  # 2.0
VERSION_MADE_BY = (3 << 8) | 20  # Unix, 2.0
FLAG_UTF8 = 0x0800
DOS_TIME = 0  # 00:00:00
DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--, in the high word of the external attributes

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
MAX_MEMBERS = 0xFFFF - 1
MAX_SIZE = 0xFFFFFFFF - 1


class ZipLayoutError(Exception):
    """The container is not the canonical layout; ``member`` is the member concerned ("" for
    the archive as a whole), ``code`` a ``bundle.zip_*`` message code."""

    def __init__(self, code: str, member: str = "") -> None:
        super().__init__(code, member)
        self.code = code
        self.member = member


@dataclass(frozen=True, slots=True)
class Member:
    """One stored member as read from the container, with the CRC-32 its headers state.

    A reader checks the content first (a changed byte of data is better named by what it
    breaks than by a checksum) and :func:`crc_matches` last.
    """

    name: str
    data: bytes
    stated_crc: int


def _local_header(name: bytes, crc: int, size: int) -> bytes:
    return _LOCAL.pack(
        LOCAL_SIGNATURE, VERSION_NEEDED, FLAG_UTF8, 0, DOS_TIME, DOS_DATE, crc, size, size,
        len(name), 0,
    ) + name  # fmt: skip


def _central_entry(name: bytes, crc: int, size: int, offset: int) -> bytes:
    return _CENTRAL.pack(
        CENTRAL_SIGNATURE, VERSION_MADE_BY, VERSION_NEEDED, FLAG_UTF8, 0, DOS_TIME, DOS_DATE,
        crc, size, size, len(name), 0, 0, 0, 0, FILE_MODE, offset,
    ) + name  # fmt: skip


def _end_record(count: int, directory_size: int, directory_offset: int) -> bytes:
    return _END.pack(END_SIGNATURE, 0, 0, count, count, directory_size, directory_offset, 0)


def write_zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    """The canonical ZIP of ``(name, data)`` pairs (any order in, sorted by name out).

    Raises ``ValueError`` for duplicate or empty names and for what needs ZIP64.
    """
    encoded = sorted((name.encode("utf-8"), data) for name, data in members)
    if len(encoded) > MAX_MEMBERS:
        raise ValueError("too many members for a ZIP without ZIP64")
    names = [name for name, _ in encoded]
    if len(set(names)) != len(names) or b"" in names:
        raise ValueError("member names must be unique and non-empty")
    parts: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name, data in encoded:
        crc = zlib.crc32(data)
        header = _local_header(name, crc, len(data))
        directory.append(_central_entry(name, crc, len(data), offset))
        parts += (header, data)
        offset += len(header) + len(data)
    central = b"".join(directory)
    if offset + len(central) > MAX_SIZE:
        raise ValueError("the archive would need ZIP64")
    return b"".join([*parts, central, _end_record(len(encoded), len(central), offset)])


def read_zip(data: bytes) -> list[Member]:
    """The members of a canonical ZIP, in order; every header is compared with the canonical
    one except the stated CRC-32, which only has to agree between the two headers
    (:func:`crc_matches` checks it against the data).

    Raises :class:`ZipLayoutError` naming the first member whose headers are not canonical.
    """
    if len(data) < _END.size:
        raise ZipLayoutError("bundle.zip_no_end_record")
    end_at = len(data) - _END.size
    signature, _, _, count, _, directory_size, directory_offset, _ = _END.unpack_from(data, end_at)
    if signature != END_SIGNATURE:
        raise ZipLayoutError("bundle.zip_no_end_record")
    if directory_offset + directory_size != end_at or data[end_at:] != _end_record(
        count, directory_size, directory_offset
    ):
        raise ZipLayoutError("bundle.zip_end_record_changed")
    entries = _central_entries(data, directory_offset, end_at, count)
    members: list[Member] = []
    offset = 0
    previous = b""
    for raw_name, crc, size, stated_offset in entries:
        name = _member_name(raw_name, previous)
        previous = raw_name
        if stated_offset != offset or not _fits(data, offset + _LOCAL.size, directory_offset):
            raise ZipLayoutError("bundle.zip_central_entry_changed", name)
        local_crc = _LOCAL.unpack_from(data, offset)[6]
        header = _local_header(raw_name, local_crc, size)
        start = offset + len(header)
        if data[offset:start] != header:
            raise ZipLayoutError("bundle.zip_local_header_changed", name)
        if not _fits(data, start + size, directory_offset):
            raise ZipLayoutError("bundle.zip_central_entry_changed", name)
        content = data[start : start + size]
        if local_crc != crc:  # the two headers disagree: the one that matches the data is right
            if local_crc == zlib.crc32(content):
                raise ZipLayoutError("bundle.zip_central_entry_changed", name)
            raise ZipLayoutError("bundle.zip_local_header_changed", name)
        members.append(Member(name, content, crc))
        offset = start + size
    if offset != directory_offset:
        raise ZipLayoutError(
            "bundle.zip_central_entry_changed", members[-1].name if members else ""
        )
    return members


def crc_matches(member: Member) -> bool:
    """Whether the CRC-32 stated in the member's headers is that of its data."""
    return zlib.crc32(member.data) == member.stated_crc


def _fits(data: bytes, end: int, limit: int) -> bool:
    return end <= limit <= len(data)


def _member_name(raw: bytes, previous: bytes) -> str:
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ZipLayoutError("bundle.zip_name_invalid", raw.decode("utf-8", "replace")) from None
    if raw <= previous:
        raise ZipLayoutError("bundle.member_order", name)
    return name


def _central_entries(
    data: bytes, start: int, end: int, count: int
) -> list[tuple[bytes, int, int, int]]:
    """(name, crc, size, local header offset) of each central directory entry, each entry
    compared with the canonical one built from those four values."""
    entries = []
    at = start
    for _ in range(count):
        if at + _CENTRAL.size > end:
            raise ZipLayoutError("bundle.zip_central_directory_changed")
        fields = _CENTRAL.unpack_from(data, at)
        crc, size, name_length, offset = fields[7], fields[8], fields[10], fields[16]
        raw_name = data[at + _CENTRAL.size : at + _CENTRAL.size + name_length]
        entry = _central_entry(raw_name, crc, size, offset)
        if data[at : at + len(entry)] != entry or at + len(entry) > end:
            name = raw_name.decode("utf-8", "replace")
            raise ZipLayoutError("bundle.zip_central_entry_changed", name)
        entries.append((raw_name, crc, size, offset))
        at += len(entry)
    if at != end:
        raise ZipLayoutError("bundle.zip_central_directory_changed")
    return entries
