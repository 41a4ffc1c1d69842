#!/usr/bin/env python3
"""Benchmark: reminder mail through the real path, to a local SMTP server in its own process.

Not a test. Run from the repository root::

    .venv/bin/python bench/mail.py                      # both parts, server down 600 s
    .venv/bin/python bench/mail.py --down-seconds 30    # quick run
    .venv/bin/python bench/mail.py --part due --count 1000

Targets (from the issue):
  * "due": 1,000 reminders falling due together reach a local SMTP server within 60 s, none
    twice (mails per second reported);
  * "down": with the SMTP server down for 10 minutes (``--down-seconds``, default 600) and
    then back, every queued mail arrives once.

Both parts run what the background service runs: cases in a fresh SQLite home (or
``--db-url``), ``notifications.scheduler.install`` on a live APScheduler on the real clock,
the dispatcher sending with yagmail to aiosmtpd on loopback (a separate process, so the
server does not share the GIL). Each case has a review deadline 2 h + 15 s away, so its
"2 hours before" reminder falls 15 s after the start, all 1,000 at the same second.
The server records each Message-ID it accepts; duplicates and losses are counted from that.
Quiet hours are switched off (the bench may run at night); the retry settings are the
defaults unless given. Prints a summary and writes ``bench/out/mail.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "mail.json"
sys.path.insert(0, str(ROOT))

SERVER = r"""
import sys, time, re, asyncio
from aiosmtpd.controller import Controller
port, log = int(sys.argv[1]), sys.argv[2]
pattern = re.compile(rb"^Message-ID:\s*(\S+)", re.I | re.M)
out = open(log, "a", buffering=1)
class Handler:
    async def handle_DATA(self, server, session, envelope):
        found = pattern.search(envelope.original_content)
        out.write(f"{time.time():.6f} {found.group(1).decode() if found else '-'}\n")
        return "250 OK"
controller = Controller(Handler(), hostname="127.0.0.1", port=port, ready_timeout=30)
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
"""

LEAD = 15.0
"""Seconds from the start to the moment every reminder falls due (time to set up)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """aiosmtpd in a child process; ``received()`` reads what it accepted."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log, self.proc = port, log, None

    def start(self) -> float:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(self.port), str(self.log)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"
        return time.time()

    def stop(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
            self.proc = None

    def received(self) -> list[tuple[float, str]]:
        if not self.log.exists():
            return []
        rows = []
        for line in self.log.read_text().splitlines():
            stamp, _, mid = line.partition(" ")
            rows.append((float(stamp), mid))
        return rows


def make_cases(ctx: Any, count: int, due_at: datetime) -> None:
    """``count`` submitted cases whose review deadline is exactly ``due_at`` (+2 h)."""
    from cases import services
    from cases.vocabulary import Channel, Reason

    submitted = datetime.now(UTC) - timedelta(seconds=1)
    seconds = int((due_at - submitted).total_seconds())
    rows = [
        services.NewCase(
            platform="115卡盟", order_no=f"BENCH-{n:05d}", product="爱奇艺黄金会员 月卡",
            amount=Decimal("25.00"), currency="CNY", channel=Channel.ALIPAY,
            reason=Reason.NOT_AS_DESCRIBED, paid_at=submitted - timedelta(hours=1),
            zone="Asia/Shanghai", rule_overrides={"review": f"{seconds} seconds"},
            submitted_at=submitted,
        )
        for n in range(count)
    ]
    services.import_cases(ctx, rows, force=True)


def context(home: Path, port: int, db_url: str | None, retry: dict[str, float]) -> Any:
    from cases.bootstrap import bootstrap
    from cases.ports import SystemClock
    from cases.settings import Settings

    values: dict[str, Any] = dict(
        home=home, lang="zh", smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
        mail_from="refundflow@bench.test", notify_to="team@bench.test", quiet_hours="",
        digest_at="", remind_before="2h",
    )
    if db_url:
        values["database_url"] = db_url
    values.update(retry)
    return bootstrap(Settings(**values), SystemClock())


def scheduler_with(ctx: Any) -> Any:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    from notifications import scheduler as reminders

    # As the background service builds it: 4 workers, nothing dropped for being late.
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(4)}, timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    scheduler.start()
    reminders.install(scheduler, ctx)
    return scheduler


def outbox_counts(ctx: Any) -> dict[str, int]:
    from cases.outbox_services import list_notices

    return dict(Counter(n.status.value for n in list_notices(ctx, limit=1_000_000)))


def wait_for(server: Server, count: int, until: float) -> list[tuple[float, str]]:
    while True:
        got = server.received()
        if len(got) >= count or time.time() > until:
            return got
        time.sleep(0.2)


def part_due(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    port = free_port()
    server = Server(port, work / "due.log")
    server.start()
    ctx = context(work / "due-home", port, args.db_url, {})
    fall_due = datetime.now(UTC) + timedelta(seconds=LEAD)
    make_cases(ctx, args.count, fall_due + timedelta(hours=2))
    scheduler = scheduler_with(ctx)
    try:
        got = wait_for(server, args.count, fall_due.timestamp() + 300)
    finally:
        scheduler.shutdown(wait=True)
        server.stop()
    ids = [mid for _, mid in got]
    last = max((stamp for stamp, _ in got), default=float("nan"))
    first = min((stamp for stamp, _ in got), default=float("nan"))
    span = last - fall_due.timestamp()
    result = {
        "count": args.count,
        "received": len(ids),
        "distinct": len(set(ids)),
        "duplicates": len(ids) - len(set(ids)),
        "first_after_s": round(first - fall_due.timestamp(), 3),
        "all_after_s": round(span, 3),
        "mails_per_second": round(len(ids) / span, 1) if span > 0 else None,
        "sending_mails_per_second": round(len(ids) / (last - first), 1) if last > first else None,
        "outbox": outbox_counts(ctx),
        "pass": len(set(ids)) == args.count and len(ids) == args.count and span <= 60,
    }
    ctx.engine.dispose()
    return result


def part_down(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    port = free_port()
    server = Server(port, work / "down.log")
    retry = {}
    if args.retry_max is not None:
        retry["mail_retry_max"] = args.retry_max
    ctx = context(work / "down-home", port, args.db_url, retry)
    fall_due = datetime.now(UTC) + timedelta(seconds=LEAD)
    make_cases(ctx, args.count, fall_due + timedelta(hours=2))
    scheduler = scheduler_with(ctx)
    try:
        time.sleep(max(fall_due.timestamp() + args.down_seconds - time.time(), 0))
        during = outbox_counts(ctx)
        tries = _tries(ctx)
        back = server.start()
        got = wait_for(server, args.count, back + args.down_seconds + 900)
    finally:
        scheduler.shutdown(wait=True)
        server.stop()
    ids = [mid for _, mid in got]
    last = max((stamp for stamp, _ in got), default=float("nan"))
    result = {
        "count": args.count,
        "down_seconds": args.down_seconds,
        "retry_base_s": ctx.settings.mail_retry_base,
        "retry_max_s": ctx.settings.mail_retry_max,
        "outbox_while_down": during,
        "send_tries_while_down": tries,
        "received": len(ids),
        "distinct": len(set(ids)),
        "duplicates": len(ids) - len(set(ids)),
        "all_arrived_after_back_s": round(last - back, 1) if ids else None,
        "outbox_after": outbox_counts(ctx),
        "pass": len(ids) == args.count and len(set(ids)) == args.count,
    }
    ctx.engine.dispose()
    return result


def _tries(ctx: Any) -> int:
    from cases.outbox_services import list_notices

    return sum(n.attempts for n in list_notices(ctx, limit=1_000_000))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=["due", "down", "both"], default="both")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--down-seconds", type=float, default=600.0,
                        help="how long the SMTP server stays down (default 600 = 10 minutes)")
    parser.add_argument("--retry-max", type=float, default=None,
                        help="REFUNDFLOW_MAIL_RETRY_MAX for the down part (default: the setting's)")
    parser.add_argument("--db-url", help="a Postgres URL instead of a fresh SQLite file")
    parser.add_argument("--keep", type=Path, help="keep the homes and server logs here")
    args = parser.parse_args()
    for key in list(os.environ):
        if key.startswith("REFUNDFLOW_"):
            del os.environ[key]
    work = args.keep or Path(tempfile.mkdtemp(prefix="rf-bench-mail-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "database": "postgres" if args.db_url else "sqlite",
    }
    try:
        if args.part in ("due", "both"):
            report["due"] = due = part_due(args, work)
            print(f"due together: {due['received']}/{due['count']} received, "
                  f"{due['duplicates']} twice, all within {due['all_after_s']} s of falling due "
                  f"({due['mails_per_second']} mails/s overall, "
                  f"{due['sending_mails_per_second']} mails/s while sending) "
                  f"-> {'PASS' if due['pass'] else 'FAIL'} (target: all within 60 s, none twice)")
        if args.part in ("down", "both"):
            report["down"] = down = part_down(args, work)
            print(f"server down {down['down_seconds']:g} s: {down['received']}/{down['count']} "
                  f"received, {down['duplicates']} twice, {down['send_tries_while_down']} send "
                  f"tries while down, all arrived {down['all_arrived_after_back_s']} s after the "
                  f"server came back (retry base {down['retry_base_s']:g} s, max "
                  f"{down['retry_max_s']:g} s) -> {'PASS' if down['pass'] else 'FAIL'}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written to {OUT.relative_to(ROOT)}")
    return 0 if all(part.get("pass") for part in (report.get("due", {}), report.get("down", {}))
                    if part) else 1


if __name__ == "__main__":
    sys.exit(main())
