"""The ASGI entry point for uvicorn workers: one container per worker process."""

from __future__ import annotations

from xieshang.bootstrap import build_container
from xieshang.security.logfilter import install_server_log_masking

from .app import create_app

# Each worker imports this after the server set up its logging: from here on, ID, phone and
# card numbers are masked in every log line the worker writes.
install_server_log_masking()

app = create_app(build_container(migrate=False))
