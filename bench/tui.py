#!/usr/bin/env python3
"""Benchmark: the terminal UI with 100,000 cases, against a plain Textual ``DataTable``.

Not a test. Run from the repository root::

    .venv/bin/python bench/tui.py                       # 100,000 cases (imports them first)
    .venv/bin/python bench/tui.py --size 10000 --repeat 3
    .venv/bin/python bench/tui.py --home /tmp/rf-100k   # reuse (or keep) a filled home

What it measures, in one run on one machine (targets from the issue):

* launch to painted first screen, as a whole process: ``refundflow`` started in a
  pseudo-terminal (80×24), timed until the most urgent case's reference is drawn
  (target ≤ 1 s); the first frame (the title) is reported too;
* the naive baseline in the same run: a Textual ``DataTable`` given every summary
  (``list_cases``, as ``case list`` reads them), timed the same way; the ratio;
* a filter keystroke answered (target ≤ 50 ms): one more character in the search box until
  the new rows are on screen (in-process, headless, one full-screen render included);
* scrolling a page (target ≤ 50 ms): Page Down until the next screen of rows is drawn;
* memory (target < 200 MB): the app process's peak RSS (VmHWM) after the whole caseload
  is indexed and searched, filtered and scrolled through.

Writes the figures to ``bench/out/tui.json`` (git-ignored). Exit code 0 when every target
is met.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import platform
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "tui.json"
BIN = Path(sys.executable).parent
REFUNDFLOW = BIN / "refundflow"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from import_and_list import FROZEN_NOW, FROZEN_NOW_TEXT, generate, write_csv  # noqa: E402

TARGETS = {"launch_s": 1.0, "filter_ms": 50.0, "scroll_ms": 50.0, "rss_mib": 200.0}


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("REFUNDFLOW_", "TEXTUAL")) and k not in ("COLUMNS", "LINES",
                                                                         "NO_COLOR")}
    env.update(REFUNDFLOW_HOME=str(home), REFUNDFLOW_NOW=FROZEN_NOW_TEXT, REFUNDFLOW_LANG="en",
               REFUNDFLOW_TUI_SERVICE="off", TERM="xterm-256color")
    return env


# --------------------------------------------------------------------------- data
def fill(home: Path, size: int, seed: int) -> float | None:
    """Import ``size`` generated cases into ``home`` unless it already holds them."""
    db = home / "refundflow.db"
    if db.exists():
        return None
    home.mkdir(parents=True, exist_ok=True)
    csv_path = home.parent / f"cases-{size}.csv"
    write_csv(generate(size, seed), csv_path)
    print(f"importing {size:,} cases into {home} …", flush=True)
    start = time.perf_counter()
    subprocess.run([str(REFUNDFLOW), "import", str(csv_path), "--json"], env=env_for(home),
                   check=True, stdout=subprocess.DEVNULL)
    csv_path.unlink()
    return time.perf_counter() - start


def first_ref(home: Path) -> tuple[str, int]:
    from cases.bootstrap import bootstrap
    from cases.ports import FixedClock
    from cases.settings import Settings

    ctx = bootstrap(Settings(home=home), FixedClock(FROZEN_NOW))
    with ctx.uow() as uow:
        rows = uow.cases.most_urgent(FROZEN_NOW, 1)
        total = uow.cases.change_marker()[0]
    ctx.engine.dispose()
    return rows[0].ref, total


# --------------------------------------------------------------------------- a terminal
class Pty:
    """A process in a pseudo-terminal of a given size; ``until`` reads its output."""

    def __init__(self, argv: list[str], env: dict[str, str], width: int = 80,
                 height: int = 24) -> None:
        self.start = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a terminal of the wanted size, then the program
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
            os.execvpe(argv[0], argv, env)
        self.seen = b""

    def until(self, needle: bytes, timeout: float) -> float | None:
        """Seconds from start until ``needle`` was written; ``None`` on timeout or exit."""
        deadline = self.start + timeout
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.02)
            if ready:
                try:
                    chunk = os.read(self.fd, 1 << 16)
                except OSError:
                    return None
                if not chunk:
                    return None
                self.seen += chunk
                if needle in self.seen[-len(chunk) - len(needle):]:
                    return time.perf_counter() - self.start
        return None

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def peak_rss_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        try:
            self.send(b"q")
            for _ in range(30):
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    return
                self.until(b"\x00never", 0.1)  # drain output while it exits
        except OSError:
            pass
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass
        finally:
            os.close(self.fd)


def launch(home: Path, ref: str, repeat: int) -> dict[str, Any]:
    firsts, frames = [], []
    for _ in range(repeat):
        term = Pty([str(REFUNDFLOW)], env_for(home))
        frame = term.until(b"refundflow", 30)
        painted = term.until(ref.encode(), 30)
        term.stop()
        if frame is not None:
            frames.append(frame)
        if painted is not None:
            firsts.append(painted)
    return {"first_rows_s": firsts, "first_frame_s": frames}


def memory(home: Path, total: int) -> dict[str, Any]:
    """Peak RSS of the app after indexing, searching, filtering and scrolling."""
    term = Pty([str(REFUNDFLOW)], env_for(home))
    indexed = term.until(f"{total:,} case".encode(), 120)
    for keys in (b"/", "会员".encode(), b"\r", b"o", b"\x1b[6~" * 20, b"o", b"x",
                 b"\x1b[6~" * 50, b"\x1b[F"):
        term.send(keys)
        term.until(b"\x00never", 0.3)
    rss = term.peak_rss_mib()
    term.stop()
    return {"indexed_s": indexed, "peak_rss_mib": rss}


# --------------------------------------------------------------------------- in-process
async def interact(home: Path) -> dict[str, Any]:
    """Filter keystrokes and Page Down in the real app, headless, on the same database."""
    from textual.widgets import Input

    from cases.bootstrap import bootstrap
    from cases.ports import FixedClock
    from cases.settings import Settings
    from tui.app import RefundflowApp
    from tui.widgets.case_table import CaseTable
    from tui.widgets.service import ServiceControl

    ctx = bootstrap(Settings(home=home, lang="en"), FixedClock(FROZEN_NOW))
    app = RefundflowApp(ctx, ServiceControl(), start_service=False, poll_seconds=3600)
    out: dict[str, Any] = {"filter_ms": [], "scroll_ms": [], "filter_steps": []}
    async with app.run_test(size=(80, 24)) as pilot:
        screen: Any = app.screen
        while getattr(screen, "index", None) is None:
            await asyncio.sleep(0.05)
            screen = app.screen
        table = screen.query_one(CaseTable)
        search = screen.query_one("#search", Input)
        await pilot.pause(0.3)

        def ready(text: str | None = None) -> bool:
            source: Any = table.source
            if text is not None and getattr(source, "filters", None) is None:
                return False
            if text is not None and source.filters.search != text:
                return False
            top = int(table.scroll_offset.y)
            refs = source.refs(top, top + table.size.height)
            return all(table.summary(ref) is not None for ref in refs)

        async def answered(action: Any, check: Any) -> float:
            start = time.perf_counter()
            action()
            while not check():
                await asyncio.sleep(0.0005)
            app.screen._compositor.render_update(full=True)  # draw the whole screen once
            return (time.perf_counter() - start) * 1000

        search.focus()
        await pilot.pause(0.1)
        for word in ("会员年卡", "4373", "星辰 永久"):
            search.value = ""
            await pilot.pause(0.3)
            for n in range(1, len(word) + 1):
                text = word[:n]
                took = await answered(lambda t=text: setattr(search, "value", t),
                                      lambda t=text: ready(t))
                shown = len(table.source)
                out["filter_ms"].append(took)
                out["filter_steps"].append({"search": text, "ms": took, "cases": shown})
                await pilot.pause(0.05)
        search.value = ""
        await pilot.pause(0.5)
        table.focus()
        table.action_jump(len(table.source) // 2)  # the middle: nothing there is cached
        await pilot.pause(0.5)
        for _ in range(30):
            out["scroll_ms"].append(await answered(lambda: table.action_page(1), ready))
            await pilot.pause(0.02)
    ctx.engine.dispose()
    return out


# --------------------------------------------------------------------------- baseline
NAIVE = """
from textual.app import App
from textual.widgets import DataTable
from cases.bootstrap import bootstrap

class Naive(App):
    def compose(self):
        yield DataTable()

    def on_mount(self):
        ctx = bootstrap()
        table = self.query_one(DataTable)
        table.add_columns("Ref", "Platform", "Order", "Product", "Stage", "Next deadline")
        with ctx.uow() as uow:
            rows = [(k.ref, k.platform, k.order_no, k.product, k.stage.value,
                     k.next_due.isoformat() if k.next_due else "")
                    for k in uow.cases.caseload_keys(ctx.clock.now())]
        table.add_rows(rows)

Naive().run()
"""
"""The plain way: every case into a ``DataTable`` at start. The rows come from one query
(``caseload_keys``, about a second at 100,000) so that the figure is the table's own cost;
``list_cases`` would be slower still (see the notes in docs/tui.md)."""


def baseline(home: Path, ref: str, timeout: float) -> dict[str, Any]:
    term = Pty([sys.executable, "-c", NAIVE], env_for(home))
    painted = term.until(ref.encode(), timeout)
    rss = term.peak_rss_mib() if painted is not None else None
    term.stop()
    return {"first_rows_s": painted, "peak_rss_mib": rss, "timeout_s": timeout}


# --------------------------------------------------------------------------- report
def summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "best": None, "worst": None, "p90": None}
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "best": ordered[0], "worst": ordered[-1],
            "p90": ordered[int(0.9 * (len(ordered) - 1))]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="launches to time")
    parser.add_argument("--seed", type=int, default=20261020)
    parser.add_argument("--home", type=Path, help="a home to fill once and reuse")
    parser.add_argument("--baseline-timeout", type=float, default=180.0)
    parser.add_argument("--no-baseline", action="store_true")
    opts = parser.parse_args()
    if shutil.which(str(REFUNDFLOW)) is None:
        sys.exit(f"{REFUNDFLOW} not found: run `python3 dev.py test` once to install")

    scratch = None
    if opts.home is None:
        scratch = Path(tempfile.mkdtemp(prefix="rf-bench-tui-"))
        home = scratch / "home"
    else:
        home = opts.home
    try:
        imported = fill(home, opts.size, opts.seed)
        ref, total = first_ref(home)
        print(f"{total:,} cases; the most urgent is {ref}", flush=True)
        print("launch to first paint (whole process, 80×24) …", flush=True)
        launched = launch(home, ref, opts.repeat)
        print("filter keystrokes and Page Down (in-process) …", flush=True)
        inner = asyncio.run(interact(home))
        print("memory …", flush=True)
        mem = memory(home, total)
        naive = None
        if not opts.no_baseline:
            print(f"baseline: a plain DataTable with {total:,} rows …", flush=True)
            naive = baseline(home, ref, opts.baseline_timeout)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)

    ours = summary(launched["first_rows_s"])
    frame = summary(launched["first_frame_s"])
    filt, scroll = summary(inner["filter_ms"]), summary(inner["scroll_ms"])
    figures = {
        "launch_s": ours["median"], "filter_ms": filt["p90"], "scroll_ms": scroll["p90"],
        "rss_mib": mem["peak_rss_mib"],
    }
    verdicts = {k: (v is not None and v <= TARGETS[k] if k != "rss_mib" else
                    v is not None and v < TARGETS[k]) for k, v in figures.items()}
    ratio = None
    if naive and naive["first_rows_s"] and ours["median"]:
        ratio = naive["first_rows_s"] / ours["median"]

    def fmt(value: float | None, unit: str) -> str:
        return "—" if value is None else f"{value:,.3f} {unit}" if unit == "s" else \
            f"{value:,.1f} {unit}"

    print()
    print(f"{'measurement':46} {'figure':>14}  {'target':>10}  verdict")
    rows = [
        ("launch → first rows painted (median)", figures["launch_s"], "s", "launch_s"),
        ("filter keystroke answered (p90)", figures["filter_ms"], "ms", "filter_ms"),
        ("page down answered (p90)", figures["scroll_ms"], "ms", "scroll_ms"),
        ("peak RSS of the app", figures["rss_mib"], "MiB", "rss_mib"),
    ]
    for label, value, unit, key in rows:
        target = ("< " if key == "rss_mib" else "≤ ") + f"{TARGETS[key]:g} {unit}"
        print(f"{label:46} {fmt(value, unit):>14}  {target:>10}  "
              f"{'PASS' if verdicts[key] else 'FAIL'}")
    print(f"{'  first frame (title) (median)':46} {fmt(frame['median'], 's'):>14}")
    print(f"{'  launch best / worst':46} {fmt(ours['best'], 's'):>14}  "
          f"{fmt(ours['worst'], 's')}")
    print(f"{'  filter median / worst':46} {fmt(filt['median'], 'ms'):>14}  "
          f"{fmt(filt['worst'], 'ms')}")
    print(f"{'  page down median / worst':46} {fmt(scroll['median'], 'ms'):>14}  "
          f"{fmt(scroll['worst'], 'ms')}")
    print(f"{'  whole caseload indexed after launch':46} {fmt(mem['indexed_s'], 's'):>14}")
    if naive is not None:
        shown = naive["first_rows_s"]
        print(f"{'baseline: DataTable, launch → first rows':46} "
              f"{fmt(shown, 's') if shown else 'timed out':>14}  "
              f"(peak RSS {fmt(naive['peak_rss_mib'], 'MiB')})")
        print(f"{'ratio baseline / refundflow':46} "
              f"{'—' if ratio is None else f'{ratio:,.1f}×':>14}")
    for step in inner["filter_steps"]:
        print(f"    search {step['search']!r:>12}: {step['ms']:6.1f} ms, "
              f"{step['cases']:,} cases")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "environment": {"date": datetime.now().astimezone().isoformat(timespec="seconds"),
                        "python": platform.python_version(), "machine": platform.platform(),
                        "cpus": os.cpu_count(), "cases": total, "import_s": imported},
        "targets": TARGETS, "figures": figures, "verdicts": verdicts,
        "launch": launched, "first_frame": frame, "filter": filt, "scroll": scroll,
        "interaction": inner, "memory": mem, "baseline": naive, "ratio": ratio,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten: {OUT.relative_to(ROOT)}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
