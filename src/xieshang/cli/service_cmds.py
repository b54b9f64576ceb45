"""Commands that run the service: ``serve`` and ``db upgrade`` / ``db status``."""

from __future__ import annotations

import typer

from .common import LangOption, resolve_lang

db_app = typer.Typer(
    help="The database: apply migrations, show the schema version.", no_args_is_help=True
)


@db_app.command("upgrade")
def db_upgrade(lang: str | None = LangOption) -> None:
    """Bring the database to the schema this version needs (creates it on first run)."""
    from xieshang.bootstrap import build_container
    from xieshang.i18n import text
    from xieshang.services.maintenance import schema_status

    language = resolve_lang(lang)
    container = build_container(migrate=True)
    try:
        status = schema_status(container.engine)
        typer.echo(text("db_upgraded", language, revision=status.current, url=status.url))
    finally:
        container.close()


@db_app.command("status")
def db_status(lang: str | None = LangOption) -> None:
    """Show the database's schema version and whether it is current."""
    from xieshang.bootstrap import build_container
    from xieshang.i18n import text
    from xieshang.services.maintenance import schema_status

    language = resolve_lang(lang)
    container = build_container(migrate=False)
    try:
        status = schema_status(container.engine)
        typer.echo(text("db_status", language, current=status.current, head=status.head))
    finally:
        container.close()


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", help="Worker processes."),
    lang: str | None = LangOption,
) -> None:
    """Serve the API (and, later, the web pages) over HTTP."""
    import uvicorn

    from xieshang.bootstrap import build_container
    from xieshang.i18n import text

    language = resolve_lang(lang)
    container = build_container(migrate=False)  # refuses a database that is behind
    container.close()
    typer.echo(text("serving", language, url=f"http://{host}:{port}"))
    uvicorn.run(
        "xieshang.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )
