"""Sending mail with yagmail, behind the :class:`cases.ports.Notifier` port.

yagmail connects (SSL, STARTTLS or plain), logs in, writes the MIME message (encoded
Chinese subject, ``Message-ID``, attachments) and sends it. Three of its habits do not fit
an outbox, so :class:`_Client` adjusts them, and says why next to each:

* ``send`` reconnects and logs in again for every message; we log in once per batch;
* on a dropped connection it retries three times with sleeps (up to 18 s) and then
  returns ``False`` instead of raising; the outbox owns retries, so one try, errors raised;
* its text/plain part is the HTML source; we put the real plain text there.

smtplib does not verify the server's certificate unless given a context; we always give
one. The password comes from ``REFUNDFLOW_SMTP_PASSWORD`` or the system keyring (service
``yagmail``, where ``yagmail.register`` and ``refundflow notify login`` put it); it is
never written to a file, a log or an error message. If neither has it, nothing prompts
(yagmail would ask on the terminal, which hangs a background service): the mail waits.
"""

from __future__ import annotations

import functools
import io
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from typing import Any

from cases.outbox import DeliveryError, Failure, Mail
from cases.ports import Notifier
from cases.settings import Settings

PASSWORD_ENV = "REFUNDFLOW_SMTP_PASSWORD"
KEYRING_SERVICE = "yagmail"
"""yagmail's own keyring service name: ``yagmail.register(user, password)`` stores there."""
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
SENDER_NAME = "refundflow"


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send, from the settings (no password: see :func:`smtp_password`)."""

    host: str
    port: int
    security: str
    user: str | None
    sender: str
    recipients: tuple[str, ...]
    timeout: float

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]


def smtp_config(settings: Settings) -> SmtpConfig | str:
    """The SMTP configuration, or the reason mail cannot be sent yet (in English, for the
    outbox's last error; the command line explains it in the user's language)."""
    if not settings.smtp_host:
        return "SMTP not configured: set REFUNDFLOW_SMTP_HOST"
    if not settings.recipients:
        return "no recipient: set REFUNDFLOW_NOTIFY_TO"
    sender = settings.sender
    if not sender or "@" not in sender:
        return "no sender address: set REFUNDFLOW_MAIL_FROM"
    if settings.smtp_user and settings.smtp_security == "none" and not _loopback(
        settings.smtp_host
    ):
        return (
            f"refusing to send the SMTP password unencrypted to {settings.smtp_host}: "
            "set REFUNDFLOW_SMTP_SECURITY to ssl or starttls"
        )
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port or DEFAULT_PORTS[settings.smtp_security],
        security=settings.smtp_security,
        user=settings.smtp_user,
        sender=sender,
        recipients=tuple(settings.recipients),
        timeout=settings.smtp_timeout,
    )


def _loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def smtp_password(user: str) -> str | None:
    """The password: the environment variable first, then the system keyring.

    ``None`` when neither has one, or when this machine has no keyring (a headless Linux
    raises ``NoKeyringError``): the caller reports it; nothing asks on a terminal.
    """
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return value
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            return keyring.get_password(KEYRING_SERVICE, user)
        except KeyringError:
            return None
    except Exception:  # no keyring package, or a broken backend (D-Bus down)
        return None


def keyring_available() -> str | None:
    """None when a usable keyring exists, else why not (the backend's own words)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return "no keyring backend on this machine"
        return None
    except Exception as exc:  # pragma: no cover - depends on the desktop
        return type(exc).__name__


def store_password(user: str, password: str) -> None:
    """``refundflow notify login``: keep the password in the system keyring (yagmail's)."""
    import yagmail

    yagmail.register(user, password)


@functools.cache
def _client_class() -> type[Any]:
    import yagmail

    class _Client(yagmail.SMTP):
        """yagmail's client, adjusted for an outbox (see the module docstring)."""

        def __init__(self, login_name: str | None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.login_name = login_name
            self.set_logging(None)  # its logger prints to stderr; failures are raised instead

        def login(self) -> None:
            if self.smtp is not None and not self.is_closed:
                return  # still connected: yagmail's send would connect again each time
            # yagmail logs in as the sender address; many servers (relays, API keys) use a
            # login name that is not the address, so log in as SMTP_USER, send as MAIL_FROM.
            sender, self.user = self.user, self.login_name or self.user
            try:
                super().login()
            finally:
                self.user = sender

        def _attempt_send(self, recipients: list[str], msg_strings: str) -> Any:
            return self.smtp.sendmail(self.user, recipients, msg_strings)

        def drop(self) -> None:
            """Forget the connection (after an error): the next send connects afresh."""
            try:
                if self.smtp is not None:
                    self.smtp.close()
            except Exception:
                pass
            self.smtp = None
            self.is_closed = True

    return _Client


class YagmailNotifier(Notifier):
    """Sends :class:`cases.outbox.Mail` through one SMTP connection, kept between calls."""

    def __init__(self, config: SmtpConfig, password: str | None = None) -> None:
        self.config = config
        self._password = password
        self._client: Any = None

    # ------------------------------------------------------------------ connecting
    def connect(self) -> None:
        """Resolve, connect, secure and log in (each failure has its own :class:`Failure`)."""
        if self._client is not None and self._client.smtp is not None:
            return
        config = self.config
        try:
            socket.getaddrinfo(config.host, config.port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise DeliveryError(
                Failure.DNS, f"cannot resolve {config.host}: {exc.strerror or exc}"
            ) from None
        password: str | None = None
        if config.user:
            password = self._password or smtp_password(config.user)
            if not password:
                raise DeliveryError(
                    Failure.NOT_CONFIGURED,
                    f"no SMTP password for {config.user}: run `refundflow notify login` "
                    f"or set {PASSWORD_ENV}",
                )
        context = ssl.create_default_context()
        kwargs: dict[str, Any] = {"timeout": config.timeout}
        if config.security == "ssl":
            kwargs["context"] = context
        client = _client_class()(
            login_name=config.user,
            user={config.sender: SENDER_NAME},
            password=password,
            host=config.host,
            port=config.port,
            smtp_ssl=config.security == "ssl",
            smtp_starttls={"context": context} if config.security == "starttls" else False,
            smtp_skip_login=not config.user,
            **kwargs,
        )
        try:
            client.login()
        except Exception as exc:
            client.drop()
            raise classify(exc, config, connecting=True) from None
        self._client = client

    def send(self, mail: Mail) -> None:
        self.connect()
        client = self._client
        try:
            recipients, text = self.compose(mail)
            refused = client._attempt_send(recipients, text)
        except DeliveryError:
            raise
        except Exception as exc:
            error = classify(exc, self.config, connecting=False)
            if error.server_wide or error.failure == Failure.TEMPORARY:
                self.close()  # the session may be unusable after an error: start afresh
            raise error from None
        if refused and len(refused) == len(recipients):  # pragma: no cover - smtplib raises
            raise DeliveryError(Failure.PERMANENT, f"every recipient refused: {refused}")

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception:
                pass
            self._client.drop()
            self._client = None

    # ------------------------------------------------------------------- composing
    def compose(self, mail: Mail) -> tuple[list[str], str]:
        """The MIME message as yagmail writes it, with a real plain-text alternative."""
        from yagmail.headers import resolve_addresses
        from yagmail.message import prepare_message
        from yagmail.validate import validate_email_with_regex

        client = self._client
        to = list(mail.to)
        addresses = resolve_addresses(client.user, client.useralias, to, None, None)
        for address in addresses["recipients"]:
            validate_email_with_regex(address)
        files = []
        for item in mail.attachments:
            handle = io.BytesIO(item.content)
            handle.name = item.filename
            files.append(handle)
        message = prepare_message(
            client.user,
            client.useralias,
            addresses,
            mail.subject,
            None,
            files or None,
            {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
            "utf-8",
            False,
            mail.message_id,
        )
        _finish(message, mail)
        return addresses["recipients"], message.as_string()


def _finish(message: MIMEMultipart, mail: Mail) -> None:
    """Put the text and HTML in the alternative part; mark attachments as attachments."""
    parts = message.get_payload()
    alternative = parts[0]
    alternative.set_payload(
        [MIMEText(mail.text, "plain", "utf-8"), MIMEText(mail.html, "html", "utf-8")]
    )
    by_name = {a.filename: a for a in mail.attachments}
    for part in parts[1:]:
        name = part.get_param("name")
        name = name[2] if isinstance(name, tuple) else name
        found = by_name.get(str(name))
        if found is None:
            continue
        if found.mime.startswith("text/calendar"):
            part.set_param("method", "PUBLISH")
            part.set_param("charset", "utf-8")
        part.add_header("Content-Disposition", "attachment", filename=found.filename)
    if message["From"] is None:  # pragma: no cover - yagmail always sets it
        message["From"] = formataddr((SENDER_NAME, mail.to[0]))


def classify(exc: BaseException, config: SmtpConfig, connecting: bool) -> DeliveryError:
    """Name what failed: DNS, connection, TLS, login, or the server's answer to this mail."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, socket.gaierror):
        return DeliveryError(Failure.DNS, f"cannot resolve {config.host}: {exc.strerror or exc}")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        text = _reply(exc.smtp_error)
        return DeliveryError(Failure.AUTH, f"login refused: {text}", exc.smtp_code)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        if "STARTTLS" in str(exc).upper():
            return DeliveryError(Failure.TLS, f"{where} does not offer STARTTLS")
        return DeliveryError(Failure.AUTH, f"{where} offers no login (AUTH): {exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = exc.verify_message or exc.reason
        return DeliveryError(Failure.TLS, f"certificate of {config.host} refused: {why}")
    if isinstance(exc, ssl.SSLError):
        return DeliveryError(Failure.TLS, f"TLS with {where} failed: {exc.reason or exc}")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(
            f"{addr}: {code} {_reply(text)}" for addr, (code, text) in exc.recipients.items()
        )
        failure = Failure.TEMPORARY if any(400 <= c < 500 for c in codes) else Failure.PERMANENT
        return DeliveryError(failure, f"recipients refused: {detail}", max(codes, default=None))
    if isinstance(exc, smtplib.SMTPResponseException):
        code, text = exc.smtp_code, _reply(exc.smtp_error)
        if connecting or code == 421:  # 421: the server is closing the connection
            return DeliveryError(Failure.CONNECTION, f"{where} answered: {text}", code)
        failure = Failure.TEMPORARY if 400 <= code < 500 else Failure.PERMANENT
        return DeliveryError(failure, text, code)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(Failure.CONNECTION, f"{where} closed the connection: {exc}")
    if isinstance(exc, TimeoutError):
        return DeliveryError(Failure.CONNECTION, f"{where} did not answer in {config.timeout:g} s")
    if isinstance(exc, ConnectionRefusedError):
        return DeliveryError(Failure.CONNECTION, f"{where} refused the connection")
    if isinstance(exc, OSError):
        return DeliveryError(Failure.CONNECTION, f"cannot reach {where}: {exc.strerror or exc}")
    name = type(exc).__name__
    if name in ("YagInvalidEmailAddress", "YagAddressError"):
        return DeliveryError(Failure.NOT_CONFIGURED, f"invalid address: {exc}")
    return DeliveryError(Failure.TEMPORARY, f"{name}: {exc}")


def _reply(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())
