"""The tables. The domain classes stay plain Python: ``cases/store/uow.py`` maps rows to
objects and back explicitly (a data mapper), so building a case costs no ORM bookkeeping."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum

from cases.outbox import NoticeKind, NoticeStatus
from cases.store.types import Money, UTCDateTime
from cases.vocabulary import (
    Channel,
    DeadlineKind,
    DeadlineStatus,
    EventKind,
    EvidenceKind,
    Reason,
    Stage,
)

metadata = MetaData()


def _enum(enum: type, length: int) -> SAEnum:
    """Store an enum as its value in a plain VARCHAR: adding a member needs no migration."""
    return SAEnum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(32), nullable=False, unique=True),
    Column("platform", String(200), nullable=False),
    Column("merchant", String(200)),
    Column("order_no", String(200), nullable=False),
    Column("product", String(500), nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("channel", _enum(Channel, 20), nullable=False),
    Column("reason", _enum(Reason, 40), nullable=False),
    Column("paid_at", UTCDateTime, nullable=False),
    Column("zone", String(64), nullable=False),
    Column("note", Text),
    Column("usage", String(64)),
    Column("assignee", String(200)),
    Column("province", String(64)),
    Column("rule_overrides", JSON, nullable=False),
    Column("stage", _enum(Stage, 40), nullable=False),
    Column("rung", String(40)),
    Column("outcome", String(200)),
    Column("refund_no", String(200)),
    Column("tickets", JSON, nullable=False),
    Column("filings", JSON, nullable=False),
    Column("refunded", Money, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    # The next open deadline and the caseload row (``CaseSummary.stored_json``), repeated
    # by the data mapper each time it writes the case (migration 0006).
    Column("next_due_at", UTCDateTime),
    Column("next_kind", String(20)),
    Column("next_provisional", Boolean),
    Column("summary", Text),
    Index("ix_cases_stage", "stage"),
    Index("ix_cases_next_due", "next_due_at", "ref"),  # + summary on SQLite (migration 0006)
    Index("ix_cases_order", "platform", "order_no"),
    Index("ix_cases_updated_at", "updated_at"),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", _enum(DeadlineKind, 20), nullable=False),
    Column("rule_key", String(64), nullable=False),
    Column("round", Integer, nullable=False),
    Column("rung", String(40)),
    Column("start_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("duration", String(64), nullable=False),
    Column("rule_zh", Text, nullable=False),
    Column("rule_en", Text, nullable=False),
    Column("provisional", Boolean, nullable=False),
    Column("status", _enum(DeadlineStatus, 16), nullable=False),
    Column("handled_at", UTCDateTime),
    Index("ix_deadlines_status_due", "status", "due_at"),
    Index("ix_deadlines_case", "case_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", _enum(EventKind, 40), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("actor", String(200)),
    Column("data", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False),
    Column("kind", _enum(EvidenceKind, 20), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("original_name", String(500), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("captured_at", UTCDateTime, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("note", Text),
    Index("ix_evidence_case", "case_id"),
)

ref_counters = Table(
    "ref_counters",
    metadata,
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dedupe_key", String(300), nullable=False, unique=True),
    Column("kind", _enum(NoticeKind, 30), nullable=False),
    Column("case_ref", String(32)),
    Column("payload", JSON, nullable=False),
    Column("status", _enum(NoticeStatus, 16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
    Index("ix_outbox_case", "case_ref"),
)

case_runs = Table(
    "case_runs",
    metadata,
    Column("case_ref", String(32), primary_key=True),
    Column("flow_run_id", String(64)),
    Column("deployment", String(200)),
    Column("state", String(32)),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("seen_events", Integer),
    Column("generation", Integer, nullable=False, server_default="1"),
)

stage_work = Table(
    "stage_work",
    metadata,
    Column("case_ref", String(32), primary_key=True),
    Column("step", String(120), primary_key=True),
    Column("flow_run_id", String(64)),
    Column("result", JSON, nullable=False),
    Column("done_at", UTCDateTime, nullable=False),
)
