"""Messages that flow up: from workers to their screen, from widgets to their parent.

Workers never touch widgets; they post one of these and the screen sets attributes on
its children (attributes down, messages up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from cases.model import Case
    from cases.outbox import Notice
    from cases.ports import CaseSummary
    from tui.widgets.caseload_index import CaseloadIndex, CaseloadView


# ------------------------------------------------------------------ from workers
@dataclass
class FirstRows(Message):
    """The most urgent cases, read before the whole caseload is indexed."""

    rows: list[CaseSummary]
    total: int


@dataclass
class IndexLoaded(Message):
    """Every case's order and filter keys; ``marker`` is the change marker it reflects."""

    index: CaseloadIndex
    marker: tuple[int, ...]


@dataclass
class ViewReady(Message):
    """A filtered view of the index, with the rows of its first screen already read."""

    view: CaseloadView
    rows: list[CaseSummary]
    keep_cursor: bool = False
    fresh: bool = False


@dataclass
class RowsLoaded(Message):
    """Summaries for rows the table asked for (``generation`` guards against stale pages)."""

    rows: list[CaseSummary]
    generation: int


@dataclass
class DataChanged(Message, bubble=False):
    """Another process (or this one) wrote to the database: screens read again."""

    marker: tuple[int, ...]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DataChanged)


@dataclass
class CaseLoaded(Message):
    case: Case
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutboxLoaded(Message):
    notices: list[Notice]


@dataclass
class ServiceState(Message, bubble=False):
    """The background service's status (``None``: this build has no service)."""

    status: dict[str, Any] | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ServiceState)


@dataclass
class LoadFailed(Message):
    """A read failed (database busy or unreachable): shown, and tried again on next poll."""

    text: str


# ------------------------------------------------------------------ from widgets
@dataclass
class RowsWanted(Message):
    """The case table shows rows it has no summary for yet."""

    refs: list[str]
    generation: int


@dataclass
class CaseChosen(Message):
    """The user opened a case (Enter on a row)."""

    ref: str


@dataclass
class CursorMoved(Message):
    ref: str | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CursorMoved)
