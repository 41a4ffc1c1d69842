"""The use cases against fakes: transitions, deadlines, refusals that leave nothing behind."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cases import services
from cases.i18n import Conflict, InvalidInput, NotFound, TransitionRefused
from cases.model import EventInput
from cases.ports import FixedClock
from cases.services import NewCase
from cases.vocabulary import (
    Channel,
    DeadlineKind,
    DeadlineStatus,
    EventKind,
    EvidenceKind,
    Reason,
    Stage,
)
from tests.unit.fakes import FakeDeps

T = datetime.fromisoformat


@pytest.fixture
def deps() -> FakeDeps:
    return FakeDeps(FixedClock(T("2026-10-20T10:00:00+08:00")))


def new_case(**changes: object) -> NewCase:
    fields: dict[str, object] = dict(
        platform="115卡盟",
        order_no="A1001",
        product="爱奇艺黄金会员年卡",
        amount=Decimal("128.00"),
        currency="CNY",
        channel=Channel.ALIPAY,
        reason=Reason.NOT_AS_DESCRIBED,
        paid_at=T("2026-09-30T10:00:00+08:00"),
        zone="Asia/Shanghai",
    )
    fields.update(changes)
    return NewCase(**fields)  # type: ignore[arg-type]


def event(kind: EventKind, at: str, **kw: object) -> EventInput:
    return EventInput(kind, T(at), **kw)  # type: ignore[arg-type]


def open_kinds(case: services.Case) -> list[tuple[str, str]]:
    return [(d.kind.value, d.due_at.isoformat()) for d in case.open_deadlines()]


def test_new_case_gets_a_reference_and_a_created_event(deps: FakeDeps) -> None:
    first = services.add_case(deps, new_case())
    second = services.add_case(deps, new_case(order_no="A1002"))
    assert (first.ref, second.ref) == ("RF-2026-0001", "RF-2026-0002")
    assert first.stage == Stage.DRAFT
    assert [e.kind for e in first.events] == [EventKind.CREATED]


def test_submission_opens_review_counted_over_national_day(deps: FakeDeps) -> None:
    case = services.add_case(deps, new_case())
    case = services.record_event(
        deps, case.ref, event(EventKind.SUBMITTED, "2026-09-30T18:00:00+08:00", refund_no="TK1")
    )
    assert case.stage == Stage.SUBMITTED
    assert case.refund_no == "TK1"
    # 3 working days: 10-08, 10-09 and the make-up Saturday 10-10; ends at its 24:00.
    assert open_kinds(case) == [("review", "2026-10-10T16:00:00+00:00")]
    assert "2026-10-10" in case.open_deadlines()[0].rule_en


def test_supplement_rounds_each_get_24_hours_and_a_fresh_review(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    for day in ("13", "15"):
        case = services.record_event(
            deps, ref, event(EventKind.SUPPLEMENT_REQUESTED, f"2026-10-{day}T09:00:00+08:00")
        )
        assert open_kinds(case) == [
            (
                "supplement",
                f"2026-10-{day}T01:00:00+00:00".replace(f"-{day}T01", f"-{int(day) + 1}T01"),
            )
        ]
        case = services.record_event(
            deps, ref, event(EventKind.SUPPLEMENTED, f"2026-10-{day}T20:00:00+08:00")
        )
        assert case.stage == Stage.SUBMITTED
    supplements = [d for d in case.deadlines if d.kind == DeadlineKind.SUPPLEMENT]
    assert [d.round for d in supplements] == [1, 2]
    assert all(d.status == DeadlineStatus.MET for d in supplements)
    assert [d.round for d in case.deadlines if d.kind == DeadlineKind.REVIEW] == [1, 2, 3]


def test_arrival_before_approval_is_refused_in_words_and_changes_nothing(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    before = services.get_case(deps, ref)
    with pytest.raises(TransitionRefused) as refused:
        services.record_event(deps, ref, event(EventKind.ARRIVED, "2026-10-13T09:00:00+08:00"))
    assert refused.value.render("en") == (
        f"{ref} is awaiting review; record an approval before the money can arrive."
    )
    assert "等待审核" in refused.value.render("zh")
    after = services.get_case(deps, ref)
    assert (after.event_count, after.stage, len(after.deadlines)) == (
        before.event_count,
        before.stage,
        len(before.deadlines),
    )


def test_partial_arrival_keeps_waiting_for_the_rest(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    services.record_event(deps, ref, event(EventKind.APPROVED, "2026-10-13T09:00:00+08:00"))
    case = services.record_event(
        deps, ref, event(EventKind.ARRIVED, "2026-10-14T09:00:00+08:00", amount=Decimal("100"))
    )
    assert case.stage == Stage.APPROVED
    assert case.outstanding() == Decimal("28.00")
    assert [d.kind for d in case.open_deadlines()] == [DeadlineKind.ARRIVAL]
    case = services.record_event(deps, ref, event(EventKind.ARRIVED, "2026-10-15T09:00:00+08:00"))
    assert case.stage == Stage.ARRIVED
    assert case.open_deadlines() == []


def test_rejection_then_escalation_climbs_the_ladder(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    case = services.record_event(deps, ref, event(EventKind.REJECTED, "2026-10-13T09:00:00+08:00"))
    assert [d.kind for d in case.open_deadlines()] == [DeadlineKind.ESCALATE]
    case = services.record_event(deps, ref, event(EventKind.ESCALATED, "2026-10-14T09:00:00+08:00"))
    assert (case.stage, case.rung) == (Stage.ESCALATED, "platform_arbitration")
    case = services.record_event(
        deps, ref, event(EventKind.ESCALATED, "2026-10-15T09:00:00+08:00", rung="samr_12315")
    )
    assert case.rung == "samr_12315"
    rung = case.open_deadlines()[0]
    assert (rung.kind, rung.rule_key) == (DeadlineKind.RUNG, "rung.samr_12315")


def test_event_in_the_future_or_before_the_last_step_is_refused(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    with pytest.raises(InvalidInput, match="in the future"):
        services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-21T10:00:00+08:00"))
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    with pytest.raises(TransitionRefused, match="cannot come before"):
        services.record_event(deps, ref, event(EventKind.APPROVED, "2026-10-11T09:00:00+08:00"))


def test_second_live_application_for_the_same_order_is_refused(deps: FakeDeps) -> None:
    first = services.add_case(deps, new_case()).ref
    services.record_event(deps, first, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    second = services.add_case(deps, new_case()).ref
    with pytest.raises(Conflict, match=first):
        services.record_event(deps, second, event(EventKind.SUBMITTED, "2026-10-13T09:00:00+08:00"))
    case = services.record_event(
        deps, second, event(EventKind.SUBMITTED, "2026-10-13T09:00:00+08:00"), force=True
    )
    assert case.stage == Stage.SUBMITTED


def test_unknown_reference_names_the_fix(deps: FakeDeps) -> None:
    with pytest.raises(NotFound, match="refundflow case list"):
        services.get_case(deps, "RF-2026-9999")


@pytest.mark.parametrize("typed", ["RF-2026-0001", "rf-2026-1", " RF20260001 ", "Rf-2026-001"])
def test_a_reference_is_found_however_it_is_typed(deps: FakeDeps, typed: str) -> None:
    services.add_case(deps, new_case())
    assert services.get_case(deps, typed).ref == "RF-2026-0001"


def test_a_case_is_found_by_its_order_number(deps: FakeDeps) -> None:
    services.add_case(deps, new_case(order_no="KM-1"))
    ref = services.add_case(deps, new_case(order_no="KM20260930001")).ref
    submitted = services.record_event(
        deps, " KM20260930001 ", event(EventKind.SUBMITTED, "2026-10-13T09:00:00+08:00")
    )
    assert submitted.ref == ref == "RF-2026-0002" and submitted.stage == Stage.SUBMITTED
    assert services.get_case(deps, ref).stage == Stage.SUBMITTED


def test_an_order_number_of_several_cases_names_them_and_changes_nothing(
    deps: FakeDeps,
) -> None:
    services.add_case(deps, new_case(order_no="888"))
    services.add_case(deps, new_case(order_no="888", platform="易购卡盟"))
    with pytest.raises(NotFound) as refused:
        services.record_event(deps, "888", event(EventKind.SUBMITTED, "2026-10-13T09:00:00+08:00"))
    assert refused.value.render("en") == (
        "order 888 has 2 cases: RF-2026-0001, RF-2026-0002; give the reference of the one you mean"
    )
    assert [services.get_case(deps, r).stage for r in ("RF-2026-0001", "RF-2026-0002")] == [
        Stage.DRAFT, Stage.DRAFT
    ]


def test_something_neither_reference_nor_order_says_so(deps: FakeDeps) -> None:
    services.add_case(deps, new_case())
    with pytest.raises(NotFound) as refused:
        services.get_case(deps, "A1002")
    assert "没有编号或订单号为 A1002 的案件" in refused.value.render("zh")


def test_no_reason_window_is_a_deadline_only_while_open(deps: FakeDeps) -> None:
    deps.at("2026-09-30T12:00:00+08:00")
    fresh = services.add_case(deps, new_case(reason=Reason.MISTAKEN_PURCHASE))
    assert [d.kind for d in fresh.open_deadlines()] == [DeadlineKind.WINDOW]
    deps.at("2026-10-20T10:00:00+08:00")
    late = services.add_case(deps, new_case(order_no="B", reason=Reason.MISTAKEN_PURCHASE))
    assert late.open_deadlines() == []


def test_case_rule_override_redates_open_deadlines(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    case = services.override_rule(deps, ref, "review", "5 working days")
    (review,) = case.open_deadlines()
    assert review.due_at == T("2026-10-20T00:00:00+08:00")  # end of Mon 10-19
    assert case.events[-1].kind == EventKind.RULE_CHANGED
    with pytest.raises(InvalidInput, match="valid rules"):
        services.override_rule(deps, ref, "reveiw", "5 working days")


def test_evidence_is_on_the_timeline_and_verifies(deps: FakeDeps, tmp_path: Path) -> None:
    ref = services.add_case(deps, new_case()).ref
    shot = tmp_path / "订单截图.png"
    shot.write_bytes(b"\x89PNG order 128.00")
    item = services.add_evidence(deps, ref, shot, EvidenceKind.PURCHASE)
    assert item.original_name == "订单截图.png"
    assert services.verify_case(deps, ref).ok
    deps.files.blobs[item.sha256] = b"edited"
    problems = [p.render("en") for p in services.verify_case(deps, ref).problems]
    assert problems == [f'evidence file "订单截图.png" ({item.sha256[:12]}…) has been changed']


def test_verify_detects_edited_and_deleted_events(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    services.record_event(deps, ref, event(EventKind.APPROVED, "2026-10-13T09:00:00+08:00"))
    stored = deps.unit.committed[ref]
    stored.events[1].data = {"refund_no": "forged"}
    assert "was changed" in services.verify_case(deps, ref).problems[0].render("en")
    stored.events[1].data = {}
    assert services.verify_case(deps, ref).ok
    del stored.events[2]
    assert any("deleted" in p.render("en") for p in services.verify_case(deps, ref).problems)


def test_a_missed_review_escalates_and_queues_one_notice(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    deps.at("2026-10-16T00:00:05+08:00")  # review ended at 24:00 on 10-15
    handled = services.handle_due_deadlines(deps)
    assert [(h.ref, h.kind, h.escalated_to) for h in handled] == [
        (ref, "review", "platform_arbitration")
    ]
    case = services.get_case(deps, ref)
    assert (case.stage, case.rung) == (Stage.ESCALATED, "platform_arbitration")
    assert [e.kind for e in case.events[-2:]] == [EventKind.DEADLINE_MISSED, EventKind.ESCALATED]
    assert case.events[-1].actor == "refundflow"
    (rung,) = case.open_deadlines()
    assert rung.rule_key == "rung.platform_arbitration"
    assert list(deps.unit.notices) == [f"{ref}/review#1/missed"]
    # A second caller (the sweep after the exact timer) finds nothing left to do.
    assert services.handle_due_deadlines(deps) == []
    assert len(deps.unit.notices) == 1


def test_a_deadline_met_before_it_fires_stays_met(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    deps.at("2026-10-15T23:59:00+08:00")
    services.record_event(deps, ref, event(EventKind.APPROVED, "2026-10-15T23:58:00+08:00"))
    deps.at("2026-10-16T00:00:05+08:00")
    assert services.handle_due_deadlines(deps) == []
    review = next(d for d in services.get_case(deps, ref).deadlines if d.rule_key == "review")
    assert review.status == DeadlineStatus.MET


def test_a_missed_supplement_counts_as_abandoned(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-12T09:00:00+08:00"))
    services.record_event(
        deps, ref, event(EventKind.SUPPLEMENT_REQUESTED, "2026-10-13T09:00:00+08:00")
    )
    deps.at("2026-10-14T09:00:01+08:00")
    (handled,) = services.handle_due_deadlines(deps)
    assert (handled.kind, handled.escalated_to) == ("supplement", None)
    case = services.get_case(deps, ref)
    assert case.stage == Stage.REJECTED
    assert [d.kind for d in case.open_deadlines()] == [DeadlineKind.ESCALATE]
    # The user can still record what really happened before the automatic step.
    services.record_event(deps, ref, event(EventKind.SUBMITTED, "2026-10-14T08:00:00+08:00"))


def test_stepping_onto_a_barred_rung_is_refused_unless_forced(deps: FakeDeps) -> None:
    old = services.add_case(deps, new_case(paid_at=T("2023-03-01T10:00:00+08:00"))).ref
    with pytest.raises(TransitionRefused, match="3 years|three years|limitation") as refused:
        services.record_event(
            deps, old, event(EventKind.ESCALATED, "2026-10-19T10:00:00+08:00", rung="samr_12315")
        )
    assert "--force" in refused.value.render("en")
    assert services.get_case(deps, old).stage == Stage.DRAFT  # nothing recorded
    case = services.record_event(
        deps, old, event(EventKind.ESCALATED, "2026-10-19T10:00:00+08:00", rung="samr_12315"),
        force=True,
    )
    assert case.rung == "samr_12315"
    recent = services.add_case(deps, new_case(order_no="NEW")).ref
    case = services.record_event(
        deps, recent, event(EventKind.ESCALATED, "2026-10-19T10:00:00+08:00", rung="samr_12315")
    )
    assert case.rung == "samr_12315"


# ------------------------------------------------------------------------------ assignee
def test_handing_a_case_to_someone_goes_on_the_timeline(deps: FakeDeps) -> None:
    from cases.integrity import verify

    ref = services.add_case(deps, new_case(assignee="张伟")).ref
    case = services.change_details(deps, ref, assignee="  李娜 ", actor="张伟")
    last = case.events[-1]
    assert case.assignee == "李娜"
    assert (last.kind, last.data, last.actor) == (
        EventKind.ASSIGNEE_CHANGED, {"assignee": "李娜", "was": "张伟"}, "张伟")
    assert verify(services.get_case(deps, ref), deps.files).ok

    commits = deps.unit.commits
    same = services.change_details(deps, ref, assignee="李娜")  # already hers: nothing recorded
    assert deps.unit.commits == commits and same.event_count == case.event_count

    cleared = services.change_details(deps, ref, assignee="")
    assert cleared.assignee is None and cleared.events[-1].data == {"assignee": None, "was": "李娜"}


def test_one_bad_detail_refuses_the_whole_change(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case(assignee="张伟")).ref
    commits = deps.unit.commits
    with pytest.raises(InvalidInput, match="'Atlantis' is not a province"):
        services.change_details(deps, ref, province="Atlantis", assignee="李娜")
    with pytest.raises(InvalidInput, match="too long"):
        services.change_details(deps, ref, province="江苏", assignee="李" * 201)
    case = services.get_case(deps, ref)
    assert (case.assignee, case.province, deps.unit.commits) == ("张伟", None, commits)


def test_province_and_assignee_change_together_in_one_commit(deps: FakeDeps) -> None:
    ref = services.add_case(deps, new_case()).ref
    commits = deps.unit.commits
    case = services.change_details(deps, ref, province="江苏", assignee="王芳")
    assert deps.unit.commits == commits + 1
    assert [e.kind for e in case.events[-2:]] == [
        EventKind.PROVINCE_CHANGED, EventKind.ASSIGNEE_CHANGED]
