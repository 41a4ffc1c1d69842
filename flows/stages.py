"""The work of each stage of a case, without Prefect: ``flows/refund_case.py`` wraps these
in tasks; the tests call them directly.

A case's timeline says which stage steps it needs: every submission calls for *submit*
(the application letter) and *await review*, a request for material for *supplement*
(what is still missing, within 24 h), an approval or an arrival for *confirm arrival*,
and every escalation for *escalate* to that rung (its letter). A step is named after the
event that called for it (``escalate:samr_12315#7`` answers timeline event 7), so the
names never change and a step is carried out once: its result is kept in ``stage_work``
and a replay returns the kept result instead of acting again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cases.bootstrap import Context
from cases.i18n import RefundflowError
from cases.model import Case, Event
from cases.ports import RunBook
from cases.services import get_case
from cases.vocabulary import DeadlineKind, EventKind, Stage

FINAL_STAGES = frozenset({Stage.ARRIVED, Stage.CLOSED})
"""A case's flow run ends when its case reaches one of these: nothing is left to wait for."""

_STEP = re.compile(r"^(?P<task>[a-z_]+)(?::(?P<rung>[a-z0-9_]+))?#(?P<seq>\d+)$")


@dataclass(frozen=True)
class Step:
    """One stage step: the task that does it, the timeline event it answers, the rung."""

    task: str
    seq: int
    rung: str | None = None

    @property
    def key(self) -> str:
        rung = f":{self.rung}" if self.rung else ""
        return f"{self.task}{rung}#{self.seq}"

    @classmethod
    def parse(cls, key: str) -> Step:
        found = _STEP.match(key)
        if found is None:
            raise ValueError(f"not a stage step: {key!r}")
        return cls(found["task"], int(found["seq"]), found["rung"])


TASKS = ("submit", "await_review", "supplement", "confirm_arrival", "escalate")


def steps_for(case: Case) -> list[Step]:
    """Every stage step the case's timeline has called for, oldest first."""
    steps: list[Step] = []
    for event in case.ordered_events():
        kind, seq = event.kind, event.seq
        if kind == EventKind.SUBMITTED:
            steps += [Step("submit", seq, rung_at(case, seq)), Step("await_review", seq)]
        elif kind == EventKind.SUPPLEMENTED:
            steps.append(Step("await_review", seq))
        elif kind == EventKind.SUPPLEMENT_REQUESTED:
            steps.append(Step("supplement", seq))
        elif kind in (EventKind.APPROVED, EventKind.ARRIVED):
            steps.append(Step("confirm_arrival", seq))
        elif kind == EventKind.ESCALATED:
            steps.append(Step("escalate", seq, str(event.data.get("rung") or "") or None))
    return steps


def rung_at(case: Case, seq: int) -> str:
    """The rung the case stood on at timeline event ``seq`` (an application at first)."""
    rung = "refund_application"
    for event in case.ordered_events():
        if event.seq > seq:
            break
        if event.kind == EventKind.ESCALATED and event.data.get("rung"):
            rung = str(event.data["rung"])
    return rung


# --------------------------------------------------------------------------- the work
def carry_out(ctx: Context, runs: RunBook, ref: str, key: str,
              flow_run_id: str | None = None) -> dict[str, Any]:
    """Do step ``key`` of case ``ref`` once; later calls return the kept result."""
    kept = runs.stage_result(ref, key)
    if kept is not None:
        return kept
    step = Step.parse(key)
    case = get_case(ctx, ref)
    event = next(e for e in case.events if e.seq == step.seq)
    result = WORK[step.task](ctx, case, step, event)
    return runs.record_stage(ref, key, flow_run_id, result, ctx.clock.now())


def _submit(ctx: Context, case: Case, step: Step, event: Event) -> dict[str, Any]:
    return {"rung": step.rung, **write_letter(ctx, case, step.rung or "refund_application",
                                              step.seq)}


def _await_review(ctx: Context, case: Case, step: Step, event: Event) -> dict[str, Any]:
    return _deadline_opened(case, event, DeadlineKind.REVIEW)


def _supplement(ctx: Context, case: Case, step: Step, event: Event) -> dict[str, Any]:
    from cases.checklist import checklist

    rung = rung_at(case, step.seq)
    missing = [c.need.kind.value for c in checklist(case, rung) if c.missing]
    return {**_deadline_opened(case, event, DeadlineKind.SUPPLEMENT), "missing": missing}


def _confirm_arrival(ctx: Context, case: Case, step: Step, event: Event) -> dict[str, Any]:
    if event.kind == EventKind.APPROVED:
        return _deadline_opened(case, event, DeadlineKind.ARRIVAL)
    return {
        "received": event.data.get("amount"),
        "refunded_total": event.data.get("refunded_total"),
        "outstanding": event.data.get("outstanding", "0.00"),
    }


def _escalate(ctx: Context, case: Case, step: Step, event: Event) -> dict[str, Any]:
    rung = step.rung or rung_at(case, step.seq)
    return {"rung": rung, "after_missed": event.data.get("after_missed"),
            **write_letter(ctx, case, rung, step.seq)}


WORK = {
    "submit": _submit,
    "await_review": _await_review,
    "supplement": _supplement,
    "confirm_arrival": _confirm_arrival,
    "escalate": _escalate,
}


def _deadline_opened(case: Case, event: Event, kind: DeadlineKind) -> dict[str, Any]:
    """The deadline the event opened: what the stage now waits for, until when, and why."""
    opened = [d for d in case.deadlines if d.kind == kind and d.start_at == event.at]
    if not opened:
        return {"waits_for": kind.value, "due_at": None}
    deadline = opened[-1]
    return {
        "waits_for": kind.value,
        "due_at": deadline.due_at.isoformat(),
        "rule": deadline.rule_en,
        "status": deadline.status.value,
    }


def write_letter(ctx: Context, case: Case, rung: str, seq: int) -> dict[str, Any]:
    """The letter for ``rung`` in ``$REFUNDFLOW_HOME/letters/<ref>/`` (written whole or not
    at all); a rung the ladder refuses for this case gets a note instead of a letter."""
    from notifications.letters import render_letter

    lang = ctx.settings.lang
    try:
        letter = render_letter(case, rung, lang, ctx.clock.now(), ctx.planner)
    except RefundflowError as exc:
        return {"letter": None, "note": exc.render(lang)}
    folder = ctx.settings.home / "letters" / case.ref
    path = folder / f"{seq:03d}-{rung}.{lang}.txt"
    _write_whole(path, letter.text)
    return {"letter": str(path), "answer_by": letter.due.due_at.isoformat()}


def _write_whole(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- waiting
_WAIT = re.compile(r"^events-(?P<seen>\d+)(?:\.(?P<n>\d+))?$")


def wait_key(used: set[str] | None, seen: int) -> str:
    """The suspension key for waiting after ``seen`` events: new for each suspension.

    Prefect lets a key suspend a run once; a run restarted with nothing new to do waits
    again after the same events, so it takes ``events-<seen>.<n>``.
    """
    used = used or set()
    key, n = f"events-{seen}", 1
    while key in used:
        key, n = f"events-{seen}.{n}", n + 1
    return key


def seen_in_key(key: str | None) -> int | None:
    """How many events a run had carried out when it suspended with ``key``."""
    found = _WAIT.match(key or "")
    return int(found["seen"]) if found else None


def last_wait_key(used: set[str] | None) -> str | None:
    """The key of the run's latest suspension (the one it was resumed from)."""
    ordered: list[tuple[int, int, str]] = []
    for key in used or ():
        found = _WAIT.match(key)
        if found:
            ordered.append((int(found["seen"]), int(found["n"] or 0), key))
    return max(ordered)[2] if ordered else None


def idempotency_key(ref: str, generation: int, deployment: str,
                    created_at: datetime | None) -> str:
    """The key a case's run is created with: one run per case and generation, whoever
    creates it. The deployment and the case's creation time keep apart the cases of two
    databases that share a Prefect server, and a database started afresh."""
    born = int(created_at.timestamp() * 1_000_000) if created_at else 0
    return f"{ref}/{generation}/{deployment}/{born}"


def generation_of(key: str | None, ref: str) -> int | None:
    """The generation a run was created for by the service (None: created otherwise)."""
    parts = (key or "").split("/")
    return int(parts[1]) if len(parts) > 1 and parts[0] == ref and parts[1].isdigit() else None


def is_final(case: Case) -> bool:
    return case.stage in FINAL_STAGES


def news_after(case: Case, seen: int) -> list[dict[str, Any]]:
    """The timeline events after the first ``seen``, as the typed resume input lists them."""
    return [
        {"seq": e.seq, "kind": e.kind.value, "at": _iso(e.at), "actor": e.actor}
        for e in case.ordered_events()
        if e.seq > seen
    ]


def _iso(moment: datetime) -> str:
    return moment.isoformat()
