"""Wire refundflow once: settings → store, clock, rules, calendar, evidence folder.

Every entry point (CLI, TUI, flows, scheduler) calls :func:`bootstrap` and then the use
cases in ``cases/services.py`` with what it returns. Nothing connects at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from cases.i18n import Lang
from cases.ports import Clock, EvidenceFiles, FixedClock, SystemClock, UnitOfWork
from cases.settings import Settings
from cases.store.db import ensure_schema, make_engine
from cases.store.files import FolderEvidenceFiles
from cases.store.uow import SqlUnitOfWork, session_factory

if TYPE_CHECKING:
    from cases.planning import Ladder, Planner
    from cases.provinces import Province, ProvinceTable


@dataclass
class Context:
    settings: Settings
    clock: Clock
    engine_factory: Callable[[str], Engine] = field(default=make_engine)

    @property
    def lang(self) -> Lang:
        return self.settings.lang

    @cached_property
    def engine(self) -> Engine:
        if self.settings.database_url is None:
            self.settings.home.mkdir(parents=True, exist_ok=True)
        engine = self.engine_factory(self.settings.db_url)
        ensure_schema(engine)
        return engine

    @cached_property
    def _sessions(self):  # type: ignore[no-untyped-def]
        return session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        return SqlUnitOfWork(self._sessions)

    @cached_property
    def planner(self) -> Planner:
        # Imported here: listing cases needs no rules or calendar, and starts faster without.
        from cases.planning import Planner
        from cases.rules import RuleBook
        from cases.workdays import load_calendar

        home = self.settings.home
        return Planner(RuleBook.load(home / "rules.toml"), load_calendar(home / "holidays.toml"))

    @cached_property
    def ladder(self) -> Ladder:
        from cases.planning import Ladder

        return Ladder()

    @cached_property
    def provinces(self) -> ProvinceTable:
        """The province figures: the built-in table and ``provinces.toml`` in the home."""
        from cases.provinces import ProvinceTable

        return ProvinceTable.load(self.settings.home / "provinces.toml")

    def province_for(self, stored: str | None, given: str | None = None) -> Province | None:
        """``given`` (an option), else the case's province, else ``REFUNDFLOW_PROVINCE``."""
        return self.provinces.resolve(given, stored, self.settings.province)

    @cached_property
    def files(self) -> EvidenceFiles:
        return FolderEvidenceFiles(self.settings.home / "evidence")


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> Context:
    settings = settings or Settings()
    if clock is None:
        clock = FixedClock(settings.now) if settings.now else SystemClock()
    return Context(settings=settings, clock=clock)
