"""Stage logic and the case → flow-run map, called directly: no Prefect, no service.

Real databases (SQLite, and Postgres when configured): the run book's writes are
compare-and-sets whose point is what two writers see.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cases import services
from cases.bootstrap import Context
from cases.model import EventInput
from cases.ports import CaseRun
from cases.store.runs import SqlRunBook
from cases.vocabulary import EventKind, Stage
from flows import stages
from flows.dispatch import behind, decide
from tests.integration.test_service import submitted_case


def test_the_timeline_calls_for_stage_steps_named_after_their_events(real_ctx: Context) -> None:
    ref = submitted_case(real_ctx, "S1", review="1 seconds")
    now = real_ctx.clock.now()
    services.record_event(real_ctx, ref, EventInput(EventKind.SUPPLEMENT_REQUESTED, now))
    services.record_event(real_ctx, ref, EventInput(EventKind.SUPPLEMENTED, now))
    services.record_event(real_ctx, ref, EventInput(EventKind.ESCALATED, now, rung="samr_12315"))
    case = services.get_case(real_ctx, ref)
    keys = [step.key for step in stages.steps_for(case)]
    assert keys == [
        "submit:refund_application#2", "await_review#2", "supplement#3", "await_review#4",
        "escalate:samr_12315#5",
    ]
    assert all(stages.Step.parse(key).key == key for key in keys)
    assert stages.rung_at(case, 4) == "refund_application"
    assert stages.rung_at(case, 5) == "samr_12315"


def test_a_stage_step_acts_once_and_a_replay_returns_what_was_kept(
    real_ctx: Context, home: Path,
) -> None:
    ref = submitted_case(real_ctx, "S2", review="1 day")
    runs = SqlRunBook(real_ctx.engine)
    first = stages.carry_out(real_ctx, runs, ref, "submit:refund_application#2", "run-1")
    letter = Path(first["letter"])
    assert letter.is_file() and letter.is_relative_to(home / "letters" / ref)
    assert "refund" in letter.read_text(encoding="utf-8").lower()
    letter.write_text("edited by the user", encoding="utf-8")
    again = stages.carry_out(real_ctx, runs, ref, "submit:refund_application#2", "run-2")
    assert again == first
    assert letter.read_text(encoding="utf-8") == "edited by the user"  # not written twice
    waiting = stages.carry_out(real_ctx, runs, ref, "await_review#2")
    review = next(d for d in services.get_case(real_ctx, ref).deadlines if d.rule_key == "review")
    assert waiting["waits_for"] == "review" and waiting["due_at"] == review.due_at.isoformat()
    assert set(runs.stage_results(ref)) == {"submit:refund_application#2", "await_review#2"}


def test_a_missed_supplement_lists_what_is_missing(real_ctx: Context) -> None:
    ref = submitted_case(real_ctx, "S3", review="1 day")
    now = real_ctx.clock.now()
    services.record_event(real_ctx, ref, EventInput(EventKind.SUPPLEMENT_REQUESTED, now))
    result = stages.carry_out(real_ctx, SqlRunBook(real_ctx.engine), ref, "supplement#3")
    assert result["waits_for"] == "supplement" and "purchase" in result["missing"]


def test_each_suspension_of_a_run_has_a_key_of_its_own() -> None:
    assert stages.wait_key(set(), 2) == "events-2"
    assert stages.wait_key({"events-2"}, 2) == "events-2.1"
    assert stages.wait_key({"events-2", "events-2.1"}, 2) == "events-2.2"
    used = {"events-2", "events-4", "events-4.1", "events-3"}
    assert stages.last_wait_key(used) == "events-4.1"
    assert stages.last_wait_key(set()) is None
    assert stages.seen_in_key("events-4.1") == 4 and stages.seen_in_key("other") is None
    key = stages.idempotency_key("RF-2026-0001", 3, "refundflow", None)
    assert stages.generation_of(key, "RF-2026-0001") == 3
    assert stages.generation_of(key, "RF-2026-0002") is None
    assert stages.generation_of(None, "RF-2026-0001") is None


def test_what_a_case_run_needs(real_ctx: Context) -> None:
    now = real_ctx.clock.now()
    fresh = CaseRun("RF-1", Stage.SUBMITTED, 2, now)
    assert decide(fresh, now) == "start"
    assert decide(CaseRun("RF-1", Stage.DRAFT, 1, now), now) is None
    starting = CaseRun("RF-1", Stage.SUBMITTED, 2, now, None, "starting", None, 1, now)
    assert decide(starting, now) is None  # another dispatcher is creating it
    assert decide(starting, now + timedelta(minutes=1)) == "start"
    waiting = CaseRun("RF-1", Stage.SUBMITTED, 3, now, "id", "waiting", 2, 1, now)
    assert decide(waiting, now) == "resume" and behind(waiting)
    caught_up = CaseRun("RF-1", Stage.SUBMITTED, 3, now, "id", "waiting", 3, 1, now)
    assert decide(caught_up, now) is None and not behind(caught_up)


def test_one_run_per_case_whoever_asks(real_ctx: Context) -> None:
    ref = submitted_case(real_ctx, "S4", review="1 day")
    runs = SqlRunBook(real_ctx.engine)
    now = real_ctx.clock.now()
    assert runs.claim_start(ref, 0, now) == 1
    assert runs.claim_start(ref, 0, now) is None  # a second service loses
    assert runs.started(ref, 1, "run-a", "refund-case/x", now)
    assert not runs.adopt(ref, "run-b", None, now)  # a stray run cannot take the case
    assert runs.adopt(ref, "run-a", 1, now)
    assert runs.set_state(ref, "run-a", "waiting", now, seen_events=2)
    assert not runs.set_state(ref, "run-b", "waiting", now)
    (row,) = runs.runs([ref])
    assert (row.flow_run_id, row.state, row.seen_events, row.generation) == ("run-a", "waiting",
                                                                             2, 1)
    assert runs.claim_start(ref, 1, now) == 2  # replacing a lost run: the next generation
    assert not runs.set_state(ref, "run-a", "waiting", now)  # the old run is out
    assert [r.ref for r in runs.in_states(["starting"])] == [ref]
    assert ref not in [r.ref for r in runs.behind()]  # starting: reconcile's business
