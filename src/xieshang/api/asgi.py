"""The ASGI entry point for uvicorn workers: one container per worker process."""

from __future__ import annotations

import logging

from xieshang.bootstrap import build_container
from xieshang.security.logfilter import install_log_masking

from .app import create_app

# Each worker process masks ID, phone and card numbers in every log line it writes.
for _name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
    install_log_masking(logging.getLogger(_name))

app = create_app(build_container(migrate=False))
