"""Per-province figures the ladder needs: the police fraud threshold and the small-claims cap.

Both are set by each province and change (the cap every year), so they are data, not code:
``cases/data/provinces.toml`` ships what is known, each figure with its source, its year and
whether it was checked; ``$REFUNDFLOW_HOME/provinces.toml`` (same layout) corrects or adds
provinces without touching the package. Amounts are ``Decimal`` yuan.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cases.i18n import InvalidInput, Text

BUILT_IN = Path(__file__).parent / "data" / "provinces.toml"
FIGURES = ("fraud_threshold", "small_claims_cap")


@dataclass(frozen=True)
class Figure:
    """One number for one province: how much (yuan), for which year, from where, checked or not."""

    amount: Decimal
    year: int  # 0 when the year is unknown
    source: Text
    verified: bool

    def stale(self, this_year: int) -> bool:
        """The small-claims cap follows last year's wage: older than that is out of date."""
        return self.year == 0 or self.year < this_year - 1


@dataclass(frozen=True)
class Province:
    name: str  # Chinese, as in the file
    en: str
    fraud_threshold: Figure | None
    small_claims_cap: Figure | None

    def label(self) -> Text:
        return Text(self.name, self.en)


class ProvinceTable:
    """The provinces known from the built-in file and the user's override."""

    def __init__(self, provinces: Mapping[str, Province]) -> None:
        self.provinces = dict(provinces)

    @classmethod
    def load(cls, override: Path | None = None) -> ProvinceTable:
        table = _read(BUILT_IN)
        path_of = dict.fromkeys(table, BUILT_IN)
        if override is not None and override.is_file():
            for key, entry in _read(override).items():
                table[key] = {**table.get(key, {}), **entry}
                path_of[key] = override
        return cls({key: _province(key, entry, path_of[key]) for key, entry in table.items()})

    def find(self, name: str) -> Province:
        """By Chinese name (with or without 省/市/自治区) or English name, any case."""
        wanted = _bare(name)
        for province in self.provinces.values():
            if wanted in (_bare(province.name), province.en.strip().lower()):
                return province
        raise InvalidInput(Text(
            "省份表中没有“{name}”（可用：{known}；用 refundflow provinces 查看各省数据）。"
            "可在 $REFUNDFLOW_HOME/provinces.toml 中添加，格式见 cases/data/provinces.toml。",
            "No figures for the province '{name}' (known: {known}; see them with `refundflow "
            "provinces`). Add it in $REFUNDFLOW_HOME/provinces.toml, laid out like "
            "cases/data/provinces.toml.",
        ).format(name=name.strip(), known=self.known()))

    def known(self) -> Text:
        """The names the table accepts, Chinese in Chinese text and English in English."""
        ordered = sorted(self.provinces.values(), key=lambda p: p.en)
        return Text("、".join(p.name for p in ordered) or "-",
                    ", ".join(p.en for p in ordered) or "-")

    def resolve(self, given: str | None, stored: str | None = None,
                default: str | None = None) -> Province | None:
        """The province whose figures apply to a case: the one given for this command, else
        the case's own, else the ``REFUNDFLOW_PROVINCE`` default, else none."""
        sources = (
            (given, None),
            (stored, Text("案件记录的省份：", "the case's province: ")),
            (default, Text("REFUNDFLOW_PROVINCE 设置有误：", "bad setting REFUNDFLOW_PROVINCE: ")),
        )
        for name, where in sources:
            if not name or not name.strip():
                continue
            try:
                return self.find(name)
            except InvalidInput as exc:
                if where is None:
                    raise
                raise InvalidInput(Text("{where}{err}", "{where}{err}").format(
                    where=where, err=exc.text)) from None
        return None


def _bare(name: str) -> str:
    text = name.strip().lower()
    for suffix in ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区"):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _read(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(Text(
            "无法读取省份表 {path}：{err}", "Cannot read the province table {path}: {err}",
        ).format(path=str(path), err=str(exc))) from None
    return {str(k): dict(v) for k, v in data.items() if isinstance(v, dict)}


def _province(key: str, entry: Mapping[str, Any], path: Path) -> Province:
    figures = {name: _figure(key, name, entry.get(name), path) for name in FIGURES}
    return Province(key, str(entry.get("en") or key), figures["fraud_threshold"],
                    figures["small_claims_cap"])


def _figure(key: str, name: str, raw: Any, path: Path) -> Figure | None:
    if raw is None:
        return None
    try:
        amount = Decimal(str(raw["amount"]))
        year = int(raw.get("year", 0))
        if not amount.is_finite() or amount <= 0:
            raise ValueError(raw["amount"])
        source = str(raw.get("source", ""))
        return Figure(amount, year, Text(source, str(raw.get("source_en") or source)),
                      bool(raw.get("verified", False)))
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        raise InvalidInput(Text(
            "{path} 中 [{key}.{name}] 有误：需要 amount（如 \"5000\"）、year、source、source_en、"
            "verified。",
            "{path}: [{key}.{name}] is wrong: it needs amount (e.g. \"5000\"), year, source, "
            "source_en and verified.",
        ).format(path=str(path), key=key, name=name)) from None
