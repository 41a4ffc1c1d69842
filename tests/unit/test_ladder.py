"""The escalation ladder (RULES.md §5): its order, the police skip, and every trap."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from cases.i18n import InvalidInput
from cases.ladder import (
    RUNGS,
    LadderFacts,
    Trap,
    TrapLimits,
    general_warnings,
    next_rung,
    rung,
    traps,
)
from cases.vocabulary import Channel, Reason

SHANGHAI = timezone(timedelta(hours=8))
PAID = datetime(2023, 5, 10, 10, 0, tzinfo=SHANGHAI)
ORDER = [
    "merchant_cs",
    "refund_application",
    "platform_arbitration",
    "samr_12315",
    "complaint_sites",
    "payment_dispute",
    "police",
    "court",
]


def facts(**kw: object) -> LadderFacts:
    values: dict[str, object] = {
        "reason": Reason.NOT_AS_DESCRIBED,
        "amount": Decimal("8000.00"),
        "currency": "CNY",
        "channel": Channel.ALIPAY,
        "paid_at": PAID,
        "harm_known_at": PAID,
        "filed": {},
    }
    values.update(kw)
    return LadderFacts(**values)  # type: ignore[arg-type]


def keys(found: list[Trap]) -> dict[str, str]:
    return {trap.key: trap.severity for trap in found}


SOON = PAID + timedelta(days=10)


# --- the rungs ------------------------------------------------------------------------------


def test_rungs_are_in_the_ladders_order_with_their_clock_keys() -> None:
    assert [r.key for r in RUNGS] == ORDER
    assert [r.order for r in RUNGS] == list(range(1, 9))
    assert all(r.clock_key == f"rung.{r.key}" for r in RUNGS)


def test_every_rung_reads_in_both_languages() -> None:
    for r in RUNGS:
        for text in (r.name, r.to_whom, r.send, r.entry, r.source):
            assert text.render("zh") and text.render("en")
            assert text.render("zh") != text.render("en")


def test_rung_is_found_by_key_or_by_name_in_either_language() -> None:
    assert rung("samr_12315").key == "samr_12315"
    assert rung("samr-12315").key == "samr_12315"
    assert rung("公安机关报案").key == "police"
    assert rung("police report").key == "police"


def test_unknown_rung_lists_the_valid_keys() -> None:
    with pytest.raises(InvalidInput) as caught:
        rung("supreme_court")
    for lang in ("zh", "en"):
        assert "merchant_cs" in caught.value.render(lang) and "court" in caught.value.render(lang)


# --- next_rung --------------------------------------------------------------------------------


def climb(case: LadderFacts) -> list[str]:
    seen: list[str] = []
    current = next_rung(None, case)
    while current is not None:
        seen.append(current.key)
        current = next_rung(current.key, case)
    return seen


def test_ladder_skips_the_police_when_fraud_is_unlikely() -> None:
    assert climb(facts()) == [k for k in ORDER if k != "police"]
    assert next_rung("payment_dispute", facts()).key == "court"  # type: ignore[union-attr]


@pytest.mark.parametrize("reason", [Reason.PLATFORM_GONE, Reason.FALSE_PROMISE])
def test_ladder_includes_the_police_when_fraud_is_likely(reason: Reason) -> None:
    assert climb(facts(reason=reason)) == ORDER
    assert next_rung("payment_dispute", facts(reason=reason)).key == "police"  # type: ignore[union-attr]


def test_ladder_starts_with_merchant_and_ends_after_court() -> None:
    assert next_rung(None, facts()).key == "merchant_cs"  # type: ignore[union-attr]
    assert next_rung("refund_application", facts()).key == "platform_arbitration"  # type: ignore[union-attr]
    assert next_rung("court", facts()) is None
    assert next_rung("12315 投诉", facts()).key == "complaint_sites"  # type: ignore[union-attr]


def test_next_rung_refuses_an_unknown_current_rung() -> None:
    with pytest.raises(InvalidInput):
        next_rung("nowhere", facts())


# --- traps ------------------------------------------------------------------------------------


@pytest.mark.parametrize("outside", ["consumer_association", "court", "arbitration"])
def test_12315_is_blocked_once_another_body_has_the_dispute(outside: str) -> None:
    found = traps("samr_12315", facts(filed={outside: SOON}), SOON)
    assert keys(found)["samr_already_taken"] == "block"
    assert "15(2)" in found[0].text.render("en") and "第十五条" in found[0].text.render("zh")


def test_12315_is_not_blocked_by_the_platforms_own_rungs() -> None:
    found = traps(
        "samr_12315", facts(filed={"merchant_cs": SOON, "refund_application": SOON}), SOON
    )
    assert "samr_already_taken" not in keys(found)
    assert "samr_already_taken" not in keys(traps("court", facts(filed={"court": SOON}), SOON))


@pytest.mark.parametrize("where", ["samr_12315", "court"])
def test_limitation_blocks_after_three_years(where: str) -> None:
    # harm known 2023-05-10: the last day is 2026-05-10, ending at 24:00 Shanghai time.
    after = datetime(2026, 5, 11, 0, 0, tzinfo=SHANGHAI)
    found = keys(traps(where, facts(), after))
    assert found.get("limitation_expired") == "block"
    assert "limitation_near" not in found


@pytest.mark.parametrize("where", ["samr_12315", "court"])
def test_limitation_warns_in_the_last_90_days_but_not_before(where: str) -> None:
    last_minute = datetime(2026, 5, 10, 23, 59, tzinfo=SHANGHAI)
    assert keys(traps(where, facts(), last_minute)).get("limitation_near") == "warn"
    assert "limitation_expired" not in keys(traps(where, facts(), last_minute))
    early = datetime(2026, 2, 8, tzinfo=SHANGHAI)  # 92 days before the end
    assert not {"limitation_near", "limitation_expired"} & set(keys(traps(where, facts(), early)))


def test_limitation_counts_from_when_the_harm_was_known_not_the_payment() -> None:
    later = facts(harm_known_at=datetime(2024, 1, 1, tzinfo=SHANGHAI))
    assert "limitation_expired" not in keys(
        traps("court", later, datetime(2026, 6, 1, tzinfo=SHANGHAI))
    )


def test_limitation_does_not_apply_to_the_platform_rungs() -> None:
    late = datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert "limitation_expired" not in keys(traps("refund_application", facts(), late))


@pytest.mark.parametrize("channel", [Channel.CREDIT_CARD, Channel.BANK_CARD])
def test_chargeback_window_for_cards(channel: Channel) -> None:
    case = facts(channel=channel)
    assert (
        keys(traps("payment_dispute", case, PAID + timedelta(days=121)))["chargeback_expired"]
        == "block"
    )
    assert (
        keys(traps("payment_dispute", case, PAID + timedelta(days=105)))["chargeback_near"]
        == "warn"
    )
    calm = keys(traps("payment_dispute", case, PAID + timedelta(days=90)))
    assert not {"chargeback_near", "chargeback_expired"} & set(calm)


def test_chargeback_window_does_not_apply_to_alipay_or_other_rungs() -> None:
    late = PAID + timedelta(days=200)
    assert "chargeback_expired" not in keys(traps("payment_dispute", facts(), late))
    assert "chargeback_expired" not in keys(
        traps("court", facts(channel=Channel.CREDIT_CARD), late)
    )


def test_chargeback_window_can_be_changed_per_case() -> None:
    longer = TrapLimits(chargeback=timedelta(days=540))
    found = traps(
        "payment_dispute", facts(channel=Channel.CREDIT_CARD), PAID + timedelta(days=121), longer
    )
    assert "chargeback_expired" not in keys(found)


def test_wechat_complaints_expire_after_48_hours_warning() -> None:
    found = traps("payment_dispute", facts(channel=Channel.WECHAT), SOON)
    assert keys(found)["wechat_48h"] == "warn"
    assert "48" in found[0].text.render("zh")
    assert "wechat_48h" not in keys(traps("payment_dispute", facts(channel=Channel.ALIPAY), SOON))


def test_police_warns_below_the_fraud_threshold() -> None:
    found = traps("police", facts(reason=Reason.PLATFORM_GONE, amount=Decimal("1500")), SOON)
    assert keys(found)["police_threshold"] == "warn"
    text = found[0].text
    assert "¥3,000" in text.render("en") and "¥10,000" in text.render("zh")
    assert "every province" in text.render("en") and "report it anyway" in text.render("en")


def test_police_warns_in_the_provincial_range_and_for_foreign_currency() -> None:
    mid = traps("police", facts(amount=Decimal("5000")), SOON)
    assert "may be below" in mid[0].text.render("en")
    assert keys(traps("police", facts(amount=Decimal("100"), currency="USD"), SOON))


def test_police_is_quiet_above_every_threshold() -> None:
    assert "police_threshold" not in keys(traps("police", facts(amount=Decimal("20000")), SOON))


def test_court_warns_that_the_small_claims_cap_depends_on_the_province() -> None:
    found = traps("court", facts(province="广东"), SOON)
    cap = next(t for t in found if t.key == "small_claims_cap")
    assert "广东" in cap.text.render("zh") and "Art. 165" in cap.text.render("en")
    known = TrapLimits(small_claims_cap=Decimal("40000"))
    assert "small_claims_cap" not in keys(traps("court", facts(), SOON, known))
    over = traps("court", facts(amount=Decimal("50000")), SOON, known)
    assert "ordinary procedure" in next(t for t in over if t.key == "small_claims_cap").text.render(
        "en"
    )


def test_court_notes_the_guides_5000_suggestion_only_below_it() -> None:
    assert keys(traps("court", facts(amount=Decimal("1500")), SOON))["court_small_amount"] == "warn"
    assert "court_small_amount" not in keys(traps("court", facts(amount=Decimal("8000")), SOON))


@pytest.mark.parametrize("where", ORDER)
def test_other_live_applications_warn_on_every_rung(where: str) -> None:
    assert keys(traps(where, facts(live_applications=1), SOON))["multiple_applications"] == "warn"
    assert "multiple_applications" not in keys(traps(where, facts(), SOON))


def test_every_trap_reads_in_both_languages() -> None:
    case = facts(
        channel=Channel.WECHAT,
        amount=Decimal("100"),
        live_applications=2,
        filed={"consumer_association": SOON, "arbitration": SOON},
    )
    for where in ORDER:
        for trap in traps(where, case, datetime(2026, 5, 1, tzinfo=SHANGHAI)):
            assert trap.severity in ("block", "warn")
            zh, en = trap.text.render("zh"), trap.text.render("en")
            assert zh and en and zh != en


def test_facts_refuse_unknown_filings_and_naive_times() -> None:
    with pytest.raises(InvalidInput, match="consumer_association"):
        facts(filed={"consumer-association": SOON})
    with pytest.raises(InvalidInput, match="time zone"):
        facts(paid_at=PAID.replace(tzinfo=None))
    with pytest.raises(InvalidInput, match="time zone"):
        traps("court", facts(), SOON.replace(tzinfo=None))


def test_general_warnings_cover_agents_private_payment_and_private_chat() -> None:
    zh = " ".join(t.render("zh") for t in general_warnings())
    en = " ".join(t.render("en") for t in general_warnings())
    assert "手续费" in zh and "scam" in en
    assert "私下" in zh and "privately" in en
    assert "微信" in zh and "WeChat" in en
