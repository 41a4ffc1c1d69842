"""Settings: environment (``REFUNDFLOW_*``), then ``config.toml`` in the home, then defaults."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from cases.i18n import Lang, default_lang
from cases.paths import default_home

__all__ = ["Settings", "default_home"]


class Settings(BaseSettings):
    """Where refundflow keeps its data and how it speaks and counts time."""

    model_config = SettingsConfigDict(env_prefix="REFUNDFLOW_", extra="ignore")

    home: Path = Field(default_factory=default_home)
    """Data directory: the SQLite database, evidence files, rules.toml, holidays.toml, logs."""

    database_url: str | None = None
    """SQLAlchemy URL; default ``sqlite:///<home>/refundflow.db``. Teams: ``postgresql://…``."""

    tz: str = "Asia/Shanghai"
    """Zone for new cases and for reading times given without an offset."""

    lang: Literal["zh", "en"] = Field(default_factory=default_lang)
    """Language of messages: ``zh`` or ``en``."""

    province: str | None = None
    """Your province (e.g. ``江苏`` or ``Jiangsu``), for cases that have none of their own: the
    ladder, letters and dossiers use its police threshold and small-claims cap."""

    actor: str | None = None
    """Who records events (shown on the timeline; useful for teams). Default: the login name."""

    now: datetime | None = None
    """Freeze the clock at this instant (ISO 8601 with offset): for tests and trial runs only."""

    # ----------------------------------------------------------------- mail (reminders)
    # The SMTP password is deliberately not a setting: it comes from the system keyring
    # (``refundflow notify login``) or the REFUNDFLOW_SMTP_PASSWORD environment variable,
    # and is never read from or written to a file.
    smtp_host: str | None = None
    """SMTP server for reminder mail, e.g. ``smtp.qq.com``. Unset: mail waits in the outbox."""

    smtp_port: int | None = None
    """SMTP port. Default from ``smtp_security``: 465 (ssl), 587 (starttls), 25 (none)."""

    smtp_user: str | None = None
    """Login name at the SMTP server (usually the address). Unset: send without logging in."""

    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    """How the connection is protected: ``ssl`` (TLS from the start, port 465), ``starttls``
    (port 587), or ``none`` (only for a relay on this machine or a test server)."""

    smtp_timeout: float = 20.0
    """Seconds to wait for the SMTP server at each step before counting it unreachable."""

    mail_from: str | None = None
    """Sender address. Default: ``smtp_user``."""

    notify_to: str | None = None
    """Who gets reminders and the digest: one address or several, separated by commas
    (in config.toml also a list). Unset: mail waits in the outbox."""

    notify_tz: str | None = None
    """The recipients' time zone, for quiet hours and the digest. Default: ``tz``."""

    mail_lang: Literal["zh", "en"] | None = None
    """Language of the mail. Default: ``lang``."""

    quiet_hours: str = "22:00-08:00"
    """No mail in this window (recipients' zone) unless the deadline itself falls in it.
    Empty: no quiet hours."""

    remind_before: str = "24h, 2h"
    """When to remind before each deadline, e.g. ``24h, 2h`` or ``3d, 24h, 30m``. At the
    deadline itself the deadline-missed mail goes out."""

    remind_overdue_days: int = 14
    """After a deadline passes with nothing recorded, remind every day for this many days
    (0: never)."""

    digest_at: str = "08:30"
    """Time of the morning digest (recipients' zone). Empty: no digest."""

    mail_retry_base: float = 30.0
    """Seconds before the first retry of a mail that failed; each retry waits twice as long."""

    mail_retry_max: float = 300.0
    """The longest wait between retries, in seconds."""

    mail_max_tries: int = 3
    """Tries before giving up on a mail the server refuses outright (a 5xx reply)."""

    # -------------------------------------------------- the background service (flows/)
    orchestrate: bool = True
    """Run each submitted case as a Prefect flow run. False: the background service only
    handles deadlines (and the reminders), with no Prefect server or runner."""

    serve: bool = True
    """Serve the flows with the service's own runner. False where Prefect workers run the
    ``prefect.yaml`` deployments (a team): the service then only starts and resumes runs."""

    prefect_port: int | None = None
    """Port of the local Prefect server (loopback only). Default: a free port at each start."""

    prefect_deployment: str = "refundflow"
    """Name of the Prefect deployments (``refund-case/<name>`` …): one per case database."""

    runner_limit: int = Field(default=4, ge=1, le=64)
    """Flow runs the runner carries out at once. A run mostly waits for the Prefect API, so
    4 keep 2 cores busy (runner + server); more only queue up on the server's database."""

    runner_mode: Literal["inprocess", "subprocess"] = "inprocess"
    """How the runner carries out a flow run: ``inprocess`` (async, in the runner's own
    process: about 0.2 CPU-s a run) or ``subprocess`` (Prefect's stock runner: a fresh
    Python process per run, about 2 CPU-s of start-up each, more isolated)."""

    runner_poll_seconds: float = Field(default=1.0, gt=0)
    """How often the runner asks the Prefect API for runs to carry out, in seconds."""

    pump_seconds: float = Field(default=1.0, gt=0)
    """How often the service looks for cases changed by others (the CLI, the TUI, another
    machine) to start or resume their flow runs, in seconds."""

    sweep_seconds: float = Field(default=30.0, gt=0)
    """Seconds between two deadline sweeps: the safety net behind the exact timer."""

    @field_validator("tz", mode="after")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai"
            ) from None
        return value

    @field_validator("notify_tz", mode="after")
    @classmethod
    def _known_notify_zone(cls, value: str | None) -> str | None:
        return None if not value else cls._known_zone(value)

    @field_validator("notify_to", "remind_before", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    @field_validator("quiet_hours", mode="after")
    @classmethod
    def _window(cls, value: str) -> str:
        if value.strip():
            start, sep, end = value.partition("-")
            if not sep:
                raise ValueError(f"quiet_hours takes HH:MM-HH:MM, e.g. 22:00-08:00 (got {value!r})")
            _clock_time(start, "quiet_hours")
            _clock_time(end, "quiet_hours")
        return value.strip()

    @field_validator("digest_at", mode="after")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        if value.strip():
            _clock_time(value, "digest_at")
        return value.strip()

    @field_validator("remind_before", mode="after")
    @classmethod
    def _offsets(cls, value: str) -> str:
        reminder_offsets(value)
        return value

    @property
    def recipients(self) -> list[str]:
        """``notify_to`` as a list of addresses."""
        text = (self.notify_to or "").replace(";", ",")
        return [item.strip() for item in text.split(",") if item.strip()]

    @property
    def sender(self) -> str | None:
        return self.mail_from or self.smtp_user

    @property
    def recipient_zone(self) -> str:
        return self.notify_tz or self.tz

    @property
    def mail_language(self) -> Lang:
        return self.mail_lang or self.lang

    @field_validator("home", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'refundflow.db'}"

    @property
    def who(self) -> str | None:
        return self.actor or os.environ.get("USER") or os.environ.get("USERNAME")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        home = Path(os.environ.get("REFUNDFLOW_HOME") or default_home()).expanduser()
        toml = TomlConfigSettingsSource(settings_cls, toml_file=home / "config.toml")
        return (init_settings, env_settings, toml)


def _clock_time(text: str, name: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{name} takes a time of day as HH:MM (got {text.strip()!r})") from None


def clock_time(text: str) -> time:
    """``08:30`` → ``time(8, 30)`` (a setting already checked)."""
    return _clock_time(text, "time")


_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def reminder_offsets(text: str) -> list[timedelta]:
    """``24h, 2h`` → [24 hours, 2 hours], longest first: how long before a deadline to remind."""
    offsets: list[timedelta] = []
    for item in text.replace(";", ",").split(","):
        word = item.strip().lower().replace(" ", "")
        if not word:
            continue
        number, unit = word[:-1], word[-1:]
        if unit not in _UNITS or not number.isdigit() or int(number) <= 0:
            raise ValueError(
                f"remind_before takes durations such as 24h, 2h, 30m or 3d (got {item.strip()!r})"
            )
        offsets.append(timedelta(seconds=int(number) * _UNITS[unit]))
    return sorted(set(offsets), reverse=True)


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
