"""``refundflow notify test``: try each step of sending and say exactly which one failed.

Settings → password → DNS → connection → TLS → login → sending a test mail. Each step
reports what it saw (the addresses the name resolved to, the server's reply); the first
failure stops the check. The password is never part of any step's text.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from cases.outbox import DeliveryError, Failure, Notice, NoticeKind, NoticeStatus
from cases.outbox_services import queue_notices
from notifications.compose import Composer
from notifications.mailer import (
    PASSWORD_ENV,
    YagmailNotifier,
    keyring_available,
    smtp_config,
    smtp_password,
)

STEPS = ("settings", "password", "dns", "connection", "tls", "login", "send")


@dataclass
class Step:
    name: str
    ok: bool | None  # None: not needed (no TLS, no login)
    detail: str = ""
    failure: Failure | None = None


@dataclass
class CheckResult:
    steps: list[Step] = field(default_factory=list)
    message_id: str | None = None

    @property
    def ok(self) -> bool:
        return all(step.ok is not False for step in self.steps) and self.message_id is not None

    @property
    def failed(self) -> Step | None:
        return next((step for step in self.steps if step.ok is False), None)

    def as_json(self) -> dict[str, Any]:
        failed = self.failed
        return {
            "ok": self.ok,
            "failed": None if failed is None else failed.name,
            "failure": None if failed is None or failed.failure is None else failed.failure.value,
            "message_id": self.message_id,
            "steps": [{"step": s.name, "ok": s.ok, "detail": s.detail} for s in self.steps],
        }


# Which step a failure belongs to, when it comes out of connecting.
_STEP_OF = {
    Failure.DNS: "dns",
    Failure.CONNECTION: "connection",
    Failure.TLS: "tls",
    Failure.AUTH: "login",
    Failure.NOT_CONFIGURED: "password",
}


def run_check(ctx: Any) -> CheckResult:
    result = CheckResult()
    steps = result.steps
    settings = ctx.settings
    config = smtp_config(settings)
    if isinstance(config, str):
        steps.append(Step("settings", False, config, Failure.NOT_CONFIGURED))
        return result
    steps.append(Step(
        "settings", True,
        f"{config.host}:{config.port} ({config.security}), from {config.sender} "
        f"to {', '.join(config.recipients)}",
    ))
    if _password_in_config(settings.home / "config.toml"):
        steps.append(Step(
            "password", False,
            "config.toml holds smtp_password: refundflow never reads a password from a file; "
            "delete that line and run `refundflow notify login`", Failure.NOT_CONFIGURED,
        ))
        return result
    password: str | None = None
    if config.user:
        password = smtp_password(config.user)
        if not password:
            why = keyring_available()
            where = f"{PASSWORD_ENV} is not set and " + (
                f"the system keyring is unavailable ({why})" if why
                else f"the system keyring has no password for {config.user}"
            )
            steps.append(Step("password", False, where, Failure.NOT_CONFIGURED))
            return result
        source = "environment" if _from_env() else "system keyring"
        steps.append(Step("password", True, f"from the {source}"))
    else:
        steps.append(Step("password", None, "no SMTP_USER: sending without logging in"))
    try:
        found = socket.getaddrinfo(config.host, config.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        steps.append(Step("dns", False, f"cannot resolve {config.host}: {exc.strerror or exc}",
                          Failure.DNS))
        return result
    addresses = sorted({str(item[4][0]) for item in found})
    steps.append(Step("dns", True, f"{config.host} → {', '.join(addresses)}"))

    notifier = YagmailNotifier(config, password)
    try:
        notifier.connect()
    except DeliveryError as error:
        failed_at = _STEP_OF.get(error.failure, "connection")
        for name in ("connection", "tls", "login"):
            if name == failed_at:
                steps.append(Step(name, False, error.describe(), error.failure))
                break
            steps.append(_passed(name, config))
        return result
    for name in ("connection", "tls", "login"):
        steps.append(_passed(name, config))

    now = ctx.clock.now()
    notice = Notice(f"test/{now.isoformat()}", NoticeKind.TEST, now, payload={"port": config.port})
    mail = Composer(ctx, config.recipients, config.domain).compose(notice, now)
    try:
        notifier.send(mail)
    except DeliveryError as error:
        steps.append(Step("send", False, error.describe(), error.failure))
        notice.status, notice.last_error, notice.attempts = (
            NoticeStatus.FAILED, error.describe(), 1)
    else:
        steps.append(Step("send", True, f"to {', '.join(config.recipients)}, {mail.message_id}"))
        result.message_id = mail.message_id
        notice.status, notice.sent_at, notice.attempts = NoticeStatus.SENT, now, 1
    finally:
        notifier.close()
    queue_notices(ctx, [notice])  # kept in the outbox, so the TUI shows the test too
    return result


def _passed(name: str, config: Any) -> Step:
    if name == "connection":
        return Step(name, True, f"{config.host}:{config.port}")
    if name == "tls":
        if config.security == "none":
            return Step(name, None, "not used (smtp_security = none)")
        how = "TLS from the start" if config.security == "ssl" else "STARTTLS"
        return Step(name, True, f"{how}, certificate verified")
    if not config.user:
        return Step(name, None, "not used (no SMTP_USER)")
    return Step(name, True, f"logged in as {config.user}")


def _from_env() -> bool:
    import os

    return bool(os.environ.get(PASSWORD_ENV))


def _password_in_config(path: Any) -> bool:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any("password" in key.lower() for key in data)
