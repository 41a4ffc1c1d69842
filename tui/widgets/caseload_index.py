"""The caseload in memory, small: order, filter keys and search text of every case.

Ranking 100,000 cases by urgency in SQL takes longer than a keystroke may (0.1-0.2 s), so
the index is read once in a worker (:meth:`CaseloadIndex.build`) and filtered here in
plain Python (10-30 ms at 100,000); only the ~50 rows on screen are read as summaries.
It keeps compact columns (arrays, one search string per case), about 30 MB at 100,000.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from cases.ports import CaseKey
from cases.vocabulary import Stage

STAGES: tuple[Stage, ...] = tuple(Stage)
UNASSIGNED = ""
"""The assignee filter value that means "nobody is assigned"."""
NO_DUE = float("inf")


@dataclass(frozen=True)
class Filters:
    """What the caseload screen shows: all ``None``/empty means every case."""

    stage: Stage | None = None
    platform: str | None = None
    assignee: str | None = None
    overdue: bool = False
    search: str = ""

    @property
    def words(self) -> list[str]:
        return self.search.casefold().split()

    @property
    def active(self) -> bool:
        return self != Filters(search=self.search) or bool(self.words)

    def cleared(self) -> Filters:
        return Filters()

    def with_search(self, text: str) -> Filters:
        return replace(self, search=text)


class CaseloadIndex:
    """Every case's place in the urgency order and what filters and search look at."""

    def __init__(self) -> None:
        self.refs: list[str] = []
        self.hay: list[str] = []
        self.stage = bytearray()
        self.platform = array("H")
        self.assignee = array("H")
        self.due = array("d")
        self.platforms: list[str] = []
        self.assignees: list[str | None] = []
        self._platform_codes: dict[str, int] = {}
        self._assignee_codes: dict[str | None, int] = {}

    def __len__(self) -> int:
        return len(self.refs)

    @classmethod
    def build(
        cls, keys: Iterable[CaseKey], cancelled: Callable[[], bool] = lambda: False
    ) -> CaseloadIndex | None:
        """Read ``keys`` (in urgency order) into compact columns; ``None`` if cancelled."""
        index = cls()
        stage_code = {stage: n for n, stage in enumerate(STAGES)}
        refs, hay, stages = index.refs, index.hay, index.stage
        platforms, assignees, dues = index.platform, index.assignee, index.due
        code_p, code_a = index._platform_code, index._assignee_code
        for n, key in enumerate(keys):
            if n % 2000 == 0:
                if cancelled():
                    return None
                time.sleep(0.0005)  # let the event loop's thread draw and answer keys
            refs.append(key.ref)
            hay.append(f"{key.ref} {key.order_no} {key.product} {key.merchant or ''}".casefold())
            stages.append(stage_code[key.stage])
            platforms.append(code_p(key.platform))
            assignees.append(code_a(key.assignee))
            dues.append(NO_DUE if key.next_due is None else key.next_due.timestamp())
        return index

    def _platform_code(self, name: str) -> int:
        code = self._platform_codes.get(name)
        if code is None:
            code = self._platform_codes[name] = len(self.platforms)
            self.platforms.append(name)
        return code

    def _assignee_code(self, name: str | None) -> int:
        name = name or None
        code = self._assignee_codes.get(name)
        if code is None:
            code = self._assignee_codes[name] = len(self.assignees)
            self.assignees.append(name)
        return code

    def overdue_count(self, now: datetime) -> int:
        """Cases whose next deadline has passed: a prefix of the urgency order."""
        return bisect_right(self.due, now.timestamp())

    def view(
        self, filters: Filters, now: datetime, cancelled: Callable[[], bool] = lambda: False
    ) -> CaseloadView | None:
        """The cases ``filters`` let through, still in urgency order; ``None`` if cancelled."""
        if not filters.active:
            return CaseloadView(self, None, filters)
        end = self.overdue_count(now) if filters.overdue else len(self.refs)
        chosen: Iterable[int] = range(end)
        if filters.stage is not None:
            wanted = STAGES.index(filters.stage)
            stages = self.stage
            chosen = [i for i in chosen if stages[i] == wanted]
        if filters.platform is not None:
            code = self._platform_codes.get(filters.platform, -1)
            platform = self.platform
            chosen = [i for i in chosen if platform[i] == code]
        if filters.assignee is not None:
            who = filters.assignee or None
            code = self._assignee_codes.get(who, -1)
            assignee = self.assignee
            chosen = [i for i in chosen if assignee[i] == code]
        hay = self.hay
        for word in filters.words:
            if cancelled():
                return None
            chosen = [i for i in chosen if word in hay[i]]
        positions = chosen if isinstance(chosen, list) else list(chosen)
        return CaseloadView(self, positions, filters)


class CaseloadView:
    """A filtered window on the index: positions in urgency order (``None``: all cases)."""

    def __init__(
        self, index: CaseloadIndex, positions: list[int] | None, filters: Filters
    ) -> None:
        self.index = index
        self.positions = positions
        self.filters = filters

    def __len__(self) -> int:
        return len(self.index) if self.positions is None else len(self.positions)

    @property
    def total(self) -> int:
        return len(self.index)

    def ref_at(self, row: int) -> str:
        at = row if self.positions is None else self.positions[row]
        return self.index.refs[at]

    def refs(self, start: int, stop: int) -> list[str]:
        start, stop = max(start, 0), min(stop, len(self))
        if self.positions is None:
            return self.index.refs[start:stop]
        refs = self.index.refs
        return [refs[at] for at in self.positions[start:stop]]

    def row_of(self, ref: str) -> int | None:
        """Where ``ref`` is in this view (to keep the cursor on a case after a reload)."""
        try:
            at = self.index.refs.index(ref)
        except ValueError:
            return None
        if self.positions is None:
            return at
        lo = bisect_right(self.positions, at) - 1
        return lo if lo >= 0 and self.positions[lo] == at else None
