"""Sub-commands of ``refundflow``: case, evidence, import, export, rules."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cases.i18n import InvalidInput, Text
from cases.vocabulary import USER_EVENTS, Channel, EvidenceKind, Reason, Stage
from tui.cli import _ctx, cli, emit_json, friendly, print_rich

CHANNELS = [c.value for c in Channel]
REASONS = [r.value for r in Reason]
EVENTS = [e.value for e in USER_EVENTS]
KINDS = [k.value for k in EvidenceKind]
STAGES = [s.value for s in Stage]


def _assumed(what: str, zone: str, lang: str) -> str:
    return Text(
        "{what} 未写时区，按 {zone} 时间理解",
        "{what} has no zone; read as {zone} time",
        {"what": what, "zone": zone},
    ).render(lang)  # type: ignore[arg-type]


def _show_case(ctx: Any, case: Any, as_json: bool, notes: list[str]) -> None:
    from cases.records import case_record
    from tui.output import case_page

    now = ctx.clock.now()
    if as_json:
        record = case_record(case, ctx.lang, now)
        if notes:
            record["notes"] = notes
        emit_json(record)
        return
    for note in notes:
        click.echo(note)
    print_rich(*case_page(case, now, ctx.lang))


@cli.group()
def case() -> None:
    """Record disputes and what happens to them."""


@case.command("add")
@click.option("--platform", required=True, help="Platform, e.g. 115卡盟.")
@click.option("--order", "order_no", required=True, help="Order number on the platform.")
@click.option("--product", required=True, help="What was bought.")
@click.option("--amount", required=True, help="Amount paid, e.g. 128.00.")
@click.option("--currency", default="CNY", show_default=True, help="Currency of the amount.")
@click.option("--channel", required=True, help="|".join(CHANNELS))
@click.option("--reason", required=True, help="|".join(REASONS))
@click.option(
    "--paid-at",
    required=True,
    help="When you paid, e.g. 2026-09-30T10:00+08:00, 2026-09-30 10:00 or yesterday 18:00.",
)
@click.option("--merchant", help="Shop inside the platform, if any.")
@click.option("--zone", help="Time zone of the platform (default: REFUNDFLOW_TZ, Asia/Shanghai).")
@click.option("--note", help="A note kept with the case.")
@click.option("--usage", help="How much was used, e.g. '10/30 days' or '1/5 benefits'.")
@click.option("--assignee", help="Who handles the case (teams).")
@click.option("--province", help="Your province, e.g. 江苏 or Jiangsu (see refundflow provinces).")
@click.option("--rule", "rules", multiple=True, help="Override a deadline: KEY=DURATION.")
@click.option("--force", is_flag=True, help="Add even if the order has a live application.")
@click.option("--json", "as_json", is_flag=True, help="Print the new case as JSON.")
@friendly
def case_add(**opts: Any) -> None:
    """Record a new dispute (it starts as a draft)."""
    from cases.parsing import parse_amount, parse_choice, parse_currency, parse_time, parse_zone
    from cases.services import NewCase, add_case

    ctx = _ctx()
    zone_name = opts["zone"] or ctx.settings.tz
    zone = parse_zone(zone_name)
    paid_at, assumed = parse_time(opts["paid_at"], zone, ctx.clock.now())
    overrides = dict(_rule_pair(item) for item in opts["rules"])
    new = NewCase(
        platform=opts["platform"].strip(),
        order_no=opts["order_no"].strip(),
        product=opts["product"].strip(),
        amount=parse_amount(opts["amount"]),
        currency=parse_currency(opts["currency"]),
        channel=Channel(parse_choice(Channel, opts["channel"], "--channel")),
        reason=Reason(parse_choice(Reason, opts["reason"], "--reason")),
        paid_at=paid_at,
        zone=zone_name,
        merchant=opts["merchant"],
        note=opts["note"],
        usage=_usage(opts["usage"]),
        assignee=opts["assignee"],
        rule_overrides=overrides,
        province=opts["province"],
    )
    created = add_case(ctx, new, force=opts["force"], actor=ctx.settings.who)
    notes = [_assumed("--paid-at", zone_name, ctx.lang)] if assumed else []
    _show_case(ctx, created, opts["as_json"], notes)


def _usage(text: str | None) -> str | None:
    if not text:
        return None
    from cases.eligibility import Usage

    usage = Usage.parse(text)
    return f"{usage.used}/{usage.total} {usage.unit.value}"


def _rule_pair(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise InvalidInput(
            Text(
                '--rule 应写成 规则=时长，例如 review="5 working days"（收到 {item}）',
                '--rule takes KEY=DURATION, e.g. review="5 working days" (got {item})',
                {"item": item},
            )
        )
    from cases.durations import Duration

    return key.strip(), str(Duration.parse(value))


@case.command("list")
@click.option("--stage", type=click.Choice(STAGES), help="Only cases in this stage.")
@click.option("--overdue", is_flag=True, help="Only cases with a deadline already passed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def case_list(stage: str | None = None, overdue: bool = False, as_json: bool = False) -> None:
    """The caseload, most urgent first."""
    from cases.services import list_cases

    ctx = _ctx()
    rows = list_cases(ctx, Stage(stage) if stage else None, overdue)
    if as_json:
        emit_json([row.as_json() for row in rows])
        return
    if not rows:
        click.echo(
            Text(
                "还没有案件。用 refundflow case add … 新建一个，"
                "或用 refundflow import 文件.csv 导入。",
                "No cases yet. Start with `refundflow case add …` or `refundflow import FILE.csv`.",
            ).render(ctx.lang)
        )
        return
    from zoneinfo import ZoneInfo

    from rich.console import Console

    from tui.output import caseload_table

    console = Console(highlight=False)
    width = console.width if console.is_terminal else None  # piped: every character
    table = caseload_table(rows, ctx.clock.now(), ctx.lang, ZoneInfo(ctx.settings.tz), width)
    console.print(table, soft_wrap=True)


@case.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def case_show(ref: str, as_json: bool) -> None:
    """A case: facts, deadlines with their rules, timeline, evidence."""
    from cases.services import get_case

    ctx = _ctx()
    _show_case(ctx, get_case(ctx, ref), as_json, [])


@case.command("event")
@click.argument("ref")
@click.argument("kind", metavar="|".join(EVENTS))
@click.option(
    "--at",
    help="When it happened (default: now), e.g. 2026-09-30 18:00 or yesterday 18:00. "
    "Without a zone: the case's zone.",
)
@click.option("--note", help="A note kept with the event.")
@click.option("--amount", help="Amount received (for arrived).")
@click.option("--refund-no", help="Refund number the platform gave (退款编号).")
@click.option("--ticket", help="Ticket number of the conversation (工单号).")
@click.option("--rung", help="Rung to escalate to (default: the next one).")
@click.option("--force", is_flag=True, help="Submit even if another application is live.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def case_event(ref: str, kind: str, **opts: Any) -> None:
    """Record what happened to a case and when."""
    from cases.model import EventInput
    from cases.parsing import parse_amount, parse_choice, parse_time
    from cases.services import get_case, record_event
    from cases.vocabulary import EventKind

    ctx = _ctx()
    event_kind = EventKind(parse_choice(EventKind, kind, "event"))
    if event_kind not in USER_EVENTS:
        raise InvalidInput(
            Text("事件只能是：{c}", "the event must be one of {c}", {"c": "|".join(EVENTS)})
        )
    current = get_case(ctx, ref)
    notes: list[str] = []
    at: datetime = ctx.clock.now()
    if opts["at"]:
        at, assumed = parse_time(opts["at"], current.tz, at)
        if assumed:
            notes.append(_assumed("--at", current.zone, ctx.lang))
    what = EventInput(
        kind=event_kind,
        at=at,
        note=opts["note"],
        amount=parse_amount(opts["amount"]) if opts["amount"] else None,
        refund_no=opts["refund_no"],
        ticket=opts["ticket"],
        rung=opts["rung"],
    )
    updated = record_event(ctx, current.ref, what, force=opts["force"], actor=ctx.settings.who)
    _show_case(ctx, updated, opts["as_json"], notes)


@case.command("verify")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def case_verify(ref: str, as_json: bool) -> None:
    """Check the timeline's hash chain and every evidence file. Exit 6 if anything changed."""
    import sys

    from cases.services import verify_case
    from tui.output import verification_lines

    ctx = _ctx()
    result = verify_case(ctx, ref)
    if as_json:
        emit_json(
            {
                "ref": result.ref,
                "ok": result.ok,
                "events": result.events,
                "files": result.files,
                "problems": [p.render(ctx.lang) for p in result.problems],
            }
        )
    else:
        for line in verification_lines(result, ctx.lang):
            click.echo(line, err=not result.ok)
    if not result.ok:
        sys.exit(6)


@case.command("rule")
@click.argument("ref")
@click.argument("key")
@click.argument("duration")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def case_rule(ref: str, key: str, duration: str, as_json: bool) -> None:
    """Override one deadline rule for this case, e.g. `review "5 working days"`."""
    from cases.durations import Duration
    from cases.services import override_rule

    ctx = _ctx()
    updated = override_rule(ctx, ref, key, str(Duration.parse(duration)), actor=ctx.settings.who)
    _show_case(ctx, updated, as_json, [])


@case.command("set")
@click.argument("ref")
@click.option("--province", help='Your province, e.g. 江苏 or Jiangsu; "" clears it.')
@click.option("--assignee", help='Who handles the case from now on (teams); "" clears it.')
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def case_set(ref: str, province: str | None, assignee: str | None, as_json: bool) -> None:
    """Change a case's details (its province, who handles it); each change goes on the
    timeline."""
    from cases.services import KEEP, change_details

    ctx = _ctx()
    if province is None and assignee is None:
        raise InvalidInput(Text(
            "没有要修改的内容：请给出 --province 省份 或 --assignee 负责人（\"\" 表示清除）。",
            'nothing to change: give --province P or --assignee NAME ("" clears it).',
        ))
    updated = change_details(
        ctx,
        ref,
        province=KEEP if province is None else province,
        assignee=KEEP if assignee is None else assignee,
        actor=ctx.settings.who,
    )
    _show_case(ctx, updated, as_json, [])


@cli.group()
def evidence() -> None:
    """Keep evidence files with their hashes."""


@evidence.command("add")
@click.argument("ref")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--kind", required=True, help="|".join(KINDS))
@click.option("--note", help="A note kept with the file.")
@click.option("--captured-at", help="When the screenshot or record was taken (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def evidence_add(ref: str, file: Path, **opts: Any) -> None:
    """Copy FILE into the evidence store (never modified) and note it on the timeline."""
    from cases.parsing import parse_choice, parse_time
    from cases.services import add_evidence, get_case

    ctx = _ctx()
    kind = EvidenceKind(parse_choice(EvidenceKind, opts["kind"], "--kind"))
    current = get_case(ctx, ref)
    captured = (
        parse_time(opts["captured_at"], current.tz, ctx.clock.now())[0]
        if opts["captured_at"]
        else None
    )
    item = add_evidence(
        ctx,
        current.ref,
        file,
        kind,
        note=opts["note"],
        captured_at=captured,
        actor=ctx.settings.who,
    )
    if opts["as_json"]:
        emit_json(
            {
                "ref": current.ref,
                "sha256": item.sha256,
                "name": item.original_name,
                "size": item.size,
                "kind": item.kind.value,
                "captured_at": item.captured_at.astimezone(current.tz).isoformat(),
            }
        )
    else:
        from tui.output import show_size

        click.echo(
            f"{current.ref}: {item.original_name}  sha256={item.sha256}  ({show_size(item.size)})"
        )


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Import even if an order has a live application.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def import_file(file: Path, force: bool, as_json: bool) -> None:
    """Import cases from CSV (UTF-8/BOM or GB18030) or JSON; all rows or none."""
    ctx = _ctx()
    with _without_cycle_collection():
        # Only the references come back: the cases are released before the collector
        # restarts, so it does not start by walking them all once more.
        refs = _import_refs(ctx, file, force, quiet=as_json)
    if as_json:
        emit_json({"imported": len(refs), "refs": refs})
    else:
        click.echo(
            Text("已导入 {n} 个案件", "imported {n} cases", {"n": len(refs)}).render(ctx.lang)
        )


def _import_refs(ctx: Any, file: Path, force: bool, quiet: bool) -> list[str]:
    from cases.importing import read_file
    from cases.services import import_cases, restore_cases

    refs: list[str] = []
    parsed = read_file(file, ctx.settings.tz, ctx.provinces)  # a bad province: its line
    with _progress(len(parsed), quiet or len(parsed) < 2000, ctx.lang) as advance:
        if parsed.records:
            restore_cases(ctx, parsed.records)
            refs += [c.ref for c in parsed.records]
            advance(len(parsed.records))
        if parsed.new:
            created = import_cases(
                ctx, parsed.new, force=force, actor=ctx.settings.who, progress=advance
            )
            refs += [c.ref for c in created]
    return refs


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a file is read and written.

    An import builds hundreds of thousands of objects that all stay alive until the
    transaction commits, and the collector keeps walking them all: a third of the time
    of an import of 10,000 cases. Nothing built here becomes garbage before the end, and
    the collector runs again right after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _progress:
    """A progress bar on stderr for long imports; silent for short ones and for --json."""

    def __init__(self, total: int, quiet: bool, lang: str) -> None:
        self.total, self.quiet, self.lang = total, quiet, lang

    def __enter__(self) -> Any:
        if self.quiet:
            return lambda n: None
        from rich.console import Console
        from rich.progress import Progress

        self.bar = Progress(console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task("导入" if self.lang == "zh" else "importing", total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *args: Any) -> None:
        if not self.quiet:
            self.bar.stop()


@cli.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "ics"]), default="json", show_default=True,
    help="json keeps everything (import reads it back); csv opens in Excel; "
    "ics is a calendar of the open deadlines.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File (default: stdout).")
@friendly
def export(fmt: str, output: Path | None) -> None:
    """Export every case with its deadlines, timeline and evidence references (ics: every
    open deadline, for a calendar)."""
    if fmt == "ics":
        from tui.notify_commands import export_calendar

        return export_calendar(output)
    from cases.importing import export_csv, export_json
    from cases.services import all_cases

    ctx = _ctx()
    cases = all_cases(ctx)
    text = export_csv(cases) if fmt == "csv" else export_json(cases, ctx.clock.now().isoformat())
    if output is None:
        click.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(
            Text(
                "已导出 {n} 个案件到 {path}",
                "exported {n} cases to {path}",
                {"n": len(cases), "path": str(output)},
            ).render(ctx.lang),
            err=True,
        )


@cli.command("rules")
@click.option("--platform", default="", help="Show the rules as they apply to this platform.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def rules(platform: str, as_json: bool) -> None:
    """The deadline rules in force and where each number comes from."""
    ctx = _ctx()
    book = ctx.planner.rules
    items = [book.rule(key, platform) for key in book.keys()]
    if as_json:
        emit_json(
            [
                {"key": r.key, "duration": str(r.duration), "source": r.source.render(ctx.lang)}
                for r in items
            ]
        )
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for head in (("规则", "Rule"), ("时长", "Duration"), ("依据", "Source")):
        table.add_column(head[0] if ctx.lang == "zh" else head[1], overflow="fold")
    for r in items:
        source = escape(r.source.render(ctx.lang))
        table.add_row(escape(r.key), r.duration.describe().render(ctx.lang), source)
    print_rich(table)
