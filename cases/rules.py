"""How long each clock runs, where that number comes from, and the user's changes to it.

RULES.md insists every number is a default the user can reach: the built-in durations below
can be replaced for all platforms or for one platform in ``$REFUNDFLOW_HOME/rules.toml``, and
for one case by a case override. Each rule keeps its source in words ("law", "seed",
"unverified", or the file and table it came from) so a deadline can say why it falls when
it does.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cases.durations import Duration
from cases.i18n import InvalidInput, Text


def _seed(seeds: str, zh: str, en: str) -> Text:
    return Text(
        zh="维权指南 " + seeds + "（经验做法，非法律）：" + zh, en="seed " + seeds + ": " + en
    )


def _unverified(zh: str, en: str) -> Text:
    return Text(zh="未经核实的默认值：" + zh, en="unverified default: " + en)


_REVIEW = ("审核一般需 1-3 个工作日", "review takes 1-3 working days")
_INSTANT = (
    "名义上 1-2 小时到账，超过 5 个工作日未到账应升级处理",
    "nominally 1-2 h; escalate after 5 working days",
)
_ALL = "000/002/003/004"

# fmt: off
DEFAULTS: Mapping[str, tuple[str, Text]] = {
    "window": ("24 hours", _seed("000/001", "虚拟商品未使用且在购买后 24 小时内",
                                 "virtual goods, unused and within 24 h of purchase")),
    "review": ("3 working days", _seed(_ALL, *_REVIEW)),
    "supplement": ("24 hours", _seed(
        "004", "平台要求补充材料后须在 24 小时内提交，否则视为放弃申请",
        "answer a request for material within 24 h or the request counts as abandoned")),
    "arrival.alipay": ("5 working days", _seed(_ALL, "支付宝" + _INSTANT[0],
                                               "Alipay: " + _INSTANT[1])),
    "arrival.wechat": ("5 working days", _seed(_ALL, "微信支付" + _INSTANT[0],
                                               "WeChat Pay: " + _INSTANT[1])),
    "arrival.bank_card": ("15 working days", _seed(
        _ALL, "银行卡名义上 3 个工作日，最长 15 个工作日",
        "bank card: 3 working days nominal, up to 15")),
    "arrival.credit_card": ("15 working days", _seed(
        _ALL, "信用卡视账单周期而定", "credit card: depends on the billing cycle")),
    "arrival.other": ("15 working days", _unverified(
        "其他支付方式按银行卡的最长时间计",
        "other channels, counted like a bank card at its longest")),
    "cs_reply": ("3 working days", _seed(
        "003", "商家或客服拖延超过 3 个工作日应升级投诉",
        "a merchant or customer service stalling over 3 working days → escalate")),
    "escalate": ("3 working days", _unverified(
        "被驳回后 3 个工作日内采取下一步行动",
        "take the next step within 3 working days of a rejection")),
    "rung.merchant_cs": ("3 working days", _seed(
        "003", "商家客服拖延超过 3 个工作日即转为正式退款申请",
        "customer service stalling over 3 working days → file the refund application")),
    "rung.refund_application": ("3 working days", _seed(_ALL, *_REVIEW)),
    "rung.platform_arbitration": ("5 working days", _unverified(
        "平台介入/仲裁的答复时间",
        "time for the platform's intervention or arbitration to answer")),
    "rung.samr_12315": ("7 working days", Text(
        zh="法律：《市场监督管理投诉举报处理暂行办法》第十四条，7 个工作日内决定是否受理",
        en="law: SAMR Measures for Complaints and Reports Art. 14, acceptance decided "
        "within 7 working days")),
    "rung.complaint_sites": ("10 working days", _unverified(
        "黑猫投诉、聚投诉等平台推动商家回应的时间",
        "time for a complaint site to get an answer")),
    "rung.payment_dispute": ("10 working days", _unverified(
        "支付宝/微信交易投诉或银行争议处理的答复时间",
        "time for a payment-channel dispute to be answered")),
    "rung.police": ("30 days", _unverified(
        "报警后跟进立案情况的时间", "time to follow up a police report")),
    "rung.court": ("30 days", _unverified(
        "起诉后跟进立案情况的时间", "time to follow up a court filing")),
}
# fmt: on
"""Built-in rule key -> (duration as written in RULES.md, where the number comes from)."""

_BUILT_IN: dict[str, Duration] = {key: Duration.parse(text) for key, (text, _) in DEFAULTS.items()}
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Rule:
    """The duration a clock runs for, and where that number comes from in words."""

    key: str
    duration: Duration
    source: Text


_NO_SUCH_RULE = Text(zh="没有这条规则；可用的规则：{keys}", en="no such rule; valid rules: {keys}")


def _valid_keys() -> str:
    return ", ".join(DEFAULTS)


def _unknown_key(key: str) -> InvalidInput:
    return InvalidInput(
        Text(
            zh="没有名为“{key}”的期限规则；可用的规则：{keys}",
            en='no deadline rule named "{key}"; valid rules: {keys}',
        ).format(key=key, keys=_valid_keys())
    )


def _table_name(platform: str) -> str:
    quoted = platform if _BARE_KEY.match(platform) else json.dumps(platform, ensure_ascii=False)
    return "platforms." + quoted


def _file_error(path: Path | None, table: str, key: str, value: Any, problem: Text) -> InvalidInput:
    return InvalidInput(
        Text(
            zh="{file} 的 [{table}] 中 {key} = {value} 有误：{problem}",
            en="{file}: [{table}] {key} = {value} is wrong: {problem}",
        ).format(
            file=str(path) if path else "rules.toml",
            table=table,
            key=key,
            value=json.dumps(value, ensure_ascii=False, default=str),
            problem=problem,
        )
    )


def _checked(path: Path | None, table: str, rules: Mapping[str, Duration]) -> dict[str, Duration]:
    for key, duration in rules.items():
        if key not in DEFAULTS:
            raise _file_error(
                path,
                table,
                key,
                str(duration),
                _NO_SUCH_RULE.format(keys=_valid_keys()),
            )
    return dict(rules)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Nested tables ([defaults.arrival] bank_card) become dotted keys (arrival.bank_card)."""
    for name, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{name}.")
        else:
            yield prefix + name, value


def _read_table(path: Path, table: str, raw: Any) -> dict[str, Duration]:
    if not isinstance(raw, dict):
        raise _file_error(
            path,
            table,
            table,
            raw,
            Text(
                zh='这里应为一张表，例如 [{t}]，每行“规则 = "时长"”',
                en='this must be a table, e.g. [{t}] with lines rule = "duration"',
            ).format(t=table),
        )
    rules: dict[str, Duration] = {}
    for key, value in _flatten(raw):
        if key not in DEFAULTS:
            raise _file_error(
                path,
                table,
                key,
                value,
                _NO_SUCH_RULE.format(keys=_valid_keys()),
            )
        if key in rules:
            raise _file_error(
                path,
                table,
                key,
                value,
                Text(zh="这条规则写了两次，请只保留一处", en="this rule is set twice; keep one"),
            )
        if not isinstance(value, str):
            raise _file_error(
                path,
                table,
                key,
                value,
                Text(
                    zh='时长要写成带引号的文字，例如 "3 working days"',
                    en='write the duration as quoted text, e.g. "3 working days"',
                ),
            )
        try:
            rules[key] = Duration.parse(value)
        except InvalidInput as error:
            raise _file_error(path, table, key, value, error.text) from error
    return rules


class RuleBook:
    """Durations by rule key: case override > platform table > file defaults > built-in."""

    def __init__(
        self,
        defaults: Mapping[str, Duration] | None = None,
        platforms: Mapping[str, Mapping[str, Duration]] | None = None,
        path: Path | None = None,
    ) -> None:
        self._path = path
        self._defaults = _checked(path, "defaults", defaults or {})
        self._platforms: dict[str, dict[str, Duration]] = {}
        for name, rules in (platforms or {}).items():
            self._platforms[name.strip()] = _checked(path, _table_name(name.strip()), rules)

    @classmethod
    def load(cls, path: Path) -> RuleBook:
        """The rules in ``path`` (rules.toml) over the built-in ones; no file, built-in only."""
        if not path.exists():
            return cls(path=path)
        try:
            with path.open("rb") as handle:
                data = tomllib.load(handle)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
            raise InvalidInput(
                Text(
                    zh="无法读取 {file}：{e}。请修正该文件（TOML 格式，包含 [defaults] 和 "
                    '[platforms."平台名"] 两类表），或删除它以使用内置规则。可用的规则：{keys}',
                    en="cannot read {file}: {e}. Fix the file (TOML with [defaults] and "
                    '[platforms."<name>"] tables) or remove it to use the built-in rules. '
                    "Valid rules: {keys}",
                ).format(file=str(path), e=str(error), keys=_valid_keys())
            ) from error
        unknown = sorted(set(data) - {"defaults", "platforms"})
        if unknown:
            raise _file_error(
                path,
                unknown[0],
                unknown[0],
                data[unknown[0]],
                Text(
                    zh='只能有 [defaults] 和 [platforms."平台名"] 两类表',
                    en='only [defaults] and [platforms."<name>"] tables are allowed',
                ),
            )
        defaults = _read_table(path, "defaults", data.get("defaults", {}))
        raw_platforms = data.get("platforms", {})
        if not isinstance(raw_platforms, dict):
            raise _file_error(
                path,
                "platforms",
                "platforms",
                raw_platforms,
                Text(
                    zh='请为每个平台写一张表，例如 [platforms."115卡盟"]',
                    en='write one table per platform, e.g. [platforms."115卡盟"]',
                ),
            )
        platforms: dict[str, dict[str, Duration]] = {}
        for name, table in raw_platforms.items():
            clean = name.strip()
            if not clean or clean in platforms:
                raise InvalidInput(
                    Text(
                        zh="{file} 中的平台表 [{table}] 名称为空或与其他表重复（去掉首尾空格后），"
                        "请改名或合并",
                        en="{file}: the platform table [{table}] has an empty name or repeats "
                        "another one (ignoring surrounding spaces); rename or merge it",
                    ).format(file=str(path), table=_table_name(name))
                )
            platforms[clean] = _read_table(path, _table_name(clean), table)
        return cls(defaults, platforms, path)

    def rule(self, key: str, platform: str, overrides: Mapping[str, str] | None = None) -> Rule:
        """The duration for ``key`` on ``platform``, with the case's own overrides on top."""
        if key not in DEFAULTS:
            raise _unknown_key(key)
        override = (overrides or {}).get(key)
        if override is not None:
            try:
                duration = Duration.parse(override)
            except InvalidInput as error:
                raise InvalidInput(
                    Text(
                        zh="本案对 {key} 的单独设置有误：{problem}",
                        en="the case override for {key} is wrong: {problem}",
                    ).format(key=key, problem=error.text)
                ) from error
            return Rule(key, duration, Text(zh="本案单独设置", en="case override"))
        name = platform.strip()
        for table, rules in (
            (_table_name(name), self._platforms.get(name, {})),
            ("defaults", self._defaults),
        ):
            if key in rules:
                source = Text(
                    zh="规则文件 {file} 中 [{table}] 的 {key}", en="{file} [{table}] {key}"
                ).format(file=self._path.name if self._path else "rules.toml", table=table, key=key)
                return Rule(key, rules[key], source)
        return Rule(key, _BUILT_IN[key], DEFAULTS[key][1])

    @staticmethod
    def keys() -> tuple[str, ...]:
        """Every rule key, in the order of RULES.md."""
        return tuple(DEFAULTS)
