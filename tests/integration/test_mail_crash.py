"""A dispatcher killed mid-way (SIGKILL, in a real subprocess) neither loses nor doubles mail.

Killed after sending and before marking: the notice stays SENDING under its lease; no
other dispatcher touches it while the lease lasts; after it the mail is sent once more,
with the same Message-ID, so the reader's mail client shows one message. Killed after
claiming and before sending: nothing went out, and after the lease it goes out once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cases import services
from cases.bootstrap import Context
from cases.outbox import NoticeStatus
from cases.outbox_services import list_notices
from notifications.outbox import Dispatcher
from tests.integration.test_mail import MISSED_AT, at, mail_ctx, missed_case
from tests.mailserver import MailServer

KILLED_AT = {
    # Replace one step of claim → send → mark with a SIGKILL of the whole process.
    "after_send": "from cases import outbox_services as target; name = 'mark_sent'",
    "before_send": "from notifications import mailer as m; target = m.YagmailNotifier; "
    "name = 'send'",
}
SCRIPT = """
import os, signal
{patch}
setattr(target, name, lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL))
from cases.bootstrap import bootstrap
from notifications.outbox import Dispatcher
Dispatcher(bootstrap()).run()
raise SystemExit("not killed")
"""


def run_dispatcher_killed(where: str, ctx: Context, server: MailServer) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REFUNDFLOW_")}
    env.update(server.env())
    env.update(
        REFUNDFLOW_HOME=str(ctx.settings.home),
        REFUNDFLOW_DATABASE_URL=ctx.settings.db_url,
        REFUNDFLOW_NOW=MISSED_AT.isoformat(),
        REFUNDFLOW_LANG="zh",
    )
    code = SCRIPT.format(patch=KILLED_AT[where])
    result = subprocess.run([sys.executable, "-c", code], env=env, timeout=120,
                            capture_output=True, text=True)
    return result.returncode


@pytest.mark.parametrize("where", ["after_send", "before_send"])
def test_a_dispatcher_killed_mid_send_loses_nothing_and_repeats_at_most_one_message(
    ctx: Context, tmp_path: Path, where: str
) -> None:
    with MailServer(tmp_path / "maildir") as server:
        mail = mail_ctx(ctx, server, mail_from="refundflow@example.test")
        ref = missed_case(mail)
        at(mail, MISSED_AT)
        services.handle_due_deadlines(mail)

        assert run_dispatcher_killed(where, ctx, server) == -9  # SIGKILL
        received = len(server.messages())
        assert received == (1 if where == "after_send" else 0)
        [notice] = list_notices(mail)
        assert notice.status == NoticeStatus.SENDING  # claimed, never marked

        # While the dead dispatcher's lease lasts, nobody sends it again.
        at(mail, MISSED_AT + timedelta(minutes=4))
        assert Dispatcher(mail).run().tried == 0
        # After it, the notice is due again and goes out (once more, same Message-ID).
        at(mail, MISSED_AT + timedelta(minutes=5, seconds=1))
        assert Dispatcher(mail).run().sent == 1
        messages = server.messages()
        assert len(messages) == received + 1
        assert len({m["Message-ID"] for m in messages}) == 1
        assert all(ref in m["Subject"] for m in messages)
        [notice] = list_notices(mail)
        assert notice.status == NoticeStatus.SENT
        assert Dispatcher(mail).run().tried == 0  # and never again
