"""Wiring the rules, the calendar and the ladder into what a case needs to move.

:class:`Planner` turns a rule key ("review", "arrival.alipay", "rung.samr_12315") into a
:class:`~cases.model.Deadline` with its date and its reason in words; :class:`Ladder`
answers which rung comes next.
"""

from __future__ import annotations

from datetime import datetime

from cases import ladder
from cases.deadlines import compute_due
from cases.i18n import Text
from cases.model import Case, Deadline
from cases.rules import RuleBook
from cases.vocabulary import DeadlineKind
from cases.workdays import WorkCalendar


class Planner:
    def __init__(self, rules: RuleBook, calendar: WorkCalendar) -> None:
        self.rules = rules
        self.calendar = calendar

    def plan(
        self,
        case: Case,
        kind: DeadlineKind,
        rule_key: str,
        start: datetime,
        round: int = 1,
        rung: str | None = None,
    ) -> Deadline:
        rule = self.rules.rule(rule_key, case.platform, case.rule_overrides)
        due = compute_due(start, rule.duration, case.tz, self.calendar, source=rule.source)
        return Deadline(
            kind=kind,
            rule_key=rule_key,
            due_at=due.due_at,
            start_at=start,
            duration=str(rule.duration),
            rule_zh=due.explanation.render("zh"),
            rule_en=due.explanation.render("en"),
            provisional=due.provisional,
            round=round,
            rung=rung,
        )


def facts_for(case: Case) -> ladder.LadderFacts:
    """What the ladder needs to know about a case to pick and guard the next rung."""
    # Dates are counted in the case's zone: a purchase at 02:00 in Shanghai is the day
    # before in UTC, and limitation or chargeback days must not come out a day early.
    zone = case.tz
    filed = {key: datetime.fromisoformat(at).astimezone(zone) for key, at in case.filings.items()}
    paid_at = case.paid_at.astimezone(zone)
    return ladder.LadderFacts(
        reason=case.reason,
        amount=case.amount,
        currency=case.currency,
        channel=case.channel,
        paid_at=paid_at,
        harm_known_at=paid_at,
        filed=filed,
    )


class Ladder:
    """The escalation ladder as the case model asks for it."""

    def next_rung_key(self, case: Case) -> str | None:
        upcoming = ladder.next_rung(case.rung, facts_for(case))
        return upcoming.key if upcoming else None

    def is_rung(self, key: str) -> str:
        return ladder.rung(key).key

    def blocking_traps(self, case: Case, rung: str, at: datetime) -> list[Text]:
        found = ladder.traps(rung, facts_for(case), at.astimezone(case.tz))
        return [trap.text for trap in found if trap.severity == "block"]
