"""Rule durations: RULES.md defaults, the user's rules.toml, and case overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from cases.durations import Duration
from cases.i18n import InvalidInput
from cases.rules import DEFAULTS, RuleBook

EXAMPLE = """
[defaults]
review = "3 working days"
supplement = "24 hours"
[defaults.arrival]
bank_card = "10 working days"
[platforms."115卡盟"]
review = "2 working days"
[platforms."115卡盟".rung]
platform_arbitration = "3 working days"
"""


@pytest.mark.parametrize(
    ("key", "duration", "kind"),
    [
        ("window", "24 hours", "seed 000/001"),
        ("review", "3 working days", "seed 000/002/003/004"),
        ("supplement", "24 hours", "seed 004"),
        ("arrival.alipay", "5 working days", "seed"),
        ("arrival.wechat", "5 working days", "seed"),
        ("arrival.bank_card", "15 working days", "seed"),
        ("arrival.credit_card", "15 working days", "seed"),
        ("arrival.other", "15 working days", "unverified"),
        ("cs_reply", "3 working days", "seed 003"),
        ("escalate", "3 working days", "unverified"),
        ("rung.merchant_cs", "3 working days", "seed 003"),
        ("rung.refund_application", "3 working days", "seed"),
        ("rung.platform_arbitration", "5 working days", "unverified"),
        ("rung.samr_12315", "7 working days", "law"),
        ("rung.complaint_sites", "10 working days", "unverified"),
        ("rung.payment_dispute", "10 working days", "unverified"),
        ("rung.police", "30 days", "unverified"),
        ("rung.court", "30 days", "unverified"),
    ],
)
def test_built_in_rules_follow_rules_md(key: str, duration: str, kind: str) -> None:
    rule = RuleBook().rule(key, "any platform")
    assert str(rule.duration) == duration
    assert rule.source.render("en").startswith(kind)
    zh_kind = {"law": "法律", "unverified": "未经核实"}.get(kind, "维权指南")
    assert rule.source.render("zh").startswith(zh_kind)


def test_keys_are_exactly_the_built_in_ones() -> None:
    assert RuleBook.keys() == tuple(DEFAULTS)
    assert len(RuleBook.keys()) == 18
    assert "rung.samr_12315" in RuleBook.keys()


def test_samr_source_names_the_article() -> None:
    source = RuleBook().rule("rung.samr_12315", "x").source
    assert "Art. 14" in source.render("en") and "第十四条" in source.render("zh")


def test_missing_file_gives_built_in_rules(tmp_path: Path) -> None:
    book = RuleBook.load(tmp_path / "rules.toml")
    assert str(book.rule("arrival.bank_card", "115卡盟").duration) == "15 working days"


@pytest.fixture
def book(tmp_path: Path) -> RuleBook:
    path = tmp_path / "rules.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    return RuleBook.load(path)


def test_platform_table_wins_for_its_platform(book: RuleBook) -> None:
    rule = book.rule("review", "115卡盟")
    assert str(rule.duration) == "2 working days"
    assert rule.source.render("en") == 'rules.toml [platforms."115卡盟"] review'
    assert "rules.toml" in rule.source.render("zh") and "115卡盟" in rule.source.render("zh")
    nested = book.rule("rung.platform_arbitration", "115卡盟")
    assert str(nested.duration) == "3 working days"
    assert (
        nested.source.render("en") == 'rules.toml [platforms."115卡盟"] rung.platform_arbitration'
    )


def test_platform_name_matches_after_stripping_spaces_only(book: RuleBook) -> None:
    assert str(book.rule("review", "  115卡盟 ").duration) == "2 working days"
    assert str(book.rule("review", "115卡盟旗舰店").duration) == "3 working days"


def test_file_defaults_apply_to_other_platforms(book: RuleBook) -> None:
    rule = book.rule("arrival.bank_card", "other shop")
    assert str(rule.duration) == "10 working days"
    assert rule.source.render("en") == "rules.toml [defaults] arrival.bank_card"
    untouched = book.rule("rung.platform_arbitration", "other shop")
    assert str(untouched.duration) == "5 working days"
    assert untouched.source.render("en").startswith("unverified")


def test_case_override_wins_over_everything(book: RuleBook) -> None:
    rule = book.rule("review", "115卡盟", {"review": "5个工作日"})
    assert rule.duration == Duration.parse("5 working days")
    assert rule.source.render("en") == "case override"
    assert rule.source.render("zh") == "本案单独设置"
    other = book.rule("supplement", "115卡盟", {"review": "5个工作日"})
    assert str(other.duration) == "24 hours"


def test_bad_case_override_names_the_rule(book: RuleBook) -> None:
    with pytest.raises(InvalidInput) as caught:
        book.rule("review", "115卡盟", {"review": "soon"})
    message = caught.value.render("en")
    assert "case override for review" in message and '"soon"' in message


def test_unknown_rule_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        RuleBook().rule("reveiw", "115卡盟")
    message = caught.value.render("en")
    assert '"reveiw"' in message and "review, supplement, arrival.alipay" in message
    assert "reveiw" in caught.value.render("zh")


def test_flat_dotted_key_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[defaults]\n"arrival.alipay" = "2 working days"\n', encoding="utf-8")
    rule = RuleBook.load(path).rule("arrival.alipay", "x")
    assert str(rule.duration) == "2 working days"
    assert rule.source.render("en") == "rules.toml [defaults] arrival.alipay"


def test_built_programmatically() -> None:
    book = RuleBook(
        defaults={"review": Duration.parse("4 working days")},
        platforms={" A ": {"review": Duration.parse("1 working day")}},
    )
    assert str(book.rule("review", "A").duration) == "1 working day"
    assert str(book.rule("review", "B").duration) == "4 working days"
    with pytest.raises(InvalidInput):
        RuleBook(defaults={"nope": Duration.parse("1 day")})


def _refusal(tmp_path: Path, content: str) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        RuleBook.load(path)
    assert str(path) in caught.value.render("zh")
    message = caught.value.render("en")
    assert str(path) in message
    return message


def test_unknown_key_in_file(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[platforms."115卡盟"]\nreveiw = "2 working days"\n')
    assert '[platforms."115卡盟"] reveiw = "2 working days"' in message
    assert "valid rules: window, review" in message


def test_unknown_nested_key_in_file(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[defaults.arrival]\npaypal = "2 working days"\n')
    assert "[defaults] arrival.paypal" in message and "arrival.bank_card" in message


def test_bad_duration_in_file(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[defaults]\nreview = "3 weeks"\n')
    assert '[defaults] review = "3 weeks"' in message
    assert '"weeks" is not a unit' in message and '"3 working days"' in message


def test_duration_must_be_text(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "[defaults]\nreview = 3\n")
    assert "[defaults] review = 3" in message and "quoted text" in message


def test_bad_toml(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[defaults\nreview = "3 working days"\n')
    assert "cannot read" in message and "Valid rules:" in message


def test_unknown_table(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[platform."115卡盟"]\nreview = "2 working days"\n')
    assert "[platform]" in message and "[defaults]" in message


def test_repeated_platform_after_stripping(tmp_path: Path) -> None:
    message = _refusal(
        tmp_path,
        '[platforms."115卡盟"]\nreview = "2 working days"\n'
        '[platforms." 115卡盟"]\nreview = "1 working day"\n',
    )
    assert "repeats another one" in message
