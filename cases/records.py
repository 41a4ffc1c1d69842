"""A case as plain data: for ``--json`` output, for export, and back again for import.

``case_record`` holds everything needed to rebuild the case exactly (same reference,
deadlines, timeline with its hashes, evidence references); ``restore`` rebuilds it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from cases.i18n import InvalidInput, Lang, Text
from cases.model import Case, Deadline, Event, Evidence
from cases.vocabulary import (
    Channel,
    DeadlineKind,
    DeadlineStatus,
    EventKind,
    EvidenceKind,
    Reason,
    Stage,
)

FORMAT = "refundflow.case/1"


def _local(value: datetime | None, zone: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(zone).isoformat()


def case_record(case: Case, lang: Lang = "en", now: datetime | None = None) -> dict[str, Any]:
    zone = case.tz
    nxt = case.next_deadline()
    record: dict[str, Any] = {
        "format": FORMAT,
        "ref": case.ref,
        "platform": case.platform,
        "merchant": case.merchant,
        "order": case.order_no,
        "product": case.product,
        "amount": str(case.amount),
        "currency": case.currency,
        "channel": case.channel.value,
        "reason": case.reason.value,
        "paid_at": _local(case.paid_at, zone),
        "zone": case.zone,
        "stage": case.stage.value,
        "stage_label": case.stage.label(lang),
        "rung": case.rung,
        "outcome": case.outcome,
        "refund_no": case.refund_no,
        "tickets": list(case.tickets),
        "refunded": str(case.refunded),
        "outstanding": str(case.outstanding()),
        "assignee": case.assignee,
        "province": case.province,
        "note": case.note,
        "usage": case.usage,
        "rule_overrides": dict(case.rule_overrides),
        "filings": dict(case.filings),
        "created_at": _local(case.created_at, zone),
        "updated_at": _local(case.updated_at, zone),
        "head_hash": case.head_hash,
        "next_deadline": None if nxt is None else _local(nxt.due_at, zone),
        "overdue": bool(now and nxt and nxt.due_at <= now),
        "deadlines": [_deadline(d, zone, lang) for d in case.deadlines],
        "events": [_event(e, zone) for e in case.ordered_events()],
        "evidence": [_evidence(e, zone) for e in case.evidence],
    }
    return record


def _deadline(d: Deadline, zone: ZoneInfo, lang: Lang) -> dict[str, Any]:
    return {
        "kind": d.kind.value,
        "rule_key": d.rule_key,
        "round": d.round,
        "rung": d.rung,
        "start_at": _local(d.start_at, zone),
        "due_at": _local(d.due_at, zone),
        "duration": d.duration,
        "provisional": d.provisional,
        "status": d.status.value,
        "handled_at": _local(d.handled_at, zone),
        "rule": d.rule(lang),
        "rule_zh": d.rule_zh,
        "rule_en": d.rule_en,
    }


def _event(e: Event, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "kind": e.kind.value,
        "at": _local(e.at, zone),
        "recorded_at": _local(e.recorded_at, zone),
        "actor": e.actor,
        "data": e.data,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def _evidence(e: Evidence, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "kind": e.kind.value,
        "sha256": e.sha256,
        "name": e.original_name,
        "size": e.size,
        "captured_at": _local(e.captured_at, zone),
        "added_at": _local(e.added_at, zone),
        "note": e.note,
    }


def restore(record: dict[str, Any]) -> Case:
    """Rebuild a case from :func:`case_record`; a malformed record raises InvalidInput."""
    try:
        return _restore(record)
    except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
        raise InvalidInput(
            Text(
                "记录 {ref} 无法导入：{error}",
                "cannot restore record {ref}: {error}",
                {"ref": record.get("ref", "?"), "error": repr(exc)},
            )
        ) from None


def _t(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _restore(r: dict[str, Any]) -> Case:
    case = Case(
        ref=r["ref"], platform=r["platform"], order_no=r["order"], product=r["product"],
        amount=Decimal(r["amount"]), currency=r["currency"], channel=Channel(r["channel"]),
        reason=Reason(r["reason"]), paid_at=datetime.fromisoformat(r["paid_at"]), zone=r["zone"],
        created_at=datetime.fromisoformat(r["created_at"]), merchant=r.get("merchant"),
        note=r.get("note"), usage=r.get("usage"), assignee=r.get("assignee"),
        rule_overrides=r.get("rule_overrides") or {}, province=r.get("province"),
    )
    case.updated_at = datetime.fromisoformat(r["updated_at"])
    case.stage = Stage(r["stage"])
    case.rung, case.outcome, case.refund_no = r.get("rung"), r.get("outcome"), r.get("refund_no")
    case.tickets = list(r.get("tickets") or [])
    case.filings = dict(r.get("filings") or {})
    case.refunded = Decimal(r["refunded"])
    for d in r["deadlines"]:
        deadline = Deadline(
            DeadlineKind(d["kind"]), d["rule_key"], datetime.fromisoformat(d["due_at"]),
            datetime.fromisoformat(d["start_at"]), d["duration"], d["rule_zh"], d["rule_en"],
            bool(d["provisional"]), int(d["round"]), d.get("rung"),
        )
        deadline.status = DeadlineStatus(d["status"])
        deadline.handled_at = _t(d.get("handled_at"))
        case.deadlines.append(deadline)
    for e in r["events"]:
        event = Event(
            EventKind(e["kind"]), datetime.fromisoformat(e["at"]),
            datetime.fromisoformat(e["recorded_at"]), e["data"], e.get("actor"),
        )
        event.seq, event.prev_hash, event.hash = int(e["seq"]), e["prev_hash"], e["hash"]
        case.events.append(event)
    for v in r["evidence"]:
        case.evidence.append(
            Evidence(
                EvidenceKind(v["kind"]), v["sha256"], v["name"], int(v["size"]),
                datetime.fromisoformat(v["captured_at"]), datetime.fromisoformat(v["added_at"]),
                v.get("note"),
            )
        )
    case.event_count = len(case.events)
    case.head_hash = r["head_hash"]
    return case
