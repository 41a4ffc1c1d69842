"""The installed ``refundflow`` in a real terminal: tmux starts it, types, and reads the
screen back with ``capture-pane``. A private tmux server (its socket in a temporary folder)
keeps the user's own tmux out, and goes away with the test."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REFUNDFLOW
from tests.e2e import add_args

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (.ci/run)")


class Terminal:
    """One tmux window running a command; ``screen()`` is what a user would see."""

    def __init__(self, socket: str, session: str) -> None:
        self.socket, self.session = socket, session

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True,
                              text=True, timeout=20)
        return done.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str, literal: bool = False) -> None:
        """Press keys one at a time, as a person does (a lone ESC needs a pause after it,
        or the terminal reads ESC + key as Alt+key)."""
        if literal:
            self.tmux("send-keys", "-t", self.session, "-l", *keys)
            return
        for key in keys:
            self.tmux("send-keys", "-t", self.session, key)
            time.sleep(0.3 if key == "Escape" else 0.1)

    def wait(self, check: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen()
            if check(shown):
                return shown
            time.sleep(0.1)
        raise AssertionError(f"waited {timeout:.0f} s for {what}; the screen shows:\n{shown}")

    def running(self) -> bool:
        return self.session in self.tmux("list-sessions", "-F", "#{session_name}")


@pytest.fixture
def terminal(cli: Any) -> Iterator[Callable[..., Terminal]]:
    folder = Path(tempfile.mkdtemp(prefix="rf-tmux-"))  # short: a socket path has a limit
    socket = str(folder / "sock")
    started: list[Terminal] = []

    def start(width: int = 100, height: int = 30, *args: str, **env: str) -> Terminal:
        """The app (or, given ``args``, that command, whose output then stays on screen)."""
        session = f"rf{len(started)}"
        # COLUMNS/LINES would override the real terminal's size (shutil.get_terminal_size).
        inherited = {k: v for k, v in cli.env.items() if k not in ("COLUMNS", "LINES")}
        environment = {**inherited, "TERM": "xterm-256color", "REFUNDFLOW_TUI_SERVICE": "off",
                       **env}
        command = ["env", "-i", *(f"{k}={v}" for k, v in environment.items()), REFUNDFLOW]
        if args:
            command = ["sh", "-c", '"$@"; sleep 60', "sh", *command, *args]
        subprocess.run(["tmux", "-S", socket, "-f", "/dev/null", "new-session", "-d", "-s",
                        session, "-x", str(width), "-y", str(height), *command],
                       check=True, timeout=20)
        term = Terminal(socket, session)
        started.append(term)
        return term

    yield start
    subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=20)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_installed_app_in_a_real_terminal(cli: Any, terminal: Any) -> None:
    waiting = cli.json(*add_args("KM20260930001", "128", "2026-09-29T10:00+08:00"))["ref"]
    cli("case", "event", waiting, "submitted", "--at", "2026-09-30 18:00")
    draft = cli.json(*add_args("YP-5521", "9.90", "2026-09-28T10:00+08:00"))["ref"]

    term = terminal(width=140)
    shown = term.wait(lambda s: waiting in s and "2 cases" in s and "Commands" in s,
                      "the caseload")
    assert "platform review 2026-10-10 24:00" in shown and "in 5d 14h" in shown
    assert draft in shown and "Next deadline" in shown

    term.keys("/")  # search as you type
    term.keys("YP-55", literal=True)
    term.wait(lambda s: "1 of 2 cases" in s and waiting not in s.split("Ref", 1)[1], "search")
    term.keys("Enter", "x")  # back to the list, clear the filters
    term.wait(lambda s: "2 cases" in s and waiting in s, "the search cleared")

    term.keys("Enter")  # the first row: the submitted case
    shown = term.wait(lambda s: "3 working days after 2026-09-30 18:00" in s, "the case page")
    assert f"refundflow · {waiting}" in shown

    term.keys("e")  # record an approval, with the keyboard only
    term.wait(lambda s: "record what happened" in s and "2026-10-05 10:00" in s, "the form")
    term.keys("Enter")  # open the list of events: allowed ones first
    term.wait(lambda s: "refund approved" in s, "the event list")
    term.keys("refund ap", literal=True)  # type to search the list
    time.sleep(0.3)
    term.keys("Enter")
    term.wait(lambda s: "What happened           refund approved" in s, "approved chosen")
    term.keys("C-s")
    term.wait(lambda s: "approved, awaiting arrival" in s, "the case after the event")

    record = cli.json("case", "show", waiting)
    assert record["stage"] == "approved"
    assert [e["kind"] for e in record["events"]][-1] == "approved"

    term.keys("L")  # Chinese, then quit
    term.wait(lambda s: "平台审核" in s, "Chinese")
    term.keys("Escape", "q")
    term.wait(lambda s: not term.running(), "the app to quit", timeout=15)


def test_changes_from_the_command_line_appear_while_it_runs(cli: Any, terminal: Any) -> None:
    first = cli.json(*add_args("A-1"))["ref"]
    term = terminal(width=80, height=24)
    term.wait(lambda s: first in s, "the first case")
    second = cli.json(*add_args("B-2", "58"))["ref"]
    shown = term.wait(lambda s: second in s, "the case added from the shell", timeout=15)
    assert "2 cases" in shown
    term.keys("q")


def test_without_a_terminal_it_prints_the_caseload(cli: Any) -> None:
    ref = cli.json(*add_args("P-1"))["ref"]
    out = cli().stdout  # stdout is a pipe here: no full-screen app
    assert "Ref" in out and ref in out and "\x1b[?1049h" not in out


def test_an_empty_home_shows_how_to_begin(terminal: Any, home: Path) -> None:
    term = terminal(width=80, height=24)
    shown = term.wait(lambda s: "No cases yet" in s, "the empty screen")
    assert "new case" in shown and "import a CSV" in shown
    term.keys("q")


def _table_cases(cli: Any) -> tuple[str, str]:
    odd = cli.json("case", "add", "--platform", "[VIP]卡盟", "--order", "[/x]1", "--product",
                   "[bold]会员[/bold]", "--amount", "30", "--channel", "wechat", "--reason",
                   "not_activated", "--paid-at", "2026-09-28T10:00+08:00")["ref"]
    cli("case", "event", odd, "submitted", "--at", "2026-09-29 09:00")
    later = cli.json(*add_args("KM-77", "128", "2026-10-04T10:00+08:00"))["ref"]
    cli("case", "event", later, "submitted", "--at", "2026-10-04 12:00")
    return odd, later


def test_the_caseload_table_prints_text_as_typed_and_lines_up(cli: Any) -> None:
    odd, later = _table_cases(cli)
    out = cli("case", "list", REFUNDFLOW_NOW="2026-10-10T10:00+08:00").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["Ref", "Platform", "Order", "Amount", "Stage", "Next",
                                "deadline", "Time", "left"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert "[VIP]卡盟" in rows[odd] and "[/x]1" in rows[odd]  # not read as markup
    assert "overdue" in rows[odd] and "in " in rows[later]
    # Chinese platform names take two cells a character: the columns still line up.
    from rich.cells import cell_len

    def column(line: str, text: str) -> int:
        return cell_len(line[: line.index(text)])

    assert column(rows[odd], "30.00 CNY") == column(rows[later], "128.00 CNY") == column(
        lines[0], "Amount")
    assert all(line == line.rstrip() for line in lines)


def test_a_narrow_terminal_leaves_columns_out_instead_of_wrapping(
    cli: Any, terminal: Any
) -> None:
    odd, later = _table_cases(cli)
    now = {"REFUNDFLOW_NOW": "2026-10-10T10:00+08:00"}
    wide = terminal(160, 10, "case", "list", **now)
    shown = wide.wait(lambda s: later in s, "the wide table")
    assert "Order" in shown and "[/x]1" in shown and "[VIP]卡盟" in shown
    narrow = terminal(80, 10, "case", "list", **now)
    shown = narrow.wait(lambda s: later in s, "the narrow table")
    rows = [line for line in shown.splitlines() if line.startswith("RF-")]
    assert len(rows) == 2, shown  # one line a case: nothing wrapped
    assert "Order" not in shown and "[/x]1" not in shown
    assert "overdue" in rows[0] and "platform review" in rows[0], shown
    colored = narrow.tmux("capture-pane", "-p", "-e", "-t", narrow.session)
    assert re.search(r"\x1b\[31m(\x1b\[[0-9;]*m)*overdue", colored), colored  # in red
