#!/usr/bin/env python3
"""Benchmark: ``refundflow import`` and ``refundflow case list --overdue --json`` against
Taskwarrior's ``task import`` and ``task +OVERDUE count``, every command timed as a whole
process (start-up included), in one run on one machine.

Not a test. Run from the repository root::

    .venv/bin/python bench/import_and_list.py [--sizes 10000,100000] [--repeat 3] [--keep DIR]

Targets (from the issue):
  * importing 10,000 cases is no slower than Taskwarrior importing 10,000 tasks;
  * listing overdue cases at 100,000 is no slower than ``task +OVERDUE count`` at 10,000.

Prints a table, the ratios with PASS/FAIL, and where refundflow's time goes (import-time
and cProfile), and writes the same to ``bench/out/import_and_list.json``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "import_and_list.json"
BIN = Path(sys.executable).parent
REFUNDFLOW = BIN / "refundflow"
PYTHON = Path(sys.executable)

CST = timezone(timedelta(hours=8))
FROZEN_NOW = datetime(2026, 10, 20, 10, 0, tzinfo=CST)
FROZEN_NOW_TEXT = "2026-10-20T10:00+08:00"
PAID_FROM = datetime(2026, 1, 1, 0, 0, tzinfo=CST)

PLATFORMS = ["115卡盟"] * 4 + ["易购卡盟", "小黑卡盟", "发卡网", "闲鱼", "淘宝虚拟店"]
MERCHANTS = ["星辰数码", "极速发卡", "会员小铺", "云端卡券", None, None]
PRODUCTS = [
    ("爱奇艺黄金会员年卡", "198.00"), ("腾讯视频VIP月卡", "25.00"), ("优酷会员季卡", "58.00"),
    ("网易云音乐黑胶VIP年卡", "158.00"), ("QQ音乐绿钻月卡", "18.00"),
    ("百度网盘超级会员年卡", "298.00"), ("迅雷白金会员", "149.00"), ("WPS超级会员年卡", "179.00"),
    ("Steam充值卡", "100.00"), ("王者荣耀点券", "60.00"), ("原神创世结晶", "328.00"),
    ("京东E卡", "200.00"), ("话费充值", "100.00"), ("喜马拉雅VIP年卡", "218.00"),
    ("哔哩哔哩大会员", "148.00"), ("ChatGPT Plus 代充", "168.00"), ("永久VIP激活码", "9.90"),
]
CHANNELS = ["alipay", "wechat", "bank_card", "credit_card", "other"]
REASONS = [
    "not_activated", "not_as_described", "duplicate_payment", "platform_fault",
    "platform_gone", "false_promise", "mistaken_purchase", "partly_used", "other",
]
NOTES = ["卡密无效", "客服不回复", "充值未到账", "页面承诺永久有效", None, None, None]
ASSIGNEES = ["张伟", "李娜", "王芳", None]
CASE_COLUMNS = [
    "platform", "order", "product", "amount", "currency", "channel", "reason", "paid_at",
    "merchant", "zone", "note", "usage", "assignee", "submitted_at", "refund_no",
]


# --------------------------------------------------------------------------- data
@dataclass
class Row:
    platform: str
    order: str
    product: str
    amount: str
    channel: str
    reason: str
    paid_at: datetime
    merchant: str | None
    note: str | None
    usage: str | None
    assignee: str | None
    submitted_at: datetime | None
    refund_no: str | None


def generate(n: int, seed: int) -> list[Row]:
    """``n`` realistic cases, the same for the same seed; order numbers are unique."""
    rng = random.Random(seed)
    span = (FROZEN_NOW - timedelta(hours=1) - PAID_FROM).total_seconds()
    orders = rng.sample(range(10**11, 10**12), n)
    rows = []
    for i in range(n):
        product, price = rng.choice(PRODUCTS)
        amount = Decimal(price)
        if rng.random() < 0.3:  # odd amounts: discounts, partial top-ups
            amount = (amount * Decimal(rng.randint(50, 100)) / 100).quantize(Decimal("0.01"))
        reason = REASONS[i % len(REASONS)] if i < len(REASONS) else rng.choice(REASONS)
        if rng.random() < 0.01:  # bought in the last day: an open, not yet overdue window
            paid = FROZEN_NOW - timedelta(minutes=rng.randint(5, 23 * 60))
        else:
            paid = PAID_FROM + timedelta(seconds=rng.uniform(0, span))
        paid = paid.replace(second=0, microsecond=0)
        submitted = None
        if rng.random() < 0.6:
            submitted = paid + timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600))
            if submitted >= FROZEN_NOW:
                submitted = FROZEN_NOW - timedelta(minutes=rng.randint(1, 120))
            if submitted < paid:
                submitted = paid
        rows.append(
            Row(
                platform=rng.choice(PLATFORMS),
                order=f"{orders[i]}",
                product=product,
                amount=f"{amount:.2f}",
                channel=CHANNELS[i % len(CHANNELS)] if i < 5 else rng.choice(CHANNELS),
                reason=reason,
                paid_at=paid,
                merchant=rng.choice(MERCHANTS),
                note=rng.choice(NOTES),
                usage=f"{rng.randint(1, 29)}/30 days" if reason == "partly_used" else None,
                assignee=rng.choice(ASSIGNEES),
                submitted_at=submitted,
                refund_no=f"TK{rng.randint(10**13, 10**14 - 1)}" if submitted and rng.random() < 0.5
                else None,
            )
        )
    return rows


def write_csv(rows: list[Row], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(CASE_COLUMNS)
        for r in rows:
            out.writerow([
                r.platform, r.order, r.product, r.amount, "CNY", r.channel, r.reason,
                r.paid_at.isoformat(timespec="minutes"), r.merchant or "", "", r.note or "",
                r.usage or "", r.assignee or "",
                r.submitted_at.isoformat(timespec="minutes") if r.submitted_at else "",
                r.refund_no or "",
            ])


def add_working_days(start: datetime, days: int) -> datetime:
    """Weekends only (Taskwarrior knows no Chinese holiday calendar); close enough for a share."""
    at = start
    while days:
        at += timedelta(days=1)
        if at.weekday() < 5:
            days -= 1
    return at


def tw_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def write_tasks(rows: list[Row], path: Path, shift: timedelta, seed: int) -> int:
    """The same cases as Taskwarrior tasks (JSON lines); submitted ones are due like a review.

    Taskwarrior's clock cannot be frozen, so every date is shifted by (real now - frozen now):
    the share of overdue tasks then matches the share of overdue cases.
    """
    rng = random.Random(seed + 1)
    expected_overdue = 0
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            task: dict[str, Any] = {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "status": "pending",
                "description": f"{r.product} 订单 {r.order} 退款 {r.amount} CNY",
                "project": "refund." + r.platform,
                "entry": tw_date(r.paid_at + shift),
                "tags": [r.channel, r.reason],
            }
            if r.submitted_at is not None:
                due = add_working_days(r.submitted_at, 3)
                task["due"] = tw_date(due + shift)
                expected_overdue += due <= FROZEN_NOW
            fh.write(json.dumps(task, ensure_ascii=False) + "\n")
    return expected_overdue


# --------------------------------------------------------------------------- processes
@dataclass
class Run:
    wall: float
    rss_kib: int
    rc: int
    timed_out: bool = False


def run(cmd: list[str], env: dict[str, str], stdout: Any = subprocess.DEVNULL,
        stderr: Any = subprocess.DEVNULL, timeout: float | None = None) -> Run:
    """Wall clock and peak RSS of exactly this child (``os.wait4``), with a kill on timeout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                            stderr=stderr, cwd=ROOT)
    timer = threading.Timer(timeout, proc.kill) if timeout else None
    if timer:
        timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        if timer:
            timer.cancel()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    timed_out = bool(timeout) and proc.returncode == -9 and wall >= timeout  # type: ignore[operator]
    return Run(wall, usage.ru_maxrss, proc.returncode, timed_out)


def check(r: Run, what: str, err: Path | None = None) -> None:
    if r.rc != 0 and not r.timed_out:
        tail = err.read_text(errors="replace")[-2000:] if err and err.exists() else ""
        raise SystemExit(f"{what} failed (exit {r.rc}):\n{tail}")


@dataclass
class Figure:
    label: str
    size: int
    runs: list[float] = field(default_factory=list)
    rss_mib: float = 0.0
    rows: int | None = None
    note: str = ""

    @property
    def best(self) -> float | None:
        return min(self.runs) if self.runs else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "best_s": self.best, "median_s": self.median}


def refundflow_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFUNDFLOW_")}
    env.update(REFUNDFLOW_HOME=str(home), REFUNDFLOW_NOW=FROZEN_NOW_TEXT,
               REFUNDFLOW_LANG="en", REFUNDFLOW_ACTOR="bench")
    return env


def task_env(data: Path, rc: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TASKRC", "TASKDATA")}
    env.update(TASKRC=str(rc), TASKDATA=str(data))
    return env


TASK_OVERRIDES = ["rc.confirmation=off", "rc.verbose=nothing", "rc.hooks=off",
                  "rc.recurrence=off", "rc.color=off", "rc.json.array=on"]


def write_taskrc(rc: Path, data: Path) -> None:
    # gc stays on (Taskwarrior's default; taskrc(5) warns against gc=0 as a standing setting).
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\n"
        "recurrence=off\ncolor=off\nnag=\n",
        encoding="utf-8",
    )


# --------------------------------------------------------------------------- profiles
PROFILE_SNIPPET = (
    "import cProfile,sys; sys.argv=['refundflow',{args}]; from tui.entry import main; "
    "cProfile.run('main()', {out!r})"
)


def cprofile(args: list[str], env: dict[str, str], out: Path, top: int = 15) -> dict[str, Any]:
    code = PROFILE_SNIPPET.format(args=",".join(repr(a) for a in args), out=str(out))
    err = out.with_suffix(".err")
    with err.open("wb") as fh:
        r = run([str(PYTHON), "-c", code], env, stderr=fh)
    # click ends main() with SystemExit(0), which cProfile.run lets through after saving.
    if not out.exists():
        raise SystemExit(f"profile of {args} failed (exit {r.rc}):\n{err.read_text()[-2000:]}")
    texts = {}
    own = r"/(cases|tui)/[a-z_/]+\.py"  # refundflow's own modules, before strip_dirs()
    for name, key, restrict in (("cumulative", "cumulative", [top]),
                                ("own_cumulative", "cumulative", [own, top]),
                                ("tottime", "tottime", [12])):
        buf = io.StringIO()
        stats = pstats.Stats(str(out), stream=buf)
        if restrict[0] != own:
            stats.strip_dirs()  # before sorting: strip_dirs() drops the sort order
        stats.sort_stats(key).print_stats(*restrict)
        texts[name] = _trim_pstats(buf.getvalue(), shorten=restrict[0] == own)
    return {"wall_s": r.wall, **texts}


def _trim_pstats(text: str, shorten: bool = False) -> str:
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls")), 0)
    total = next((ln.strip() for ln in lines if "function calls" in ln), "")
    body = [ln for ln in lines[start:] if ln.strip()]
    if shorten:  # /…/work/main/cases/store/uow.py:89 -> cases/store/uow.py:89
        body = [re.sub(r"\S*/((?:cases|tui)/\S+)", r"\1", ln) for ln in body]
    return "\n".join([total, *body])


def importtime(args: list[str], env: dict[str, str], err: Path, top: int = 12) -> dict[str, Any]:
    code = f"import sys; sys.argv=['refundflow',{','.join(repr(a) for a in args)}]; " \
           "from tui.entry import main; main()"
    with err.open("wb") as fh:
        r = run([str(PYTHON), "-X", "importtime", "-c", code], env, stderr=fh)
    entries = []  # (cumulative us, depth, name) for top-level imports of the program
    pat = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")
    for line in err.read_text(errors="replace").splitlines():
        m = pat.match(line)
        if m:
            entries.append((int(m.group(2)), len(m.group(3)) - 1, m.group(4)))
    top_level = [e for e in entries if e[1] == 0]
    total_us = sum(e[0] for e in top_level)
    biggest = sorted(top_level, reverse=True)[:top]
    # Whole packages wherever they were first imported (holidays under cases.workdays, …).
    packages: dict[str, int] = {}
    for us, _, name in entries:
        if "." not in name and name not in packages:
            packages[name] = us
    heavy = sorted(((us, name) for name, us in packages.items()), reverse=True)[:top]
    return {
        "wall_s": r.wall,
        "total_import_s": total_us / 1e6,
        "top": [{"module": name, "cumulative_s": us / 1e6} for us, _, name in biggest],
        "packages": [{"package": name, "cumulative_s": us / 1e6} for us, name in heavy],
    }


# --------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000",
                    help="case counts for refundflow (default 10000,100000)")
    ap.add_argument("--baseline-size", type=int, default=10000,
                    help="task count for Taskwarrior (default 10000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each list/count (default 3)")
    ap.add_argument("--seed", type=int, default=20261020)
    ap.add_argument("--keep", type=Path, help="keep the data here instead of a temp dir")
    ap.add_argument("--import-timeout", type=float, default=900.0,
                    help="seconds before an import is stopped (default 900 = 15 min)")
    ap.add_argument("--no-profile", action="store_true", help="skip importtime and cProfile")
    opts = ap.parse_args()
    sizes = [int(s.replace("_", "")) for s in opts.sizes.split(",") if s.strip()]
    if not REFUNDFLOW.exists():
        raise SystemExit(f"no {REFUNDFLOW}; install the package into this venv first")
    if shutil.which("task") is None:
        raise SystemExit("Taskwarrior is not installed (apt-get install -y taskwarrior)")

    if opts.keep:
        opts.keep.mkdir(parents=True, exist_ok=True)
        base = Path(tempfile.mkdtemp(prefix="bench-", dir=opts.keep))
    else:
        base = Path(tempfile.mkdtemp(prefix="refundflow-bench-"))
    try:
        return bench(opts, sizes, base)
    finally:
        if opts.keep:
            print(f"\ndata kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def compile_sources() -> None:
    """Byte-compile refundflow's own modules, as a first run on a user's machine does.

    An editable install leaves them uncompiled, and with PYTHONDONTWRITEBYTECODE set (as
    in some sandboxes and CI images) every timed process would compile them again.
    """
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", "cases", "tui", "flows",
                    "notifications"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def bench(opts: argparse.Namespace, sizes: list[int], base: Path) -> int:
    compile_sources()
    task_version = subprocess.run(["task", "--version"], capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL).stdout.strip()
    env_info = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
        "taskwarrior": task_version, "machine": platform.platform(),
        "cpus": os.cpu_count(), "frozen_now": FROZEN_NOW_TEXT, "seed": opts.seed,
        "repeat": opts.repeat,
    }
    print(f"# refundflow vs Taskwarrior {task_version} · Python {env_info['python']} · "
          f"SQLite {env_info['sqlite']} · {env_info['cpus']} CPUs · {env_info['machine']}",
          flush=True)
    figures: list[Figure] = []
    homes: dict[int, Path] = {}
    csvs: dict[int, Path] = {}
    meta: dict[str, Any] = {}

    # ---- refundflow
    for n in sizes:
        rows = generate(n, opts.seed)
        csv_path = base / f"cases-{n}.csv"
        write_csv(rows, csv_path)
        csvs[n] = csv_path
        submitted = sum(r.submitted_at is not None for r in rows)
        meta[f"cases_{n}"] = {"submitted": submitted, "csv_bytes": csv_path.stat().st_size}
        home = base / f"home-{n}"
        homes[n] = home
        env = refundflow_env(home)
        print(f"refundflow: importing {n:,} cases ({submitted:,} submitted) …", flush=True)
        out, err = base / f"import-{n}.out", base / f"import-{n}.err"
        with out.open("wb") as fo, err.open("wb") as fe:
            r = run([str(REFUNDFLOW), "import", str(csv_path), "--json"], env, fo, fe,
                    timeout=opts.import_timeout)
        fig = Figure("refundflow import", n, rss_mib=r.rss_kib / 1024)
        figures.append(fig)
        if r.timed_out:
            fig.note = f"stopped after {opts.import_timeout:.0f} s"
            print(f"  import of {n:,} exceeded {opts.import_timeout:.0f} s; stopped", flush=True)
            continue
        check(r, f"refundflow import {n}", err)
        fig.runs.append(r.wall)
        fig.rows = json.loads(out.read_text(encoding="utf-8"))["imported"]
        print(f"  {r.wall:.2f} s, peak RSS {fig.rss_mib:.0f} MiB", flush=True)

        lst = Figure("refundflow case list --overdue --json", n)
        figures.append(lst)
        cmd = [str(REFUNDFLOW), "case", "list", "--overdue", "--json"]
        rss = 0
        for _ in range(opts.repeat):
            with err.open("wb") as fe:
                r = run(cmd, env, stderr=fe)
            check(r, "refundflow case list", err)
            lst.runs.append(r.wall)
            rss = max(rss, r.rss_kib)
        lst.rss_mib = rss / 1024
        listed = base / f"list-{n}.json"
        with listed.open("wb") as fo:
            check(run(cmd, env, fo), "refundflow case list (count)")
        lst.rows = len(json.loads(listed.read_text(encoding="utf-8")))
        print(f"  list --overdue: best {lst.best:.3f} s, {lst.rows:,} rows", flush=True)

    # ---- Taskwarrior baseline
    n = opts.baseline_size
    rows = generate(n, opts.seed)
    shift = datetime.now(UTC) - FROZEN_NOW
    tasks = base / f"tasks-{n}.jsonl"
    expected = write_tasks(rows, tasks, shift, opts.seed)
    data, rc = base / "taskdata", base / "taskrc"
    data.mkdir()
    write_taskrc(rc, data)
    tenv = task_env(data, rc)
    print(f"taskwarrior: importing {n:,} tasks …", flush=True)
    err = base / "task-import.err"
    with err.open("wb") as fe:
        r = run(["task", *TASK_OVERRIDES, "import", str(tasks)], tenv, stderr=fe,
                timeout=opts.import_timeout)
    check(r, "task import", err)
    twi = Figure("taskwarrior import", n, [r.wall], r.rss_kib / 1024, rows=n)
    figures.append(twi)
    print(f"  {r.wall:.2f} s, peak RSS {twi.rss_mib:.0f} MiB", flush=True)
    twc = Figure("taskwarrior +OVERDUE count", n)
    rss, counted = 0, None
    for _ in range(opts.repeat):
        out = base / "task-count.out"
        with out.open("wb") as fo:
            r = run(["task", *TASK_OVERRIDES, "+OVERDUE", "count"], tenv, fo)
        check(r, "task +OVERDUE count")
        twc.runs.append(r.wall)
        rss = max(rss, r.rss_kib)
        counted = int(out.read_text().strip() or 0)
    twc.rss_mib, twc.rows = rss / 1024, counted
    twc.note = f"expected ≈{expected:,}"
    figures.append(twc)
    print(f"  +OVERDUE count: best {twc.best:.3f} s, count {counted:,}", flush=True)

    # ---- table and ratios
    print()
    print(f"{'measurement':40} {'size':>8} {'best s':>9} {'median s':>9} {'peak MiB':>9} "
          f"{'rows':>8}  note")
    for f in figures:
        best = "—" if f.best is None else f"{f.best:.3f}"
        med = "—" if f.median is None else f"{f.median:.3f}"
        rows_txt = "—" if f.rows is None else f"{f.rows:,}"
        print(f"{f.label:40} {f.size:>8,} {best:>9} {med:>9} {f.rss_mib:>9.0f} {rows_txt:>8}  "
              f"{f.note}")

    def find(label: str, size: int) -> Figure | None:
        return next((f for f in figures if f.label == label and f.size == size), None)

    ratios = []
    target_import = 10000 if 10000 in sizes else sizes[0]
    target_list = 100000 if 100000 in sizes else sizes[-1]
    pairs = [
        (f"refundflow import {target_import // 1000}k / taskwarrior import {n // 1000}k",
         find("refundflow import", target_import), twi, True),
    ]
    for size in sorted(set(sizes)):
        pairs.append((
            f"refundflow list --overdue at {size // 1000}k / taskwarrior +OVERDUE count at "
            f"{n // 1000}k",
            find("refundflow case list --overdue --json", size), twc, size == target_list,
        ))
    print()
    print(f"{'ratio (median / median; < 1 means refundflow is faster)':78} {'ratio':>7} "
          f"{'best/best':>9}  verdict")
    failed = False
    for name, ours, theirs, is_target in pairs:
        if ours is None or ours.median is None:
            ratio = best_ratio = None
            verdict = "FAIL (no figure: stopped or skipped)" if is_target else "—"
        else:
            ratio = ours.median / theirs.median  # type: ignore[operator]
            best_ratio = ours.best / theirs.best  # type: ignore[operator]
            verdict = ("PASS" if ratio <= 1.0 else "FAIL") if is_target else "(info)"
        failed |= is_target and verdict.startswith("FAIL")
        r_txt = "—" if ratio is None else f"{ratio:.2f}"
        b_txt = "—" if best_ratio is None else f"{best_ratio:.2f}"
        print(f"{name:78} {r_txt:>7} {b_txt:>9}  {verdict}")
        ratios.append({"name": name, "ratio_median": ratio, "ratio_best": best_ratio,
                       "target": is_target, "verdict": verdict})

    # ---- floors: what any Python program storing these rows in SQLite must spend
    floors = measure_floors(base, homes.get(target_import), csvs.get(target_import), opts.repeat)
    if floors:
        tw = twi.median or 0.0
        print(f"\n## floors at {target_import:,} cases (median of {opts.repeat}), "
              f"against Taskwarrior's import of {n:,} ({tw:.3f} s)")
        for key, label in (("python_start_s", "python -c pass (interpreter start-up)"),
                           ("sqlite_store_s", "SQLite storing the import's own rows "
                            f"({floors['rows']:,} rows, {floors['mib']:.0f} MiB; same "
                            "pragmas, one transaction, no parsing or rules)")):
            print(f"  {floors[key]:7.3f} s  {floors[key] / tw:5.2f}× Taskwarrior  {label}")
        left = tw - floors["python_start_s"] - floors["sqlite_store_s"]
        per_case = left / target_import * 1e6
        print(f"  {left:7.3f} s  left for everything else: reading, checking and planning "
              f"{target_import:,} cases, hashing their timelines ({per_case:.0f} µs a case)")
        if floors["csv_read_s"] is not None:
            print(f"  {floors['csv_read_s']:7.3f} s  of which Python's csv module takes to split "
                  "the file into fields, before any value is read")
        floors["left_s"] = left

    # ---- where the time goes
    profiles: dict[str, Any] = {}
    if not opts.no_profile:
        profiles = profile(base, homes, csvs, target_import, target_list)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "environment": env_info, "data": meta,
        "figures": [f.as_json() for f in figures], "ratios": ratios, "floors": floors,
        "profiles": profiles,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten: {OUT.relative_to(ROOT)}")
    return 1 if failed else 0


FLOOR_SCRIPT = r"""
import os, sqlite3, sys, time
source, target = sys.argv[1], sys.argv[2]
src = sqlite3.connect(source)
schema = [sql for (sql,) in src.execute(
    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'")]
tables = [name for (name,) in src.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
data = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
db = sqlite3.connect(target, isolation_level=None)
for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
    db.execute("PRAGMA " + pragma)
for sql in schema:
    db.execute(sql)
started = time.perf_counter()
db.execute("BEGIN IMMEDIATE")
for table, rows in data.items():
    if rows:
        db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
db.execute("COMMIT")
print(time.perf_counter() - started, sum(map(len, data.values())))
"""


CSV_SCRIPT = r"""
import csv, io, sys, time
started = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    rows = list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"), newline="")))
print(time.perf_counter() - started, len(rows) - 1)
"""


def measure_floors(base: Path, home: Path | None, csv_path: Path | None,
                   repeat: int) -> dict[str, Any]:
    """The interpreter's start-up, and SQLite alone storing the rows an import wrote.

    Neither is refundflow's work: they bound from below what any Python program that keeps
    the same records in SQLite can reach, so a target below them needs a different design.
    """
    if home is None or not (home / "refundflow.db").exists():
        return {}
    starts, stores, reads, rows = [], [], [], 0
    for i in range(repeat):
        if csv_path is not None:
            out = subprocess.run([str(PYTHON), "-c", CSV_SCRIPT, str(csv_path)], check=True,
                                 capture_output=True, text=True).stdout
            reads.append(float(out.split()[0]))
        started = time.perf_counter()
        subprocess.run([str(PYTHON), "-c", "pass"], check=True)
        starts.append(time.perf_counter() - started)
        target = base / f"floor-{i}.db"
        out = subprocess.run([str(PYTHON), "-c", FLOOR_SCRIPT, str(home / "refundflow.db"),
                              str(target)], check=True, capture_output=True, text=True).stdout
        seconds, count = out.split()
        stores.append(float(seconds))
        rows = int(count)
        mib = target.stat().st_size / 2**20
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    return {"python_start_s": statistics.median(starts),
            "sqlite_store_s": statistics.median(stores), "rows": rows, "mib": mib,
            "csv_read_s": statistics.median(reads) if reads else None}


def profile(base: Path, homes: dict[int, Path], csvs: dict[int, Path],
            import_size: int, list_size: int) -> dict[str, Any]:
    profiles: dict[str, Any] = {}
    list_args = ["case", "list", "--overdue", "--json"]
    if list_size in homes and (homes[list_size] / "refundflow.db").exists():
        env = refundflow_env(homes[list_size])
        it = importtime(list_args, env, base / "list.importtime")
        print(f"\n## refundflow case list --overdue --json at {list_size:,}: imports "
              f"{it['total_import_s']:.3f} s of {it['wall_s']:.3f} s (python -X importtime)")
        print("  top-level imports (cumulative):")
        for e in it["top"][:8]:
            print(f"  {e['cumulative_s']:7.3f} s  {e['module']}")
        print("  heaviest packages wherever first imported (cumulative, nested):")
        for e in it["packages"]:
            print(f"  {e['cumulative_s']:7.3f} s  {e['package']}")
        cp = cprofile(list_args, env, base / "list.prof")
        print(f"\n## cProfile of the same list ({cp['wall_s']:.2f} s under the profiler), "
              "top 15 cumulative")
        print(cp["cumulative"])
        print("\n   refundflow's own functions (cases/, tui/), top 15 cumulative")
        print(cp["own_cumulative"])
        print("\n   top 12 by own time (tottime)")
        print(cp["tottime"])
        profiles["list"] = {"size": list_size, "importtime": it, "cprofile": cp}
    if import_size in csvs:
        home = base / f"profile-import-{import_size}"
        env = refundflow_env(home)
        args = ["import", str(csvs[import_size]), "--json"]
        cp = cprofile(args, env, base / "import.prof")
        print(f"\n## cProfile of refundflow import at {import_size:,} "
              f"({cp['wall_s']:.2f} s under the profiler), top 15 cumulative")
        print(cp["cumulative"])
        print("\n   refundflow's own functions (cases/, tui/), top 15 cumulative")
        print(cp["own_cumulative"])
        print("\n   top 12 by own time (tottime)")
        print(cp["tottime"])
        profiles["import"] = {"size": import_size, "cprofile": cp}
    return profiles


if __name__ == "__main__":
    sys.exit(main())
