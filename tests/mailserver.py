"""A real SMTP server on loopback (aiosmtpd) for the mail tests: it keeps what it receives
in a Maildir, can require a login, and can be told to refuse the next messages.

Shared by the integration and e2e tests (and usable from a subprocess: the Maildir is on
disk). aiosmtpd 1.4 cannot bind port 0 (it checks the port it was given), so a free port
is picked first; its ``Mailbox`` handler needs the Maildir's cur/new/tmp folders to exist,
so they are made here.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Fault:
    """Answer the next ``times`` messages at ``stage`` (``RCPT`` or ``DATA``) with ``reply``."""

    stage: str
    reply: str
    times: int = 1


@dataclass
class _Handler:
    maildir: Path
    faults: list[Fault] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _fault(self, stage: str) -> str | None:
        with self.lock:
            for fault in self.faults:
                if fault.stage == stage and fault.times > 0:
                    fault.times -= 1
                    return fault.reply
        return None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        refused = self._fault("RCPT")
        if refused:
            return refused
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        refused = self._fault("DATA")
        if refused:
            return refused
        with self.lock:
            mailbox.Maildir(self.maildir, create=False).add(envelope.original_content)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted"


class MailServer:
    """``with MailServer(tmp_path / "mail") as server: ... server.messages()``."""

    def __init__(self, maildir: Path, port: int | None = None,
                 login: tuple[str, str] | None = None) -> None:
        self.maildir = maildir
        for sub in ("cur", "new", "tmp"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.login = login
        self.handler = _Handler(maildir)
        self.logins: list[tuple[str, bool]] = []
        self.controller: Any = None

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = False
        if self.login and isinstance(auth_data, LoginPassword):
            ok = (auth_data.login.decode(), auth_data.password.decode()) == self.login
            self.logins.append((auth_data.login.decode(), ok))
        return AuthResult(success=ok, handled=False)  # handled=True would send no reply

    def start(self) -> MailServer:
        from aiosmtpd.controller import Controller

        options: dict[str, Any] = {}
        if self.login:
            options.update(authenticator=self._authenticate, auth_require_tls=False)
        self.controller = Controller(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10, **options
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()

    def fail(self, stage: str, reply: str, times: int = 1) -> None:
        self.handler.faults.append(Fault(stage, reply, times))

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        return list(self.handler.envelopes)

    def messages(self) -> list[EmailMessage]:
        """Every message received, parsed (headers decoded), oldest first."""
        return read_maildir(self.maildir)

    def env(self) -> dict[str, str]:
        """REFUNDFLOW_* settings that send to this server."""
        env = {
            "REFUNDFLOW_SMTP_HOST": "127.0.0.1",
            "REFUNDFLOW_SMTP_PORT": str(self.port),
            "REFUNDFLOW_SMTP_SECURITY": "none",
            "REFUNDFLOW_MAIL_FROM": "refundflow@example.test",
            "REFUNDFLOW_NOTIFY_TO": "alice@example.test, bob@example.test",
        }
        if self.login:
            env["REFUNDFLOW_SMTP_USER"] = self.login[0]
        return env


def read_maildir(path: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(path, create=False)
    found = []
    for key in box.keys():
        raw = box.get_bytes(key)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append((_arrival(key), parsed))
    return [message for _, message in sorted(found, key=lambda item: item[0])]


def _arrival(key: str) -> tuple[int, int]:
    # Maildir keys are "<seconds>.M<µs>P<pid>Q<counter>.<host>"; the counter grows per process.
    seconds, _, rest = key.partition(".")
    counter = rest.split("Q", 1)[1].split(".", 1)[0] if "Q" in rest else "0"
    return int(seconds), int(counter)


def body_text(message: EmailMessage, subtype: str = "plain") -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    content = part.get_content()
    assert isinstance(content, str)
    return content


def attachments(message: EmailMessage) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for part in message.iter_attachments():
        name = part.get_filename()
        payload = part.get_payload(decode=True)
        if name and isinstance(payload, bytes):
            found[name] = payload
    return found
