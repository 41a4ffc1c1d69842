"""End-to-end tests of the installed ``refundflow`` command: what a user types and sees.

Shared helpers for the e2e modules live here (this package is owned by the e2e suite).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

CASE = (
    "--platform", "115卡盟", "--product", "王者荣耀点券", "--channel", "alipay",
    "--reason", "not_as_described",
)
"""``case add`` options every test case shares; add ``--order``, ``--amount``, ``--paid-at``."""


def add_args(order: str, amount: str = "128", paid_at: str = "2026-09-29T10:00+08:00",
             *extra: str) -> list[str]:
    return ["case", "add", *CASE, "--order", order, "--amount", amount, "--paid-at", paid_at,
            *extra]


def refused(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """Assert a clean refusal: exit ``code``, one line on stderr naming ``needles``, no trace.

    Returns the message without its ``error: `` prefix.
    """
    shown = f"exit {result.returncode}\nstdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert result.returncode == code, shown
    assert result.stdout == "", shown
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, shown
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in the message\n{shown}"
    return lines[0].removeprefix("error: ").removeprefix("错误：")


def cases_of(export_stdout: str) -> list[dict[str, Any]]:
    """The ``cases`` of an ``export --format json`` printed to stdout."""
    cases: list[dict[str, Any]] = json.loads(export_stdout)["cases"]
    return cases
