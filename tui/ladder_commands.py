"""Sub-commands for what to send, where, and by when: ``letter``, ``ladder``, ``dossier``."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from cases.i18n import InvalidInput, Lang, Text
from cases.ladder import Trap
from tui.cli import _ctx, cli, emit_json, friendly, print_rich
from tui.files import write_atomically


def _lang(value: str | None) -> Lang:
    from notifications.letters import parse_lang

    return parse_lang(value or "zh")


def _usage(text: str | None) -> str | None:
    if not text:
        return None
    from cases.eligibility import Usage

    usage = Usage.parse(text)
    return f"{usage.used}/{usage.total} {usage.unit.value}"


def _live_others(ctx: Any, case: Any) -> int:
    """Other live refund applications for the same order (a read, nothing is changed)."""
    with ctx.uow() as uow:
        refs = uow.cases.live_applications(case.platform, case.order_no)
    return len([ref for ref in refs if ref != case.ref])


def _province(ctx: Any, case: Any, given: str | None) -> Any:
    """``--province``, else the case's own, else ``REFUNDFLOW_PROVINCE`` (None: none)."""
    return ctx.province_for(case.province, given)


PROVINCE_HELP = ("Province for the police threshold and small-claims cap (default: the case's, "
                 "then REFUNDFLOW_PROVINCE).")

CLIPBOARD_TOOLS = (
    ("wl-copy",), ("xclip", "-selection", "clipboard"), ("xsel", "--clipboard", "--input"),
    ("pbcopy",), ("clip.exe",), ("clip",),
)


def copy_to_clipboard(text: str) -> str:
    """Hand the text to the system clipboard tool; returns the tool's name."""
    for command in CLIPBOARD_TOOLS:
        exe = shutil.which(command[0])
        if exe is None:
            continue
        encoding = "utf-16-le" if command[0].startswith("clip") else "utf-8"
        try:
            subprocess.run([exe, *command[1:]], input=text.encode(encoding), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        return command[0]
    raise InvalidInput(Text(
        "无法复制到剪贴板：没有找到可用的剪贴板工具（wl-copy、xclip、xsel、pbcopy 或 clip）。"
        "请安装其中之一，或用 -o 文件 保存。",
        "Cannot copy to the clipboard: no working clipboard tool found (wl-copy, xclip, "
        "xsel, pbcopy or clip). Install one, or save with -o FILE.",
    ))


def _trap_line(trap: Trap, lang: Lang) -> str:
    if trap.severity == "block":
        head = Text("✗ 会被拒绝（不要提交）：", "✗ will be refused (do not file): ")
    else:
        head = Text("! ", "! ")
    return head.render(lang) + trap.text.render(lang)


@cli.command("letter")
@click.argument("ref")
@click.option("--rung", "rung_key", help="Rung to write for (default: the one to act on now).")
@click.option("--lang", help="Language of the letter: zh (default) or en.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file.")
@click.option("--copy", is_flag=True, help="Copy the letter to the clipboard.")
@click.option("--usage", help="Usage for a pro-rata claim, e.g. '10/30 days'.")
@click.option("--province", help=PROVINCE_HELP)
@friendly
def letter(ref: str, rung_key: str | None, lang: str | None, output: Path | None, copy: bool,
           usage: str | None, province: str | None) -> None:
    """The message or letter to send at a rung: claim, rule, evidence, amount, answer-by date."""
    from cases.services import get_case
    from notifications.guide import rung_traps
    from notifications.letters import render_letter

    ctx = _ctx()
    letter_lang = _lang(lang)
    case = get_case(ctx, ref)
    now = ctx.clock.now()
    written = render_letter(case, rung_key, letter_lang, now, ctx.planner, _usage(usage))
    found = rung_traps(case, written.rung.key, now, live_applications=_live_others(ctx, case),
                       province=_province(ctx, case, province))
    notes = [_trap_line(t, ctx.lang) for t in found]
    notes += [Text("注意：", "note: ").render(ctx.lang) + n.render(ctx.lang)
              for n in written.notes]
    if output is not None:
        write_atomically(output, written.text.encode("utf-8"))
        click.echo(Text("已写入 {path}", "written to {path}").format(
            path=str(output)).render(ctx.lang), err=True)
    if copy:
        tool = copy_to_clipboard(written.text)
        click.echo(Text("已复制到剪贴板（{tool}）", "copied to the clipboard ({tool})").format(
            tool=tool).render(ctx.lang), err=True)
    if output is None and not copy:
        click.echo(written.text, nl=False)
    for line in notes:
        click.echo(line, err=True)


@cli.command("ladder")
@click.argument("ref", required=False)
@click.option("--merchant", help="Draft a joint 12315 complaint for every open case against M.")
@click.option("--province", help=PROVINCE_HELP)
@click.option("--lang", help="Language of the joint complaint: zh (default) or en.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the complaint here.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def ladder_command(ref: str | None, merchant: str | None, province: str | None,
                   lang: str | None, output: Path | None, as_json: bool) -> None:
    """The escalation ladder of a case: dates, traps, evidence; or --merchant M to draft a
    joint complaint."""
    if (ref is None) == (merchant is None):
        raise InvalidInput(Text(
            "请给出一个案件编号（refundflow ladder 编号），或用 --merchant 商家 起草联合投诉，"
            "二者选一。",
            "Give either a case reference (refundflow ladder REF) or --merchant M for a joint "
            "complaint, not both.",
        ))
    ctx = _ctx()
    if merchant is not None:
        _joint(ctx, merchant, _lang(lang), output, as_json)
        return
    from cases.services import get_case
    from notifications.guide import ladder_view, view_json

    case = get_case(ctx, ref or "")
    view = ladder_view(case, ctx.clock.now(), ctx.planner,
                       live_applications=_live_others(ctx, case),
                       province=_province(ctx, case, province))
    if as_json:
        emit_json(view_json(view, ctx.lang))
        return
    print_rich(*_ladder_page(view, ctx.lang))


def _ladder_page(view: Any, lang: Lang) -> list[object]:
    from rich.table import Table

    from cases.eligibility import format_money
    from notifications.guide import STATUS
    from notifications.letters import show_due

    case = view.case
    def r(text: Text) -> str:
        return text.render(lang)

    def when(moment: datetime | None) -> str:
        return "—" if moment is None else show_due(moment, case)

    head = Text("{ref} · {reason} · {amount} · 当前一步：{rung}",
                "{ref} · {reason} · {amount} · step to take now: {rung}").format(
        ref=case.ref, reason=case.reason.text(), amount=format_money(case.amount, case.currency),
        rung=next(row.rung.name for row in view.rows if row.rung.key == view.current))
    table = Table(box=None, header_style="bold", pad_edge=False, show_lines=False)
    for zh, en in (("#", "#"), ("维权阶梯", "Rung"), ("状态", "Status"), ("最早", "Earliest"),
                   ("最晚安全日期", "Last safe date"), ("提醒", "Traps")):
        table.add_column(zh if lang == "zh" else en, overflow="fold")
    for row in view.rows:
        status = r(STATUS[row.status])
        if row.status == "current":
            status = f"[bold]{status}[/bold]"
        last = when(row.last_safe) if row.last_safe else "—"
        traps = "\n".join(_trap_line(t, lang) for t in row.traps)
        if any(t.severity == "block" for t in row.traps):
            traps = f"[red]{traps}[/red]"
        table.add_row(str(row.rung.order), r(row.rung.name), status,
                      when(row.earliest) if row.status != "skipped" else "—", last, traps)
    out: list[object] = [r(head), table]
    current = next(row for row in view.rows if row.status == "current")
    due = current.due
    out.append(r(Text(
        "\n现在：{name} → {to}\n发送：{send}\n答复期限：{due}（生成信函：refundflow letter {ref}）",
        "\nNow: {name} → {to}\nSend: {send}\nAnswer expected by: {due} (the text: refundflow "
        "letter {ref})",
    ).format(name=current.rung.name, to=current.rung.to_whom, send=current.rung.send,
             due=when(due.due_at) if due else "—", ref=case.ref)))
    checks = [("✓ " if not c.missing else "✗ ") + c.need.kind.label(lang) + "：" + r(c.need.what)
              if lang == "zh" else ("✓ " if not c.missing else "✗ ") + c.need.kind.label(lang)
              + ": " + r(c.need.what) for c in current.checks]
    out.append(r(Text("证据核对：", "Evidence check:")) + "\n  " + "\n  ".join(checks))
    out.append(r(Text("始终注意：", "Always:")) + "\n" + "\n".join(
        "  - " + r(w) for w in view.warnings))
    if view.notes:
        out.append(r(Text("省份数据：", "Province figures:")) + "\n" + "\n".join(
            "  - " + r(n) for n in view.notes))
    return out


def _joint(ctx: Any, merchant: str, lang: Lang, output: Path | None, as_json: bool) -> None:
    from cases.eligibility import format_money
    from cases.services import get_case, list_cases
    from cases.vocabulary import Stage
    from notifications.letters import amounts, claim_for, render_joint

    wanted = merchant.strip().casefold()
    refs = sorted(row.ref for row in list_cases(ctx) if row.stage != Stage.CLOSED
                  and wanted in ((row.merchant or "").strip().casefold(),
                                 row.platform.strip().casefold()))
    cases = [get_case(ctx, ref) for ref in refs]
    now = ctx.clock.now()
    text = render_joint(cases, merchant.strip(), lang, now)
    if output is not None:
        write_atomically(output, text.encode("utf-8"))
    if as_json:
        emit_json({
            "respondent": merchant.strip(),
            "cases": [{"ref": c.ref, "platform": c.platform, "merchant": c.merchant,
                       "order": c.order_no, "amount": str(c.amount), "currency": c.currency,
                       "claim": str(amounts(c, claim_for(c, now)).due)} for c in cases],
            "complaint": text,
        })
    elif output is None:
        click.echo(text, nl=False)
    if output is not None:
        total = sum((amounts(c, claim_for(c, now)).due for c in cases), start=Decimal(0))
        click.echo(Text("已写入 {path}：{n} 个案件，诉求合计 {total}",
                        "written to {path}: {n} cases, {total} claimed in total").format(
            path=str(output), n=len(cases),
            total=format_money(total, cases[0].currency)).render(ctx.lang), err=True)


@cli.command("dossier")
@click.argument("ref")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="The zip file to write.")
@click.option("--rung", "rung_key", help="Rung of the letter inside (default: the one to act on).")
@click.option("--lang", help="Language of the letter and index: zh (default) or en.")
@click.option("--usage", help="Usage for a pro-rata claim, e.g. '10/30 days'.")
@click.option("--province", help=PROVINCE_HELP)
@friendly
def dossier(ref: str, output: Path | None, rung_key: str | None, lang: str | None,
            usage: str | None, province: str | None) -> None:
    """One zip for 12315 or a lawyer: letter, evidence in order with hashes, timeline, index."""
    from notifications.dossier import make_dossier

    ctx = _ctx()
    if output is None:
        raise InvalidInput(Text("请用 -o 文件.zip 指定输出文件。",
                                "Say where to write the dossier: -o FILE.zip."))
    built = make_dossier(ctx, ref, _lang(lang), rung_key=rung_key, usage=_usage(usage),
                         province=province)
    write_atomically(output, built.data)
    click.echo(Text("已生成 {path}：{n} 个文件，其中证据 {e} 份",
                    "wrote {path}: {n} files, {e} of them evidence").format(
        path=str(output), n=len(built.manifest["files"]) + 1,
        e=built.evidence_count).render(ctx.lang))
    if not built.verification.ok:
        click.echo(Text("警告：完整性检查未通过，材料包首页已注明：",
                        "warning: the integrity check failed; the dossier says so on its "
                        "first page:").render(ctx.lang), err=True)
        for problem in built.verification.problems:
            click.echo("  - " + problem.render(ctx.lang), err=True)


@cli.command("provinces")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text (for scripts).")
@friendly
def provinces(as_json: bool) -> None:
    """Every province (the names --province accepts) with the figures known for it."""
    from notifications.guide import figure_source, figure_unknown

    ctx = _ctx()
    now = ctx.clock.now()
    table = sorted(ctx.provinces.provinces.values(), key=lambda p: p.en)

    def figure(value: Any) -> Any:
        if value is None:
            return None
        return {"amount": str(value.amount), "year": value.year or None,
                "verified": value.verified, "source": figure_source(value, now).render(ctx.lang)}

    rows = [{"name": p.name, "full": p.full or None, "en": p.en, "kind": p.kind or None,
             "names": list(p.names()),
             "fraud_threshold": figure(p.fraud_threshold),
             "small_claims_cap": figure(p.small_claims_cap),
             "not_known": [figure_unknown(p, key).render(ctx.lang)
                           for key in ("fraud_threshold", "small_claims_cap")
                           if p.figure(key) is None]} for p in table]
    if as_json:
        emit_json(rows)
        return
    from rich.markup import escape
    from rich.table import Table

    from cases.eligibility import format_money
    from cases.ladder import TrapLimits

    national = TrapLimits()
    out = Table(box=None, header_style="bold", pad_edge=False)
    heads = (("省份", "Province"), ("英文名", "English"), ("诈骗罪“数额较大”", "Fraud threshold"),
             ("小额诉讼上限", "Small-claims cap"), ("来源", "Source"))
    for zh, en in heads:
        out.add_column(zh if ctx.lang == "zh" else en, overflow="fold")
    unknown = Text("未知", "not known").render(ctx.lang)
    for p in table:
        known = [p.fraud_threshold, p.small_claims_cap]
        cells = [unknown + " †" if v is None
                 else format_money(v.amount, "CNY") + ("" if v.verified else " *") for v in known]
        sources = "\n".join(escape(figure_source(v, now).render(ctx.lang)) for v in known if v)
        out.add_row(p.name, p.en, *cells, sources)
    print_rich(out, Text(
        "* 未核实：使用前请查当年的官方数字。\n"
        "† 未知：refundflow 还没有该省的数据；维权阶梯会按全国范围 {low} 至 {high} 提示报案门槛，"
        "并请你向当地法院查询小额诉讼上限。查到后写入 $REFUNDFLOW_HOME/provinces.toml，例如 "
        "[\"广东\".small_claims_cap] 下的 amount、year、source、verified（见 docs/letters.md）。\n"
        "--province 也接受全称（广东省）、英文名（Guangdong）和简称（粤）；--json 列出全部名称。",
        "* unverified: check the current official figure before relying on it.\n"
        "† not known: refundflow has no figure for that province yet; the ladder then gives the "
        "national range of {low} to {high} for the police threshold and asks you to look the "
        "small-claims cap up. Add a figure in $REFUNDFLOW_HOME/provinces.toml, e.g. amount, year, "
        "source and verified under [\"广东\".small_claims_cap] (see docs/letters.md).\n"
        "--province also takes the official name (广东省), the English name (Guangdong) and the "
        "abbreviation (粤); --json lists every name.",
    ).format(low=f"¥{national.fraud_low:,.0f}",
             high=f"¥{national.fraud_high:,.0f}").render(ctx.lang))
