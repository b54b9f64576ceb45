"""Golden files of the generated documents, beside the reports' ones in tests/golden/files.

After a deliberate change regenerate with ``XIESHANG_UPDATE_GOLDEN=1 bash scripts/test
tests/documents`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

FILES = Path(__file__).resolve().parents[1] / "golden" / "files"
UPDATE = os.environ.get("XIESHANG_UPDATE_GOLDEN") == "1"


def assert_matches_golden(name: str, content: str) -> None:
    golden = FILES / name
    if UPDATE:
        golden.write_text(content, encoding="utf-8")
    assert content == golden.read_text(encoding="utf-8")
