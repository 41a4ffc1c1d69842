"""``refundflow doctor``: what is wrong with this installation, and what to do about it.

Each check says ok, warn or fail, in the user's language, with the fix. Nothing here
starts anything or changes a case; Prefect is asked over plain HTTP (no Prefect import).
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cases.bootstrap import Context
from cases.i18n import Lang, Text
from flows import control

MIN_FREE_BYTES = 200 * 2**20


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # ok | warn | fail
    said: Text
    fix: Text | None = None

    def line(self, lang: Lang) -> str:
        mark = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}[self.level]
        text = f"{mark} {self.name}: {self.said.render(lang)}"
        return text + (f"\n     → {self.fix.render(lang)}" if self.fix else "")

    def as_json(self, lang: Lang) -> dict[str, Any]:
        return {"check": self.name, "level": self.level, "said": self.said.render(lang),
                "fix": self.fix.render(lang) if self.fix else None}


def run_checks(ctx: Context) -> list[Check]:
    checks = [check_home(ctx), check_database(ctx)]
    report = control.status(ctx.settings)
    checks.append(check_service(ctx, report))
    checks.append(check_prefect(ctx, report))
    checks.append(check_holidays(ctx))
    return checks


def check_home(ctx: Context) -> Check:
    home = ctx.settings.home
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check("home", "fail", Text("数据目录 {home} 不可写：{err}",
                                          "the data directory {home} is not writable: {err}",
                                          {"home": str(home), "err": str(exc)}),
                     Text("修正权限，或用 REFUNDFLOW_HOME 指定另一个目录",
                          "fix its permissions, or point REFUNDFLOW_HOME elsewhere"))
    free = shutil.disk_usage(home).free
    if free < MIN_FREE_BYTES:
        return Check("home", "warn", Text("{home} 所在磁盘只剩 {mb} MB",
                                          "only {mb} MB free on the disk of {home}",
                                          {"home": str(home), "mb": free // 2**20}),
                     Text("清理磁盘空间：数据库和证据文件需要空间",
                          "free some space: the database and evidence files need it"))
    return Check("home", "ok", Text("{home} 可写", "{home} is writable", {"home": str(home)}))


def check_database(ctx: Context) -> Check:
    from cases.store.db import HEAD, current_revision

    try:
        revision = current_revision(ctx.engine)
        with ctx.uow() as uow:
            count = sum(1 for _ in uow.cases.all_refs())
    except Exception as exc:
        return Check("database", "fail", Text("无法打开数据库：{err}",
                                              "cannot open the database: {err}",
                                              {"err": str(exc).splitlines()[0]}),
                     Text("检查 REFUNDFLOW_DATABASE_URL 以及数据库服务是否在运行",
                          "check REFUNDFLOW_DATABASE_URL and that the database server runs"))
    if revision != HEAD:
        return Check("database", "fail", Text("数据库结构版本 {rev}，程序需要 {head}",
                                              "schema revision {rev}, the code needs {head}",
                                              {"rev": revision, "head": HEAD}),
                     Text("运行任意 refundflow 命令会自动升级；若失败请查看 logs/errors.log",
                          "any refundflow command upgrades it; if that fails see logs/errors.log"))
    return Check("database", "ok", Text("{n} 个案件（{url}）", "{n} cases ({url})",
                                        {"n": count, "url": _redacted(ctx.settings.db_url)}))


def check_service(ctx: Context, report: dict[str, Any]) -> Check:
    if not report["running"]:
        return Check("service", "warn", Text("后台服务没有运行：期限不会按时处理，提醒不会发出",
                                             "the service is not running: deadlines are not "
                                             "acted on and no reminders go out"),
                     Text("运行 refundflow service start（打开界面时会自动启动）",
                          "run `refundflow service start` (opening the TUI starts it too)"))
    if not report.get("responsive"):
        return Check("service", "fail", Text("后台服务（pid {pid}）无响应",
                                             "the service (pid {pid}) does not respond",
                                             {"pid": report["pid"]}),
                     Text("查看 {log}，然后 refundflow service stop && refundflow service start",
                          "read {log}, then `refundflow service stop && refundflow service "
                          "start`", {"log": report["log"]}))
    bad = [name for name, part in report["parts"].items() if not part.get("ok")]
    if bad:
        return Check("service", "warn", Text("后台服务运行中，但这些部分有问题：{parts}",
                                             "the service runs but these parts are not well: "
                                             "{parts}", {"parts": ", ".join(bad)}),
                     Text("refundflow service status 查看详情，日志在 {logs}",
                          "see `refundflow service status`; logs are in {logs}",
                          {"logs": str(ctx.settings.home / "logs")}))
    return Check("service", "ok", Text("运行中（pid {pid}）", "running (pid {pid})",
                                       {"pid": report["pid"]}))


def check_prefect(ctx: Context, report: dict[str, Any]) -> Check:
    url = report.get("prefect_api_url") or os.environ.get("PREFECT_API_URL")
    if not ctx.settings.orchestrate:
        return Check("prefect", "ok", Text("未启用（REFUNDFLOW_ORCHESTRATE=false）",
                                           "not used (REFUNDFLOW_ORCHESTRATE=false)"))
    if not url:
        return Check("prefect", "warn", Text("没有 Prefect API：后台服务启动时会在本机启动一个",
                                             "no Prefect API yet: the service starts a local "
                                             "one when it starts"),
                     Text("运行 refundflow service start", "run `refundflow service start`"))
    try:
        version = _get_json(f"{url}/admin/version")
        name = f"refund-case/{ctx.settings.prefect_deployment}"
        _get_json(f"{url}/deployments/name/{name}")
    except OSError as exc:
        return Check("prefect", "fail", Text("无法访问 Prefect API {url}：{err}",
                                             "cannot reach the Prefect API at {url}: {err}",
                                             {"url": url, "err": str(exc)}),
                     Text("本机：refundflow service stop && refundflow service start；团队：检查"
                          " PREFECT_API_URL 和 Prefect 服务器（docs/team.md）",
                          "on one machine restart the service; in a team check "
                          "PREFECT_API_URL and the Prefect server (docs/team.md)"))
    return Check("prefect", "ok", Text("{url}（Prefect {v}），部署 {name} 已就绪",
                                       "{url} (Prefect {v}), deployment {name} ready",
                                       {"url": url, "v": version, "name": name}))


def check_holidays(ctx: Context) -> Check:
    calendar = ctx.planner.calendar
    this_year = datetime.now(UTC).year
    years = [year for year in range(this_year - 1, this_year + 2) if calendar.is_official(year)]
    missing = [year for year in (this_year, this_year + 1) if not calendar.is_official(year)]
    if this_year in missing:
        level = "fail"
    elif missing:
        level = "warn"
    else:
        level = "ok"
    said = Text("官方节假日数据覆盖：{years}", "official holiday data covers: {years}",
                {"years": ", ".join(map(str, years)) or "-"})
    if not missing:
        return Check("holidays", level, said)
    return Check("holidays", level, said, Text(
        "{years} 年没有官方放假安排：这些年的期限是暂定的。升级 chinesecalendar"
        "（pip install -U chinesecalendar），或在 holidays.toml 中写入国务院通知",
        "no official schedule for {years}: deadlines there are provisional. Upgrade "
        "chinesecalendar (pip install -U chinesecalendar) or add the State Council notice "
        "to holidays.toml", {"years": ", ".join(map(str, missing))}))


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
        return json.loads(answer.read().decode("utf-8"))


def _redacted(url: str) -> str:
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://…@{tail}"
