"""The ``refundflow`` command line: every use case, ``--json`` for scripts.

Start-up stays lean: no Prefect or Textual import for commands that don't need them.
Errors a user can fix print one line (in the user's language) and exit non-zero.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from cases.i18n import InvalidInput, Lang, RefundflowError, Text, default_lang

F = TypeVar("F", bound=Callable[..., Any])


def _ctx() -> Any:
    from cases.bootstrap import bootstrap
    from cases.settings import Settings

    try:
        return bootstrap(Settings())
    except Exception as exc:  # pydantic's ValidationError: a bad REFUNDFLOW_* value
        raise InvalidInput(
            Text("设置有误：{err}", "bad setting: {err}", {"err": _first_line(exc)})
        ) from None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " / ".join(lines[:3]) or type(exc).__name__


def friendly(func: F) -> F:
    """Turn refundflow's errors (and an unreachable database) into one clear line."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RefundflowError as exc:
            click.echo(_prefix() + exc.render(_lang()), err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:
            from sqlalchemy.exc import OperationalError

            if isinstance(exc, OperationalError):
                text = Text(
                    "无法连接数据库：{err}；请检查 REFUNDFLOW_DATABASE_URL 和数据库服务",
                    "cannot reach the database: {err}; check REFUNDFLOW_DATABASE_URL and "
                    "that the database server runs",
                    {"err": _first_line(exc.orig or exc)},
                )
                click.echo(_prefix() + text.render(_lang()), err=True)
                sys.exit(7)
            log = _log_crash()
            text = Text(
                "内部错误：{err}。详情已写入 {log}，请附上该文件反馈问题；数据未被修改。",
                "internal error: {err}. Details are in {log}; please report it with that "
                "file. Nothing was changed.",
                {"err": _first_line(exc), "log": log},
            )
            click.echo(_prefix() + text.render(_lang()), err=True)
            sys.exit(70)

    return wrapper  # type: ignore[return-value]


def _log_crash() -> str:
    """Keep the traceback for a bug report instead of showing it to the user."""
    import os
    import traceback
    from datetime import UTC, datetime

    from cases.settings import default_home

    folder = Path(os.environ.get("REFUNDFLOW_HOME") or default_home()).expanduser() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "errors.log"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()} {' '.join(sys.argv)}\n")
            handle.write(traceback.format_exc())
        return str(path)
    except OSError:
        return "stderr"


def _lang() -> Lang:
    """The user's language, from settings (env or config.toml) when they can be read."""
    try:
        from cases.settings import Settings

        return Settings().lang
    except Exception:
        return default_lang()


def _prefix() -> str:
    return "错误：" if _lang() == "zh" else "error: "


def emit_json(data: Any) -> None:
    # Lists are printed compactly (one line): Python's indenting encoder is pure Python and
    # takes seconds on 100,000 rows; single records stay indented for people to read.
    if isinstance(data, list):
        click.echo(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    else:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_rich(*items: object) -> None:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:  # piped: don't squeeze tables into 80 columns
        console = Console(highlight=False, width=200)
    for item in items:
        console.print(item)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="refundflow")
@click.pass_context
def cli(click_ctx: click.Context) -> None:
    """refundflow: track refund disputes, their deadlines and evidence.

    Without a command it shows the caseload.
    """
    if click_ctx.invoked_subcommand is None:
        # In a terminal: the full-screen app; piped or redirected: the caseload as text.
        if sys.stdout.isatty() and sys.stdin.isatty():
            from tui.app import run_tui

            friendly(run_tui)()
        else:
            click_ctx.invoke(case_list)


# Each module registers its sub-commands on ``cli`` when imported.
from tui import (  # noqa: E402, F401
    commands,
    ladder_commands,
    notify_commands,
    service_commands,
)

case_list = commands.case_list


def main() -> None:
    # Help in Chinese for a Chinese user: `-h`/`--help`, or a bare group (`refundflow case`)
    # that prints its help. Only then are the settings read for the language and the table
    # of translations imported; every other command starts without them.
    args = sys.argv[1:]
    words = args[: args.index("--")] if "--" in args else args
    asks_help = any(word in ("-h", "--help") for word in words)
    if not asks_help:
        node: click.Command | None = cli
        for word in (w for w in words if not w.startswith("-")):
            node = node.commands.get(word) if isinstance(node, click.Group) else None
            if node is None:
                break
        asks_help = isinstance(node, click.Group) and node.no_args_is_help
    if asks_help and _lang() == "zh":
        from tui.help_zh import localize

        localize(cli)
    # click's standalone mode would print its own parse errors (in English) and exit; they
    # are caught here instead, so a Chinese user reads them in Chinese.
    try:
        result = cli.main(prog_name="refundflow", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # a bare group: its help
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        if _lang() == "zh":
            from tui.help_zh import localize, usage_error

            localize(cli)
            click.echo(usage_error(exc), err=True)
        else:
            exc.show()
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:  # Ctrl-C or end of input at a prompt
        click.echo("已中止。" if _lang() == "zh" else "Aborted!", err=True)
        sys.exit(1)
    # Not standalone, click returns an explicit exit's code (--help, --version) instead of
    # exiting, and otherwise what the command returned: refundflow's commands return None.
    sys.exit(result if isinstance(result, int) else 0)


__all__ = ["cli", "main", "friendly", "emit_json", "print_rich", "_ctx"]
