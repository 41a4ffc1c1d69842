"""Shared fixtures: a frozen clock, an isolated home, real databases, the installed CLI.

The user's own configuration never leaks in: every test gets its own
``REFUNDFLOW_HOME`` and ``HOME`` and no inherited ``REFUNDFLOW_*`` variables.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cases.bootstrap import Context, bootstrap
from cases.ports import FixedClock
from cases.settings import Settings

NOW = datetime.fromisoformat("2026-10-05T10:00:00+08:00")
"""The frozen "now" of the tests: inside the 2026 National Day holiday."""

PG_URL = os.environ.get("REFUNDFLOW_TEST_POSTGRES_URL")
BIN = Path(sys.executable).parent
REFUNDFLOW = shutil.which("refundflow", path=str(BIN)) or "refundflow"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("REFUNDFLOW_") and key != "REFUNDFLOW_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.setenv("REFUNDFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REFUNDFLOW_LANG", "en")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir(exist_ok=True)
    return path


def _postgres_database() -> Iterator[str]:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the store tests on Postgres: REFUNDFLOW_TEST_POSTGRES_URL unset"
            )
        pytest.skip("no PostgreSQL: set REFUNDFLOW_TEST_POSTGRES_URL (.ci/run does)")
    from sqlalchemy import create_engine, text

    name = f"rf_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, home: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{home / 'refundflow.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def ctx(db_url: str, home: Path, clock: FixedClock) -> Iterator[Context]:
    context = bootstrap(Settings(home=home, database_url=db_url, lang="en"), clock)
    yield context
    if "engine" in context.__dict__:
        context.engine.dispose()


class Cli:
    """The installed ``refundflow`` command, run as a user would, in a subprocess."""

    def __init__(self, home: Path, now: datetime, db_url: str | None = None) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REFUNDFLOW_")}
        self.env.update(
            REFUNDFLOW_HOME=str(home),
            REFUNDFLOW_NOW=now.isoformat(),
            REFUNDFLOW_LANG="en",
            COLUMNS="200",
        )
        if db_url:
            self.env["REFUNDFLOW_DATABASE_URL"] = db_url

    def __call__(
        self, *args: str, check: bool = True, **env: str
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [REFUNDFLOW, *args],
            capture_output=True,
            text=True,
            env={**self.env, **env},
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"refundflow {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
            )
        return result

    def json(self, *args: str, **env: str) -> Any:
        return json.loads(self(*args, "--json", **env).stdout)


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home, NOW)
