"""``xieshang keys public [--out FILE]``: the instance's public key, for the parties to keep.

A sealed agreement or a signed receipt can be checked years later with this PEM alone; its
fingerprint (SHA-256 of the raw key) is what a party writes down to recognise the key.  The
command only reads: an instance without a key yet is told how to get one (the key is created
with the instance, by ``xieshang db upgrade``), never handed a fresh one here.
"""

from __future__ import annotations

from pathlib import Path

import typer

from xieshang.domain.errors import DomainError

from .common import JsonOption, LangOption, print_json, resolve_lang

keys_app = typer.Typer(
    help="The instance's signing key: show its public half.", no_args_is_help=True
)


@keys_app.command("public")
def public(
    out: Path | None = typer.Option(None, "--out", help="Also write the PEM to this file."),
    as_json: bool = JsonOption,
    lang: str | None = LangOption,
) -> None:
    """Print the instance's public key (PEM) and its fingerprint."""
    from xieshang.i18n import text
    from xieshang.security.signing import instance_key_path, load_instance_key
    from xieshang.settings import Settings

    language = resolve_lang(lang)
    settings = Settings.from_env()
    key = load_instance_key(settings)
    if key is None:
        raise DomainError(
            "signing.no_instance_key", field="instance_key", path=str(instance_key_path(settings))
        )
    pem = key.public_key_pem()
    if out is not None:
        _write_public(out, pem)
    if as_json:
        print_json(
            {
                "public_key_pem": pem,
                "fingerprint": key.fingerprint,
                "key_id": key.key_id,
                "written_to": None if out is None else str(out),
            }
        )
        return
    typer.echo(pem.rstrip("\n"))
    typer.echo(text("keys_fingerprint", language, fingerprint=key.fingerprint))
    if out is not None:
        typer.echo(text("keys_written", language, path=str(out)))


def _write_public(path: Path, pem: str) -> None:
    """Write ``pem`` to ``path``; an existing file is left alone unless it already holds it."""
    try:
        if path.exists():
            if path.is_file() and path.read_text(encoding="ascii", errors="replace") == pem:
                return
            raise DomainError("file.exists", field="out", path=str(path))
        with path.open("x", encoding="ascii") as handle:
            handle.write(pem)
    except OSError as exc:
        raise DomainError(
            "file.unwritable", field="out", path=str(path), detail=exc.strerror or str(exc)
        ) from None
