"""Fixtures of the integration tests that run the background service and Prefect."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cases.bootstrap import Context, bootstrap
from cases.ports import SystemClock
from cases.settings import Settings


@pytest.fixture
def real_ctx(db_url: str, home: Path) -> Iterator[Context]:
    """The case store on the real clock, as the CLI would use it (in this process)."""
    context = bootstrap(Settings(home=home, database_url=db_url, lang="en"), SystemClock())
    yield context
    context.engine.dispose()
