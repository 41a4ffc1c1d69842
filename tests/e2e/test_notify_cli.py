"""Mail from the installed command line: ``notify test|login``, ``outbox list|send|retry``,
``export --format ics``, against a real SMTP server on loopback.

The background service (another issue) is what queues deadline-missed notices; here the
test plays its part with one call to ``handle_due_deadlines`` on the same home.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from icalendar import Calendar

from cases import services
from cases.bootstrap import bootstrap
from cases.ports import FixedClock
from cases.settings import Settings
from tests.conftest import REFUNDFLOW, Cli
from tests.e2e import add_args
from tests.mailserver import MailServer

T = datetime.fromisoformat
LATER = "2026-10-20T10:00+08:00"
"""After the review deadline of a case submitted on 2026-09-30."""
SECRET = "Pw-e2e-7731-not-on-disk"


def submitted_case(cli: Cli, order: str = "KM1001") -> str:
    ref: str = cli.json(*add_args(order))["ref"]
    cli("case", "event", ref, "submitted", "--at", "2026-09-30T09:00+08:00")
    return ref


def service_handles_deadlines(home: Path, when: str = LATER) -> None:
    """What the background service does at a deadline: mark it missed, queue the notice."""
    ctx = bootstrap(Settings(home=home, lang="en"), FixedClock(T(when)))
    services.handle_due_deadlines(ctx)
    ctx.engine.dispose()


def steps(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """``notify test`` output: step name → the line's mark (✓ ✗ -)."""
    found = {}
    for line in result.stdout.splitlines():
        if line[:1] in "✓✗-" and len(line) > 2:
            found[line[2:].split()[0].lower()] = line[0]
    return found


# ---------------------------------------------------------------------------- notify test
def test_notify_test_says_exactly_which_step_failed(cli: Cli, tmp_path: Path) -> None:
    bare = cli("notify", "test", check=False)
    assert bare.returncode == 8
    assert steps(bare) == {"settings": "✗"}
    assert "REFUNDFLOW_SMTP_HOST" in bare.stderr and "Traceback" not in bare.stderr

    base = {"REFUNDFLOW_MAIL_FROM": "refundflow@example.test",
            "REFUNDFLOW_NOTIFY_TO": "alice@example.test", "REFUNDFLOW_SMTP_SECURITY": "none"}
    dns = cli("notify", "test", check=False, REFUNDFLOW_SMTP_HOST="smtp.refundflow-e2e.invalid",
              **base)
    assert dns.returncode == 8 and steps(dns)["dns"] == "✗"
    assert "cannot resolve smtp.refundflow-e2e.invalid" in dns.stdout

    server = MailServer(tmp_path / "maildir", login=("rf-user", SECRET))
    target = {**base, "REFUNDFLOW_SMTP_HOST": "127.0.0.1", "REFUNDFLOW_SMTP_PORT": str(server.port)}
    down = cli("notify", "test", check=False, **target)
    assert steps(down) == {"settings": "✓", "password": "-", "dns": "✓", "connection": "✗"}
    assert "refused the connection" in down.stdout

    with server:
        starttls = {**target, "REFUNDFLOW_SMTP_SECURITY": "starttls"}
        tls = cli("notify", "test", check=False, **starttls)
        assert steps(tls)["tls"] == "✗" and "does not offer STARTTLS" in tls.stdout

        login = {**target, "REFUNDFLOW_SMTP_USER": "rf-user"}
        wrong = cli("notify", "test", check=False, REFUNDFLOW_SMTP_PASSWORD="not-it-0", **login)
        assert steps(wrong)["login"] == "✗" and "535" in wrong.stdout
        assert "app password" in wrong.stderr

        ok = cli("notify", "test", REFUNDFLOW_SMTP_PASSWORD=SECRET, **login)
        assert steps(ok) == {"settings": "✓", "password": "✓", "dns": "✓", "connection": "✓",
                             "tls": "-", "login": "✓", "send": "✓"}
        report = json.loads(cli("notify", "test", "--json", REFUNDFLOW_SMTP_PASSWORD=SECRET,
                                **login).stdout)
        assert report["ok"] is True and report["failed"] is None
    messages = server.messages()
    assert [m["Subject"] for m in messages] == ["[refundflow] test mail"] * 2
    assert report["message_id"] == messages[1]["Message-ID"]
    kinds = {(n["kind"], n["status"]) for n in cli.json("outbox", "list")}
    assert kinds == {("test", "sent")}


# --------------------------------------------------------------------------- notify login
def test_login_keeps_the_password_in_the_keyring_and_nowhere_in_the_home(
    cli: Cli, tmp_path: Path, home: Path
) -> None:
    keyring_file = tmp_path / "keyring-outside-home.json"
    keyring_env = {
        "PYTHON_KEYRING_BACKEND": "tests.keyring_backend.FileKeyring",
        "RF_TEST_KEYRING_FILE": str(keyring_file),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "REFUNDFLOW_SMTP_USER": "rf-user",
    }
    stored = subprocess.run(
        [REFUNDFLOW, "notify", "login", "--password-stdin"], input=SECRET + "\n",
        capture_output=True, text=True, env={**cli.env, **keyring_env}, timeout=60,
    )
    assert stored.returncode == 0, stored.stderr
    assert "rf-user" in stored.stdout and SECRET not in stored.stdout + stored.stderr
    assert json.loads(keyring_file.read_text()) == {"yagmail/rf-user": SECRET}

    with MailServer(tmp_path / "maildir", login=("rf-user", SECRET)) as server:
        env = {**server.env(), **keyring_env}
        ok = cli("notify", "test", **env)
        assert "from the system keyring" in ok.stdout
        ref = submitted_case(cli)
        service_handles_deadlines(home)
        sent = cli.json("outbox", "send", REFUNDFLOW_NOW=LATER, **env)
        assert sent["sent"] == 1
        assert ref in server.messages()[-1]["Subject"]
        cli("outbox", "send", check=False, REFUNDFLOW_NOW=LATER,
            **{**env, "REFUNDFLOW_SMTP_PASSWORD": "wrong-but-secret-2"})

    # Nothing refundflow wrote (database, logs, config, evidence) holds a password.
    for root in (home, Path(cli.env.get("HOME", home))):
        for path in root.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert SECRET.encode() not in data, path
                assert b"wrong-but-secret-2" not in data, path

    no_keyring = subprocess.run(
        [REFUNDFLOW, "notify", "login", "--password-stdin"], input=SECRET + "\n",
        capture_output=True, text=True, timeout=60,
        env={**cli.env, "REFUNDFLOW_SMTP_USER": "rf-user",
             "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"},
    )
    assert no_keyring.returncode == 2
    assert "REFUNDFLOW_SMTP_PASSWORD" in no_keyring.stderr and SECRET not in no_keyring.stderr


# ---------------------------------------------------------------------------------- outbox
def test_without_smtp_mail_is_held_and_listed_then_sent_once_configured(
    cli: Cli, tmp_path: Path, home: Path
) -> None:
    ref = submitted_case(cli)
    service_handles_deadlines(home)
    held = cli.json("outbox", "send", REFUNDFLOW_NOW=LATER)
    assert held["held"] == 1 and held["sent"] == 0
    [row] = cli.json("outbox", "list")
    assert (row["status"], row["kind"], row["case"]) == ("held", "deadline_missed", ref)
    assert row["last_error"] == "SMTP not configured: set REFUNDFLOW_SMTP_HOST"
    table = cli("outbox", "list").stdout
    assert "held (no SMTP)" in table and "1 mail(s) wait for mail to be set up" in table
    assert "待设置邮箱" in cli("outbox", "list", REFUNDFLOW_LANG="zh").stdout

    with MailServer(tmp_path / "maildir") as server:
        assert cli.json("outbox", "send", REFUNDFLOW_NOW=LATER, **server.env())["sent"] == 1
        assert cli.json("outbox", "send", REFUNDFLOW_NOW=LATER, **server.env())["sent"] == 0
        [message] = server.messages()
    assert message["Subject"].startswith(f"[refundflow] {ref}: platform review deadline")
    [row] = cli.json("outbox", "list", "--status", "sent")
    assert row["sent_at"] == "2026-10-20T10:00:00+08:00"


def test_retry_sends_a_failed_mail_again(cli: Cli, tmp_path: Path, home: Path) -> None:
    submitted_case(cli)
    service_handles_deadlines(home)
    with MailServer(tmp_path / "maildir") as server:
        env: dict[str, Any] = {**server.env(), "REFUNDFLOW_MAIL_MAX_TRIES": "1",
                               "REFUNDFLOW_NOW": LATER}
        server.fail("DATA", "550 5.7.1 Delivery not authorized", times=1)
        assert cli.json("outbox", "send", **env)["failed"] == 1
        [row] = cli.json("outbox", "list")
        assert (row["status"], row["last_error"]) == (
            "failed", "permanent: 550 5.7.1 Delivery not authorized"
        )
        again = cli.json("outbox", "retry", str(row["id"]), **env)
        assert (again["status"], again["attempts"]) == ("queued", 0)
        assert cli.json("outbox", "send", **env)["sent"] == 1
        assert len(server.messages()) == 1

    missing = cli("outbox", "retry", "999", check=False)
    assert missing.returncode == 3 and "no mail 999" in missing.stderr
    sent = cli("outbox", "retry", str(row["id"]), check=False)
    assert sent.returncode == 5 and "only failed, held or cancelled mail" in sent.stderr


# ---------------------------------------------------------------------------------- ics
def test_export_ics_holds_every_open_deadline(cli: Cli, tmp_path: Path) -> None:
    first = submitted_case(cli, "KM-1")
    second = submitted_case(cli, "KM-2")
    closed = submitted_case(cli, "KM-3")
    cli("case", "event", closed, "withdrawn")
    out = tmp_path / "deadlines.ics"
    result = cli("export", "--format", "ics", "-o", str(out))
    assert "exported 2 open deadlines" in result.stderr
    events = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == [
        f"{first}.review.1@refundflow", f"{second}.review.1@refundflow"
    ]
    for event in events:
        assert event.decoded("DTSTART") == T("2026-10-11T00:00:00+08:00")  # 10-10 24:00
        assert "Why this date: 3 working days after 2026-09-30 09:00" in str(
            event["DESCRIPTION"]).replace("\n ", "")
        assert len(event.walk("VALARM")) == 2  # 24 h and 2 h before, as the reminders
    assert cli("calendar").stdout.startswith("BEGIN:VCALENDAR")
    assert json.loads(cli("export").stdout)["format"] == "refundflow.export/1"  # unchanged



def test_a_password_written_in_config_toml_is_refused_not_used(cli: Cli, home: Path) -> None:
    (home / "config.toml").write_text(
        'smtp_host = "127.0.0.1"\nmail_from = "a@example.test"\nnotify_to = ["b@example.test"]\n'
        f'smtp_user = "rf-user"\nsmtp_password = "{SECRET}"\n', encoding="utf-8"
    )
    result = cli("notify", "test", check=False)
    assert result.returncode == 8
    assert steps(result) == {"settings": "✓", "password": "✗"}
    assert "config.toml holds smtp_password" in result.stdout
    assert SECRET not in result.stdout + result.stderr
