"""Entry point: builds the Typer app and turns every input error into one translated line.

Exit codes: 0 done; 2 bad input (a clear line naming the field, in the chosen language);
1 an internal error (one line; the traceback only with XIESHANG_DEBUG=1).
"""

from __future__ import annotations

import os
import sys

import typer

try:  # Typer vendors its own copy of click from 0.2x on; older releases use click itself.
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

from xieshang.domain.errors import DomainError
from xieshang.i18n import message, normalize_lang

from . import (
    agreement_case_cmd,
    agreement_cmd,
    apr_cmd,
    case_cmd,
    conduct_cmd,
    evidence_cmd,
    keys_cmd,
    lender_cmd,
    payment_cmd,
    plan_cmd,
    schedule_cmd,
    service_cmds,
)

app = typer.Typer(
    name="xieshang",
    help="Xieshang (协商): negotiated repayment of consumer and online loans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("schedule")(schedule_cmd.schedule)
app.command("apr")(apr_cmd.apr)
app.command("check-loan")(plan_cmd.check_loan)
app.command("plan")(plan_cmd.plan)
app.command("serve")(service_cmds.serve)
app.add_typer(service_cmds.db_app, name="db")
app.command("demo")(service_cmds.demo)
app.add_typer(service_cmds.user_app, name="user")
app.add_typer(conduct_cmd.conduct_app, name="conduct")
app.add_typer(agreement_cmd.agreement_app, name="agreement")
app.add_typer(keys_cmd.keys_app, name="keys")
app.add_typer(evidence_cmd.evidence_app, name="evidence")
app.add_typer(lender_cmd.lender_app, name="lender")
payment_cmd.register(agreement_case_cmd.case_app)
case_cmd.register(agreement_case_cmd.case_app)
app.add_typer(agreement_case_cmd.case_app, name="case")

EXIT_BAD_INPUT = 2


def _operational_errors() -> tuple[type[BaseException], ...]:
    # Problems with the instance's setup (schema behind, unsafe durability, bad settings, key
    # file): one clear line naming the fix, never a traceback.
    from xieshang.bootstrap import SETUP_ERRORS

    return SETUP_ERRORS


EXIT_INTERNAL = 1


def _lang_from_argv(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return normalize_lang(argv[i + 1])
        if arg.startswith("--lang="):
            return normalize_lang(arg.split("=", 1)[1])
    return normalize_lang(os.environ.get("XIESHANG_LANG"))


def _usage_line(exc: click_exceptions.UsageError, lang: str) -> str:
    if isinstance(exc, click_exceptions.MissingParameter) and exc.param is not None:
        option = "/".join(getattr(exc.param, "opts", []) or [exc.param.name or "?"])
        return message("cli.missing_option", lang, option=option)
    if isinstance(exc, click_exceptions.NoSuchOption):
        return message("cli.unknown_option", lang, option=exc.option_name)
    if isinstance(exc, click_exceptions.BadParameter) and exc.param is not None:
        option = "/".join(getattr(exc.param, "opts", []) or [exc.param.name or "?"])
        return message("cli.bad_value", lang, option=option, detail=exc.message)
    return message("cli.usage", lang, detail=exc.format_message())


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and, as a console script, exits with) the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    lang = _lang_from_argv(args)
    if not args:
        args = ["--help"]
    code = 0
    try:
        # Outside standalone mode click returns a command's ``typer.Exit(code)`` as the value.
        result = app(args=args, prog_name="xieshang", standalone_mode=False)
        if isinstance(result, int) and not isinstance(result, bool):
            code = result
    except DomainError as exc:
        typer.echo(message(exc.code, lang, field=exc.field, **dict(exc.params)), err=True)
        code = EXIT_BAD_INPUT
    except click_exceptions.UsageError as exc:
        typer.echo(_usage_line(exc, lang), err=True)
        code = EXIT_BAD_INPUT
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        code = EXIT_INTERNAL
    except Exception as exc:
        if isinstance(exc, _operational_errors()):
            typer.echo(message("cli.cannot_start", lang, detail=str(exc)), err=True)
            return _finish(EXIT_BAD_INPUT, argv)
        if os.environ.get("XIESHANG_DEBUG") == "1":
            raise
        typer.echo(message("cli.internal_error", lang, detail=type(exc).__name__), err=True)
        code = EXIT_INTERNAL
    return _finish(code, argv)


def _finish(code: int, argv: list[str] | None) -> int:
    if argv is None:
        sys.exit(code)
    return code
