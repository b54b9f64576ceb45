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


@db_app.command("rekey")
def db_rekey(lang: str | None = LangOption) -> None:
    """Re-encrypt personal data under the current key (key rotation; safe to repeat)."""
    from xieshang.bootstrap import build_container
    from xieshang.i18n import text
    from xieshang.services.maintenance import rotate_encryption_keys

    language = resolve_lang(lang)
    container = build_container(migrate=False)
    try:
        count = rotate_encryption_keys(container.engine, container.keyring)
        key_id = container.keyring.current_key_id
    finally:
        container.close()
    typer.echo(text("db_rekeyed", language, count=count, key_id=key_id))


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
    """Serve the web app and the API over HTTP (the pages at /, the API under /api)."""
    import uvicorn

    from xieshang.bootstrap import build_container
    from xieshang.i18n import text

    language = resolve_lang(lang)
    container = build_container(migrate=False)  # refuses a database that is behind
    container.close()  # the workers build their own (xieshang.api.asgi), and mask their logs
    typer.echo(text("serving", language, url=f"http://{host}:{port}"))
    uvicorn.run(
        "xieshang.api.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


def demo(lang: str | None = LangOption) -> None:
    """Load the demo people and the example borrower's data (idempotent); print the logins."""
    from pathlib import Path

    from rich.console import Console
    from rich.table import Table

    from xieshang.bootstrap import build_container
    from xieshang.i18n import text
    from xieshang.services.demo import load_demo
    from xieshang.services.situation import read_situation

    from .common import read_toml_file

    language = resolve_lang(lang)
    examples = Path(__file__).resolve().parents[1] / "examples"
    situation = read_situation(
        read_toml_file(examples / "situation.toml"), lambda n: read_toml_file(examples / n)
    )
    container = build_container(migrate=True)
    try:
        logins = load_demo(
            container.uow,
            situation,
            now=container.clock(),
            policy=container.password_policy,
            request=read_toml_file(examples / "offer-terms.toml"),
            sign=container.instance_key.sign,
        )
    finally:
        container.close()
    table = Table(title=text("demo_title", language))
    for key in ("demo_role", "demo_email", "demo_password", "demo_totp"):
        table.add_column(text(key, language), no_wrap=True)
    for login in logins:
        table.add_row(login.role, login.email, login.password, login.totp_secret or "")
    # Wide enough that no login is cut short, whatever the terminal says.
    Console(width=140).print(table)


user_app = typer.Typer(help="Accounts: create users from the command line.", no_args_is_help=True)


@user_app.command("create")
def user_create(
    email: str = typer.Option(..., "--email", help="Login e-mail."),
    role: str = typer.Option(
        "borrower", "--role", help="borrower | counselor | agent | supervisor | admin."
    ),
    display_name: str = typer.Option(..., "--name", help="Name shown to others."),
    organisation_id: int | None = typer.Option(
        None, "--organisation-id", help="For counselors and lender staff."
    ),
    lang: str | None = LangOption,
) -> None:
    """Create an account; the password is asked for twice (or read from XIESHANG_PASSWORD)."""
    import os

    from xieshang.bootstrap import build_container
    from xieshang.i18n import text
    from xieshang.services.accounts import create_account

    language = resolve_lang(lang)
    password = os.environ.get("XIESHANG_PASSWORD") or typer.prompt(
        text("password_prompt", language), hide_input=True, confirmation_prompt=True
    )
    container = build_container(migrate=False)
    try:
        user = create_account(
            container.uow,
            email=email,
            password=password,
            display_name=display_name,
            role=role,
            organisation_id=organisation_id,
            policy=container.password_policy,
            now=container.clock(),
        )
    finally:
        container.close()
    typer.echo(text("user_created", language, id=user.id, email=user.email, role=user.role))
