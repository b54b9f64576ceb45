"""The ASGI entry point for uvicorn workers: one container per worker process."""

from __future__ import annotations

from xieshang.bootstrap import build_container

from .app import create_app

app = create_app(build_container(migrate=False))
