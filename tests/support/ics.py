"""A tiny, strict iCalendar reader for the tests (RFC 5545 §3.1, §3.3.11): it refuses what a
strict client would, so the feed is checked by reading it back rather than by matching text."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_OCTETS = 75


class IcsError(AssertionError):
    pass


def physical_lines(data: bytes) -> list[bytes]:
    """The raw lines; every one must end with CRLF and be at most 75 octets."""
    if not data.endswith(b"\r\n"):
        raise IcsError("the feed does not end with CRLF")
    lines = data[:-2].split(b"\r\n")
    for i, line in enumerate(lines):
        if b"\n" in line or b"\r" in line:
            raise IcsError(f"line {i + 1}: a bare LF or CR")
        if len(line) > MAX_OCTETS:
            raise IcsError(f"line {i + 1}: {len(line)} octets")
        line.decode("utf-8")  # a fold never splits a character
    return lines


def unfold(data: bytes) -> list[str]:
    """Content lines: a physical line starting with a space or tab continues the previous."""
    out: list[str] = []
    for line in physical_lines(data):
        text = line.decode("utf-8")
        if text[:1] in (" ", "\t"):
            if not out:
                raise IcsError("a continuation line first")
            out[-1] += text[1:]
        else:
            out.append(text)
    return out


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            nxt = value[i + 1 : i + 2]
            if nxt in ("\\", ";", ","):
                out.append(nxt)
            elif nxt in ("n", "N"):
                out.append("\n")
            else:
                raise IcsError(f"bad escape \\{nxt}")
            i += 2
            continue
        if ch in ";,":
            raise IcsError(f"an unescaped {ch!r} in a text value")
        out.append(ch)
        i += 1
    return "".join(out)


@dataclass
class Component:
    name: str
    props: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (params, value)
    children: list[Component] = field(default_factory=list)

    def value(self, name: str) -> str:
        return self.props[name][1]

    def text(self, name: str) -> str:
        return unescape(self.value(name))


def parse(data: bytes) -> Component:
    """The VCALENDAR with its VEVENTs; a property named twice in one component is refused."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(data):
        head, sep, value = line.partition(":")
        if not sep:
            raise IcsError(f"no ':' in {line!r}")
        name, _, params = head.partition(";")
        if name == "BEGIN":
            comp = Component(value)
            if stack:
                stack[-1].children.append(comp)
            elif root is None:
                root = comp
            else:
                raise IcsError("two top-level components")
            stack.append(comp)
        elif name == "END":
            if not stack or stack[-1].name != value:
                raise IcsError(f"END:{value} does not close {stack[-1].name if stack else None}")
            stack.pop()
        else:
            if not stack:
                raise IcsError(f"{name} outside a component")
            if name in stack[-1].props:
                raise IcsError(f"{name} twice in {stack[-1].name}")
            stack[-1].props[name] = (params, value)
    if root is None or stack:
        raise IcsError("unbalanced BEGIN/END")
    return root


def events(data: bytes) -> list[Component]:
    cal = parse(data)
    if cal.name != "VCALENDAR" or cal.value("VERSION") != "2.0" or "PRODID" not in cal.props:
        raise IcsError("not an iCalendar 2.0 object")
    found = [c for c in cal.children if c.name == "VEVENT"]
    for event in found:
        for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            if required not in event.props:
                raise IcsError(f"a VEVENT without {required}")
    return found
