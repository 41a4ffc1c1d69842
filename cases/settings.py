"""Settings: environment (``REFUNDFLOW_*``), then ``config.toml`` in the home, then defaults."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from cases.i18n import default_lang


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("refundflow", appauthor=False))


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

    actor: str | None = None
    """Who records events (shown on the timeline; useful for teams). Default: the login name."""

    now: datetime | None = None
    """Freeze the clock at this instant (ISO 8601 with offset): for tests and trial runs only."""

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


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
