"""The timeline's hash format is a promise to every database already written: a change
to how an event is serialised would make `refundflow case verify` report every old case
as tampered. These pin the canonical text and the resulting hashes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

from cases.model import GENESIS, Event
from cases.vocabulary import EventKind

CST = timezone(timedelta(hours=8))


def _created() -> Event:
    event = Event(
        EventKind.CREATED,
        datetime(2026, 9, 30, 10, 0, tzinfo=CST),
        datetime(2026, 9, 30, 10, 5, 1, 123456, tzinfo=CST),
        {"platform": "115卡盟", "amount": "128.00", "merchant": None},
        "李娜",
    )
    event.seq = 1
    return event


def test_an_event_hashes_its_canonical_text() -> None:
    canonical = (
        '{"actor":"李娜","at":"2026-09-30T02:00:00.000000+00:00",'
        '"data":{"amount":"128.00","merchant":null,"platform":"115卡盟"},'
        f'"kind":"created","prev":"{GENESIS}",'
        '"recorded_at":"2026-09-30T02:05:01.123456+00:00","ref":"RF-2026-0001","seq":1}'
    )
    expected = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert _created().compute_hash("RF-2026-0001") == expected
    assert expected == "c20ff2777e2a3df72fa627942db5556a5b39f0359531386143b23357958df249"


def test_each_hash_covers_the_one_before() -> None:
    first = _created()
    second = Event(
        EventKind.SUBMITTED,
        datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
        {"refund_no": "TK1"},
    )
    second.seq = 2
    second.prev_hash = first.compute_hash("RF-2026-0001")
    assert second.compute_hash("RF-2026-0001") == (
        "b5322b2c5db98ad144e64249d614ce09c13c85f362b6d7be26e1221cd87f94f8"
    )
    second.prev_hash = GENESIS
    assert second.compute_hash("RF-2026-0001") != (
        "b5322b2c5db98ad144e64249d614ce09c13c85f362b6d7be26e1221cd87f94f8"
    )
