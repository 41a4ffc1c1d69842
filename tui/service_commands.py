"""``refundflow service start|stop|status|run`` and ``refundflow doctor``.

These import only ``flows.control`` (no Prefect): ``status`` answers in a fraction of a
second. ``service run`` is the service itself, in the foreground.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from cases.i18n import Text
from tui.cli import _ctx, cli, emit_json, friendly


def _say(lang: str, zh: str, en: str, **values: Any) -> str:
    return Text(zh, en, values).render(lang)  # type: ignore[arg-type]


@cli.group()
def service() -> None:
    """The background service: deadlines acted on in seconds, case flow runs, reminders."""


@service.command("start")
@click.option("--wait", "wait_ready", is_flag=True,
              help="Wait until every part is up (a local Prefect server takes 10-20 s).")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait with --wait.")
@friendly
def service_start(wait_ready: bool, timeout: float) -> None:
    """Start the service in the background (one per data directory)."""
    from flows import control

    ctx = _ctx()
    lang = ctx.lang
    started, pid = control.start(ctx.settings)
    if not started:
        click.echo(_say(lang, "后台服务已在运行（pid {pid}）", "the service is already running "
                        "(pid {pid})", pid=pid))
        return
    report = control.status(ctx.settings)
    if not report["running"]:
        click.echo(_say(lang, "后台服务未能启动；见 {log}", "the service did not start; see {log}",
                        log=str(ctx.settings.home / "logs" / "service.out")), err=True)
        sys.exit(1)
    if wait_ready:
        deadline = time.monotonic() + timeout
        while not report.get("ok") and time.monotonic() < deadline:
            time.sleep(0.5)
            report = control.status(ctx.settings)
        if not report.get("ok"):
            click.echo(_say(lang, "后台服务已启动但尚未就绪：", "the service started but is not "
                            "ready yet: ") + _failing(report), err=True)
            sys.exit(1)
    click.echo(_say(lang, "后台服务已启动（pid {pid}），日志：{log}",
                    "the service started (pid {pid}); log: {log}", pid=pid, log=report["log"]))
    if report.get("prefect_ui_url"):
        click.echo(_say(lang, "Prefect 界面：{url}", "Prefect UI: {url}",
                        url=report["prefect_ui_url"]))


@service.command("stop")
@click.option("--timeout", default=30.0, show_default=True,
              help="Seconds to wait before killing it.")
@friendly
def service_stop(timeout: float) -> None:
    """Stop the service and everything it started."""
    from flows import control

    ctx = _ctx()
    if control.stop(ctx.settings, timeout):
        click.echo(_say(ctx.lang, "后台服务已停止", "the service stopped"))
    else:
        click.echo(_say(ctx.lang, "后台服务没有运行", "the service is not running"))


@service.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def service_status(as_json: bool) -> None:
    """Is the service running, where is the Prefect API, and how is each part."""
    from flows import control

    ctx = _ctx()
    report = control.status(ctx.settings)
    if as_json:
        emit_json(report)
        return
    lang = ctx.lang
    if not report["running"]:
        click.echo(_say(lang, "后台服务没有运行（refundflow service start 启动）",
                        "the service is not running (start it with `refundflow service start`)"))
        sys.exit(3)
    if report.get("starting"):
        click.echo(_say(lang, "后台服务正在启动（pid {pid}）…",
                        "the service is starting (pid {pid})…", pid=report["pid"]))
        sys.exit(4)
    click.echo(_say(lang, "后台服务运行中（pid {pid}），自 {at}", "the service runs (pid {pid}) "
                    "since {at}", pid=report["pid"], at=report.get("started_at")))
    if report.get("prefect_api_url"):
        click.echo(f"Prefect API: {report['prefect_api_url']}")
    for name, part in report["parts"].items():
        details = ", ".join(f"{k}={v}" for k, v in part.items()
                            if k not in ("ok", "starting") and v is not None)
        mark = "ok " if part.get("ok") else "..." if part.get("starting") else "BAD"
        click.echo(f"  {mark} {name}: {details}")
    if not report.get("responsive"):
        click.echo(_say(lang, "服务无响应：超过 20 秒没有心跳；见 {log}",
                        "the service is unresponsive: no heartbeat for 20 s; see {log}",
                        log=report["log"]), err=True)
    if not report.get("ok"):
        sys.exit(4)


@service.command("run")
@friendly
def service_run() -> None:
    """Run the service in the foreground (what `start` runs in the background)."""
    from flows.service import main

    sys.exit(main(_ctx().settings))


@cli.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def doctor(as_json: bool) -> None:
    """Check the data directory, database, service, Prefect API and holiday data."""
    from flows.doctor import run_checks

    ctx = _ctx()
    checks = run_checks(ctx)
    if as_json:
        emit_json([c.as_json(ctx.lang) for c in checks])
    else:
        for check in checks:
            click.echo(check.line(ctx.lang))
    if any(c.level == "fail" for c in checks):
        sys.exit(1)


def _failing(report: dict[str, Any]) -> str:
    bad = [name for name, part in report.get("parts", {}).items() if not part.get("ok")]
    return ", ".join(bad) or "no heartbeat"
