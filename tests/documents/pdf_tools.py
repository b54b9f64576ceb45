"""Reading generated PDFs with poppler's command-line tools (installed by scripts/bootstrap)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:  # a missing tool is a broken test machine, not a pass
        raise RuntimeError(f"{name} (poppler-utils) is not installed; run scripts/bootstrap")
    return found


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The text ``pdftotext`` extracts, in reading order."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return run.stdout.decode("utf-8")


@dataclass(frozen=True)
class PdfFont:
    name: str
    type: str
    embedded: bool


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[PdfFont]:
    """The fonts ``pdffonts`` lists (name, type, embedded)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    run = subprocess.run([_tool("pdffonts"), str(path)], capture_output=True, check=True)
    lines = run.stdout.decode("utf-8").splitlines()[2:]
    fonts = []
    for line in lines:
        # name, type (may contain spaces), encoding, emb, sub, uni, object, generation
        parts = line.split()
        if len(parts) < 8:
            continue
        fonts.append(PdfFont(parts[0], " ".join(parts[1:-6]), parts[-5] == "yes"))
    return fonts
