#!/usr/bin/env python3
"""Benchmark: case flow throughput with a real local Prefect server and runner.

Not a test. Run from the repository root::

    .venv/bin/python bench/flows.py [--cases 1000] [--baseline-cases 40] [--keep DIR]

For each runner mode it starts ``refundflow service`` in a fresh home (local Prefect server,
runner, event pump), then:

  A. imports N cases submitted at once (``refundflow import``), checks that every case's own
     state is right at once (stage and review deadline, straight from the database), and
     waits until every case's flow run has carried out its stages and suspended;
  B. records one event on every case at once (``supplement_requested``, through the use
     case, as the CLI does) and waits until every run has been resumed, has carried it
     out and suspended again.

One suspend + resume cycle = A + B per case (a first execution ending in a suspension, a
resume and a second execution ending in a suspension). CPU is the user + system time of
the whole service tree (service, Prefect server, runner, and any flow-run processes),
less the idle rate measured before; peak memory is the tree's RSS, sampled every 0.5 s.

Baseline in the same run: ``REFUNDFLOW_RUNNER_MODE=subprocess``, Prefect's stock runner
(``serve`` with the same limit: a fresh Python process for each flow-run execution) on
the same flow with ``--baseline-cases`` cases (it is slow: ~2 CPU-s per execution).
DESIGN.md's figure for one cycle on this machine type is 5.8 CPU-s. Target: ≥ 5× cheaper.
Writes everything to ``bench/out/flows.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out" / "flows.json"
REFUNDFLOW = str(Path(sys.executable).parent / "refundflow")
DESIGN_CYCLE = 5.8
"""CPU-s of one suspend + resume cycle in DESIGN.md (sync flow, stock runner, this machine type)."""

from flows.procs import cpu_seconds, rss_bytes  # noqa: E402


def env_for(home: Path, mode: str, limit: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("REFUNDFLOW_", "PREFECT_"))}
    env.update(REFUNDFLOW_HOME=str(home), REFUNDFLOW_LANG="en", REFUNDFLOW_RUNNER_MODE=mode,
               REFUNDFLOW_RUNNER_LIMIT=str(limit))
    env.update(json.loads(os.environ.get("BENCH_ENV", "{}")))  # experiments: extra settings
    return env


def run(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run([REFUNDFLOW, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"refundflow {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def write_cases(path: Path, n: int) -> None:
    now = datetime.now(UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["platform", "order", "product", "amount", "channel", "reason", "paid_at",
                      "submitted_at"])
        for i in range(n):
            out.writerow(["115卡盟", f"B{i:06d}", "腾讯视频会员年卡", "128.00", "wechat",
                          "not_as_described", (now - timedelta(days=3)).isoformat(),
                          (now - timedelta(minutes=1)).isoformat()])


def runs_done(db: Path, n: int) -> int:
    """How many cases' runs have carried out every event and are suspended."""
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(
            "select count(*) from cases c join case_runs r on r.case_ref = c.ref "
            "where r.state = 'waiting' and r.seen_events = c.event_count"
        ).fetchone()[0]


class Peak(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.5)


def wait_all(db: Path, n: int, timeout: float) -> float:
    start = time.monotonic()
    while runs_done(db, n) < n:
        if time.monotonic() - start > timeout:
            raise SystemExit(f"timed out: {runs_done(db, n)}/{n} runs done after {timeout} s")
        time.sleep(0.5)
    return time.monotonic() - start


def measure(mode: str, n: int, limit: int, base: Path, timeout: float) -> dict[str, Any]:
    home = base / mode
    home.mkdir(parents=True)
    env = env_for(home, mode, limit)
    db = home / "refundflow.db"
    t = time.monotonic()
    run(env, "service", "start", "--wait", "--timeout", "180")
    start_wall = time.monotonic() - t
    status = json.loads(run(env, "service", "status", "--json"))
    pid = status["pid"]
    parts = {name: part["pid"] for name, part in status["parts"].items() if part.get("pid")}
    try:
        time.sleep(5)  # let the runner register and settle
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(10)
        idle = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
        peak = Peak(pid)
        peak.start()
        write_cases(home / "cases.csv", n)
        # A: n cases submitted at once
        split0 = {name: cpu_seconds(p) for name, p in parts.items()}
        c0, t0 = cpu_seconds(pid), time.monotonic()
        run(env, "import", str(home / "cases.csv"), "--json")
        with sqlite3.connect(db) as conn:
            right = conn.execute(
                "select count(*) from cases c join deadlines d on d.case_id = c.id "
                "where c.stage = 'submitted' and d.kind = 'review' and d.status = 'open'"
            ).fetchone()[0]
        state_right_after = time.monotonic() - t0
        wall_a = wait_all(db, n, timeout) + state_right_after
        cpu_a = cpu_seconds(pid) - c0 - idle * wall_a
        # B: one event on every case at once, then every run resumed
        os.environ.update(REFUNDFLOW_HOME=str(home), REFUNDFLOW_LANG="en")
        from cases import services
        from cases.bootstrap import bootstrap
        from cases.model import EventInput
        from cases.ports import SystemClock
        from cases.settings import Settings
        from cases.vocabulary import EventKind

        ctx = bootstrap(Settings(home=home), SystemClock())
        with sqlite3.connect(db) as conn:
            refs = [ref for (ref,) in conn.execute("select ref from cases order by id")]
        c0, t0 = cpu_seconds(pid), time.monotonic()
        for ref in refs:
            services.record_event(
                ctx, ref, EventInput(EventKind.SUPPLEMENT_REQUESTED, datetime.now(UTC))
            )
        recorded = time.monotonic() - t0
        wall_b = wait_all(db, n, timeout) + recorded
        cpu_b = cpu_seconds(pid) - c0 - idle * wall_b
        ctx.engine.dispose()
        peak.stop.set()
        split = {name: round((cpu_seconds(p) - split0[name]) / n, 3) for name, p in parts.items()}
        split["service"] = round((cpu_a + cpu_b) / n - sum(split.values()), 3)
        return {
            "mode": mode, "cases": n, "limit": limit, "service_start_s": round(start_wall, 1),
            "idle_cpu_per_s": round(idle, 3), "state_right_at_once": right == n,
            "state_checked_after_s": round(state_right_after, 2),
            "a_wall_s": round(wall_a, 1), "a_cpu_per_case": round(cpu_a / n, 3),
            "b_wall_s": round(wall_b, 1), "b_cpu_per_case": round(cpu_b / n, 3),
            "cycle_cpu_per_case": round((cpu_a + cpu_b) / n, 3),
            "a_cases_per_min": round(n / wall_a * 60, 1),
            "b_cases_per_min": round(n / wall_b * 60, 1),
            "cycles_per_min": round(n / (wall_a + wall_b) * 60, 1),
            "peak_rss_mb": round(peak.peak / 2**20),
            "cycle_cpu_by_process": split,
        }
    finally:
        run(env, "service", "stop")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--baseline-cases", type=int, default=40)
    parser.add_argument("--limit", type=int, default=4)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep", type=Path, help="keep the homes (logs, databases) here")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="rf-bench-flows-")) if not args.keep else args.keep
    results = []
    try:
        if not args.skip_baseline:
            results.append(measure("subprocess", args.baseline_cases, args.limit, base,
                                   args.timeout))
            print(json.dumps(results[-1]), flush=True)
        results.append(measure("inprocess", args.cases, args.limit, base, args.timeout))
        print(json.dumps(results[-1]), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    print(f"\n{'mode':<11} {'cases':>6} {'cycle CPU-s':>11} {'A CPU-s':>8} {'B CPU-s':>8} "
          f"{'A cases/min':>11} {'B cases/min':>11} {'peak MB':>8}")
    for r in results:
        print(f"{r['mode']:<11} {r['cases']:>6} {r['cycle_cpu_per_case']:>11.2f} "
              f"{r['a_cpu_per_case']:>8.2f} {r['b_cpu_per_case']:>8.2f} "
              f"{r['a_cases_per_min']:>11.0f} {r['b_cases_per_min']:>11.0f} "
              f"{r['peak_rss_mb']:>8}")
    ours = results[-1]
    verdict = ours["cycle_cpu_per_case"] * 5 <= DESIGN_CYCLE
    print(f"\ncycle: DESIGN.md baseline {DESIGN_CYCLE} CPU-s / ours "
          f"{ours['cycle_cpu_per_case']:.2f} = {DESIGN_CYCLE / ours['cycle_cpu_per_case']:.1f}x "
          f"(target >= 5x: {'PASS' if verdict else 'FAIL'})")
    if len(results) > 1:
        stock = results[0]["cycle_cpu_per_case"]
        print(f"cycle: stock Prefect runner {stock:.2f} CPU-s / ours "
              f"{ours['cycle_cpu_per_case']:.2f} = {stock / ours['cycle_cpu_per_case']:.1f}x")
    print(f"cases' own state right at once after import: {ours['state_right_at_once']} "
          f"(checked {ours['state_checked_after_s']} s after the import started)")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"at": datetime.now(UTC).isoformat(), "runs": results,
                               "design_cycle_cpu_s": DESIGN_CYCLE}, indent=2))
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
