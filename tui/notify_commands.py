"""Sub-commands for mail: ``notify test``, ``notify login``, ``outbox list|retry``, ``calendar``.

``export --format ics`` (in ``commands.py``) calls :func:`export_calendar` here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cases.i18n import InvalidInput, Lang, RefundflowError, Text
from tui.cli import _ctx, cli, emit_json, friendly, print_rich

MAIL_FAILED = 8
"""Exit code of ``notify test`` when the test mail could not be sent."""

STATUSES = ["queued", "sending", "sent", "failed", "held", "cancelled"]

STEP_NAMES: dict[str, Text] = {
    "settings": Text("设置", "settings"),
    "password": Text("密码", "password"),
    "dns": Text("DNS", "DNS"),
    "connection": Text("连接", "connection"),
    "tls": Text("TLS", "TLS"),
    "login": Text("登录", "login"),
    "send": Text("发信", "send"),
}

HINTS: dict[str, Text] = {
    "settings": Text(
        "请设置 REFUNDFLOW_SMTP_HOST、REFUNDFLOW_MAIL_FROM（或 REFUNDFLOW_SMTP_USER）和 "
        "REFUNDFLOW_NOTIFY_TO，或写入数据目录下的 config.toml；未设置前，邮件会保留在发件箱中",
        "set REFUNDFLOW_SMTP_HOST, REFUNDFLOW_MAIL_FROM (or REFUNDFLOW_SMTP_USER) and "
        "REFUNDFLOW_NOTIFY_TO, or put them in config.toml in the home; until then mail waits "
        "in the outbox",
    ),
    "password": Text(
        "运行 refundflow notify login 把密码存入系统钥匙串；没有钥匙串的机器（无桌面的 Linux）"
        "请在运行 refundflow 的环境中设置 REFUNDFLOW_SMTP_PASSWORD。密码不会写入任何文件",
        "run `refundflow notify login` to keep the password in the system keyring; on a "
        "machine without one (Linux without a desktop) set REFUNDFLOW_SMTP_PASSWORD where "
        "refundflow runs. The password is never written to a file",
    ),
    "dns": Text(
        "服务器名称无法解析：检查 REFUNDFLOW_SMTP_HOST 的拼写（例如 smtp.qq.com）和网络连接",
        "the server name does not resolve: check the spelling of REFUNDFLOW_SMTP_HOST "
        "(e.g. smtp.qq.com) and the network",
    ),
    "connection": Text(
        "连不上服务器：检查端口（ssl 用 465，starttls 用 587）、防火墙或代理",
        "cannot reach the server: check the port (465 for ssl, 587 for starttls), the "
        "firewall or a proxy",
    ),
    "tls": Text(
        "加密连接失败：检查 REFUNDFLOW_SMTP_SECURITY 与端口是否匹配（465 → ssl，587 → starttls）；"
        "证书错误说明服务器名称与证书不符",
        "the encrypted connection failed: check REFUNDFLOW_SMTP_SECURITY matches the port "
        "(465 → ssl, 587 → starttls); a certificate error means the name does not match "
        "the server's certificate",
    ),
    "login": Text(
        "服务器拒绝登录：检查 REFUNDFLOW_SMTP_USER 和密码；QQ、163 等邮箱需要在网页设置中开启 "
        "SMTP 并使用“授权码”，而不是登录密码",
        "the server refused the login: check REFUNDFLOW_SMTP_USER and the password; QQ, 163 "
        "and many other providers need SMTP switched on and an app password (授权码), not "
        "the account password",
    ),
    "send": Text(
        "服务器拒收了测试邮件：看上面服务器给出的原因（常见：收件地址不存在、发件人与登录账号不一致）",
        "the server refused the test mail: see its reason above (often: the recipient does "
        "not exist, or the sender differs from the login account)",
    ),
}


@cli.group()
def notify() -> None:
    """Set up and test reminder mail."""


@notify.command("test")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def notify_test(as_json: bool) -> None:
    """Send a test mail and say exactly which step failed (DNS, connection, TLS, login)."""
    from notifications.check import run_check

    ctx = _ctx()
    result = run_check(ctx)
    if as_json:
        emit_json(result.as_json())
    else:
        lang = ctx.lang
        for step in result.steps:
            mark = {True: "✓", False: "✗", None: "-"}[step.ok]
            name = STEP_NAMES[step.name].render(lang)
            click.echo(f"{mark} {name:<10} {step.detail}")
        failed = result.failed
        if failed is not None:
            click.echo("  → " + HINTS[failed.name].render(lang), err=True)
        else:
            click.echo(Text(
                "测试邮件已发出：请到收件箱（也看看垃圾邮件）确认收到。",
                "Test mail sent: check the inbox (and the spam folder) to see it arrived.",
            ).render(lang))
    if not result.ok:
        sys.exit(MAIL_FAILED)


@notify.command("login")
@click.option("--user", help="Login name (default: REFUNDFLOW_SMTP_USER).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@friendly
def notify_login(user: str | None, password_stdin: bool) -> None:
    """Keep the SMTP password in the system keyring (never in a file)."""
    from notifications.mailer import store_password

    ctx = _ctx()
    lang: Lang = ctx.lang
    user = user or ctx.settings.smtp_user
    if not user:
        raise InvalidInput(Text(
            "请先设置 REFUNDFLOW_SMTP_USER（或用 --user 指定登录名）",
            "set REFUNDFLOW_SMTP_USER first (or give the login name with --user)",
        ))
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            Text("{user} 的 SMTP 密码（或授权码）", "SMTP password (or app password) for {user}",
                 {"user": user}).render(lang),
            hide_input=True, default="", show_default=False,
        )
    if not password:
        raise InvalidInput(Text("没有输入密码，未作任何更改", "no password given; nothing changed"))
    try:
        store_password(user, password)
    except Exception as exc:
        raise NoKeyring(Text(
            "无法存入系统钥匙串（{why}）。这台机器可能没有钥匙串服务（无桌面的 Linux 常见）："
            "请改为在运行 refundflow 的环境中设置 REFUNDFLOW_SMTP_PASSWORD。密码不会写入任何文件",
            "cannot store it in the system keyring ({why}). This machine may have no keyring "
            "service (common on Linux without a desktop): set REFUNDFLOW_SMTP_PASSWORD where "
            "refundflow runs instead. The password is never written to a file",
            {"why": type(exc).__name__},
        )) from None
    click.echo(Text(
        "已把 {user} 的密码存入系统钥匙串。用 refundflow notify test 试发一封。",
        "Stored the password for {user} in the system keyring. Try it: refundflow notify test",
        {"user": user},
    ).render(lang))


class NoKeyring(RefundflowError):
    exit_code = 2


@cli.group()
def outbox() -> None:
    """Mail waiting, sent, held or failed."""


@outbox.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only mail in this state.")
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many mails.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def outbox_list(status: str | None, limit: int, as_json: bool) -> None:
    """The outbox, newest first: what was sent, what waits and why."""
    from cases.outbox import NoticeStatus
    from cases.outbox_services import list_notices

    ctx = _ctx()
    notices = list_notices(ctx, NoticeStatus(status) if status else None, limit)
    if as_json:
        emit_json([notice_json(n, ctx) for n in notices])
        return
    lang = ctx.lang
    if not notices:
        click.echo(Text("发件箱是空的。", "The outbox is empty.").render(lang))
        return
    print_rich(outbox_table(notices, ctx))
    held = [n for n in notices if n.status == NoticeStatus.HELD]
    if held:
        click.echo(Text(
            "{n} 封邮件在等待邮箱设置（{why}）。设置好后它们会自动发出；"
            "用 refundflow notify test 检查。",
            "{n} mail(s) wait for mail to be set up ({why}). They go out by themselves once it "
            "is; check with `refundflow notify test`.",
            {"n": len(held), "why": held[0].last_error or "-"},
        ).render(lang))


@outbox.command("send")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def outbox_send(as_json: bool) -> None:
    """Send what is due now (the background service does this every 15 seconds)."""
    from notifications.outbox import Dispatcher

    ctx = _ctx()
    report = Dispatcher(ctx).run()
    if as_json:
        emit_json({
            "sent": report.sent, "retrying": report.retrying, "failed": report.failed,
            "held": report.held, "cancelled": report.cancelled, "deferred": report.deferred,
            "errors": report.errors,
        })
        return
    click.echo(Text(
        "已发送 {sent}，稍后重试 {retrying}，失败 {failed}，待设置邮箱 {held}，"
        "已取消 {cancelled}，免打扰推迟 {deferred}",
        "sent {sent}, retrying {retrying}, failed {failed}, held {held}, "
        "cancelled {cancelled}, deferred by quiet hours {deferred}",
        {"sent": report.sent, "retrying": report.retrying, "failed": report.failed,
         "held": report.held, "cancelled": report.cancelled, "deferred": report.deferred},
    ).render(ctx.lang))
    for error in dict.fromkeys(report.errors):
        click.echo(f"  {error}", err=True)


@outbox.command("retry")
@click.argument("notice_id", metavar="ID", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def outbox_retry(notice_id: int, as_json: bool) -> None:
    """Send a failed, held or cancelled mail again (the background service sends it)."""
    from cases.outbox_services import retry_notice

    ctx = _ctx()
    notice = retry_notice(ctx, notice_id)
    if as_json:
        emit_json(notice_json(notice, ctx))
        return
    click.echo(Text(
        "邮件 {id} 已重新排队，后台服务会在几秒内发出。",
        "Mail {id} is queued again; the background service sends it within seconds.",
        {"id": notice_id},
    ).render(ctx.lang))


@cli.command("calendar")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default: stdout).")
@friendly
def calendar_command(output: Path | None) -> None:
    """Every open deadline as an .ics calendar (same as `export --format ics`)."""
    export_calendar(output)


def export_calendar(output: Path | None) -> None:
    """Write every open deadline as iCalendar to ``output`` (or stdout)."""
    from cases.outbox_services import deadlines_to_remind
    from cases.settings import reminder_offsets
    from notifications.calendar import calendar_bytes

    ctx = _ctx()
    targets = [t for t in deadlines_to_remind(ctx, 0) if t.is_open]
    data = calendar_bytes(targets, ctx.settings.mail_language, ctx.clock.now(),
                          reminder_offsets(ctx.settings.remind_before))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    output.write_bytes(data)
    click.echo(Text(
        "已导出 {n} 个未到期限到 {path}", "exported {n} open deadlines to {path}",
        {"n": len(targets), "path": str(output)},
    ).render(ctx.lang), err=True)


# ----------------------------------------------------------------------------- display
def notice_json(notice: Any, ctx: Any) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ctx.settings.recipient_zone)

    def when(value: Any) -> str | None:
        return None if value is None else value.astimezone(zone).isoformat()

    return {
        "id": notice.id,
        "key": notice.dedupe_key,
        "kind": notice.kind.value,
        "case": notice.case_ref,
        "status": notice.status.value,
        "attempts": notice.attempts,
        "next_attempt_at": when(notice.next_attempt_at),
        "sent_at": when(notice.sent_at),
        "created_at": when(notice.created_at),
        "last_error": notice.last_error,
        "payload": notice.payload,
    }


_STATUS_TEXT = {
    "queued": Text("排队中", "queued"),
    "sending": Text("发送中", "sending"),
    "sent": Text("已发送", "sent"),
    "failed": Text("发送失败", "failed"),
    "held": Text("待设置邮箱", "held (no SMTP)"),
    "cancelled": Text("已取消", "cancelled"),
}
_KIND_TEXT = {
    "deadline_missed": Text("期限已过", "deadline passed"),
    "reminder": Text("提醒", "reminder"),
    "digest": Text("每日汇总", "digest"),
    "test": Text("测试", "test"),
}
_COLOR = {"sent": "green", "failed": "red", "held": "yellow", "cancelled": "dim"}


def outbox_table(notices: list[Any], ctx: Any) -> Any:
    from zoneinfo import ZoneInfo

    from rich.markup import escape
    from rich.table import Table

    lang = ctx.lang
    zone = ZoneInfo(ctx.settings.recipient_zone)
    table = Table(box=None, header_style="bold", pad_edge=False)
    heads = ("编号|状态|类型|案件|次数|时间|说明" if lang == "zh"
             else "ID|Status|Kind|Case|Tries|When|Note").split("|")
    for head in heads:
        table.add_column(head, overflow="fold")
    for n in notices:
        status = n.status.value
        moment = n.sent_at or n.next_attempt_at or n.created_at
        what = _KIND_TEXT.get(n.kind.value, Text(n.kind.value, n.kind.value)).render(lang)
        occasion = n.payload.get("occasion")
        if occasion:
            what += f" {occasion.split('@')[0].removeprefix('overdue-')}"
        color = _COLOR.get(status, "")
        label = _STATUS_TEXT.get(status, Text(status, status)).render(lang)
        table.add_row(
            str(n.id), f"[{color}]{label}[/]" if color else label, what, n.case_ref or "-",
            str(n.attempts), moment.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            escape(n.last_error or ""),
        )
    return table
