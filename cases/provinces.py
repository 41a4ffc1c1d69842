"""Every provincial-level division of mainland China, the names each goes by, and the two
per-province figures the ladder needs: the police fraud threshold and the small-claims cap.

Names and figures are data, not code: ``cases/data/provinces.toml`` lists the 31 divisions
with their official, English and short names, and the figures that have been researched,
each with its source, its year and whether it was checked; ``$REFUNDFLOW_HOME/provinces.toml``
(same layout) corrects or adds without touching the package. A division without a figure is
a known name all the same: whoever uses the figure says it is not known and falls back to
the national rule. Amounts are ``Decimal`` yuan.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cases.i18n import InvalidInput, Text

BUILT_IN = Path(__file__).parent / "data" / "provinces.toml"
FIGURES = ("fraud_threshold", "small_claims_cap")
KINDS = ("province", "autonomous_region", "municipality")
SUFFIXES = ("自治区", "省", "市", "autonomousregion", "municipality", "province", "city")
"""Endings a name may carry beyond the ones listed (广西自治区, Shaanxi Province)."""


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
    name: str  # the short Chinese name, the table's key: what a case stores (广东)
    en: str
    fraud_threshold: Figure | None
    small_claims_cap: Figure | None
    full: str = ""  # the official Chinese name (广东省)
    kind: str = ""  # one of KINDS; "" for a place added in the home's file without one
    aliases: tuple[str, ...] = ()

    def label(self) -> Text:
        return Text(self.name, self.en)

    def names(self) -> tuple[str, ...]:
        """Every name it answers to: short, official, English, then the aliases."""
        return tuple(dict.fromkeys(n for n in (self.name, self.full, self.en, *self.aliases)
                                   if n.strip()))

    def figure(self, key: str) -> Figure | None:
        """``fraud_threshold`` or ``small_claims_cap``; None when nobody has researched it."""
        if key not in FIGURES:
            raise KeyError(key)
        figure: Figure | None = getattr(self, key)
        return figure


class ProvinceTable:
    """The divisions known from the built-in file and the user's override, by any name."""

    def __init__(self, provinces: Mapping[str, Province], path: Path | None = None) -> None:
        """``path``: the file to name when two divisions share a name (default: built-in)."""
        self.provinces = dict(provinces)
        self._by_name = _index(self.provinces.values(), path)

    @classmethod
    def load(cls, override: Path | None = None) -> ProvinceTable:
        entries = _read(BUILT_IN)
        origin = dict.fromkeys(entries, BUILT_IN)
        if override is not None and override.is_file():
            built_in = cls._build(entries, origin)
            for key, entry in _read(override).items():
                known = built_in.lookup(key)
                target = known.name if known is not None else key
                before = entries.get(target, {})
                merged = {**before, **entry}
                if "aliases" in entry:
                    merged["aliases"] = [*_aliases(target, before, BUILT_IN),
                                         *_aliases(key, entry, override)]
                entries[target] = merged
                origin[target] = override
        return cls._build(entries, origin, override)

    @classmethod
    def _build(cls, entries: Mapping[str, Mapping[str, Any]], origin: Mapping[str, Path],
               override: Path | None = None) -> ProvinceTable:
        return cls({key: _province(key, entry, origin[key]) for key, entry in entries.items()},
                   override)

    def lookup(self, name: str) -> Province | None:
        """The division ``name`` means (广东, 广东省, Guangdong, Guangdong Province, 粤)."""
        wanted = _key(name)
        if not wanted:
            return None
        found = self._by_name.get(wanted)
        if found is None:
            for suffix in SUFFIXES:
                if wanted.endswith(suffix) and len(wanted) > len(suffix):
                    return self._by_name.get(wanted[: -len(suffix)])
        return found

    def find(self, name: str) -> Province:
        """As :meth:`lookup`, but a name that is no division is refused with the nearest ones."""
        found = self.lookup(name)
        if found is not None:
            return found
        raise InvalidInput(Text(
            "“{name}”不是 refundflow 认识的省级行政区{guess}；可用的名称见 refundflow provinces，"
            "其他写法可加在 $REFUNDFLOW_HOME/provinces.toml。",
            "'{name}' is not a province of mainland China that refundflow knows{guess}; "
            "`refundflow provinces` lists the names it accepts, and "
            "$REFUNDFLOW_HOME/provinces.toml can add others.",
        ).format(name=name.strip(), guess=self._guess(name)))

    def _guess(self, name: str) -> Text:
        close = difflib.get_close_matches(_key(name), list(self._by_name), n=6, cutoff=0.7)
        nearest = list({self._by_name[c].name: self._by_name[c] for c in close}.values())[:3]
        if not nearest:
            return Text("", "")
        return Text("（是不是“{zh}”？）", " (did you mean {en}?)").format(
            zh="”或“".join(p.name for p in nearest), en=" or ".join(p.en for p in nearest))

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


_SEPARATORS = re.compile(r"[\s\-_'’·.]+")


def _key(name: str) -> str:
    """A name as it is matched: full-width folded, any case, no spaces, hyphens or dots."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", name).casefold())


def _index(provinces: Iterable[Province], path: Path | None) -> dict[str, Province]:
    by_name: dict[str, Province] = {}
    for province in provinces:
        for name in province.names():
            taken = by_name.setdefault(_key(name), province)
            if taken is not province:
                raise InvalidInput(Text(
                    "省份表 {path} 有误：名称“{alias}”同时属于“{a}”和“{b}”，请只留一个。",
                    "The province table {path} is wrong: the name '{alias}' belongs to both "
                    "'{a}' and '{b}'; keep it on one of them.",
                ).format(path=str(path or BUILT_IN), alias=name, a=taken.name, b=province.name))
    return by_name


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
    kind = entry.get("kind", "")
    texts = [entry.get(name, "") for name in ("en", "full")]
    if kind not in ("", *KINDS) or not all(isinstance(t, str) for t in texts):
        raise InvalidInput(Text(
            "{path} 中 [\"{key}\"] 有误：en、full 应为文字，kind 应为 {kinds} 之一。",
            "{path}: [\"{key}\"] is wrong: en and full must be text, kind one of {kinds}.",
        ).format(path=str(path), key=key, kinds=", ".join(KINDS)))
    return Province(key, str(texts[0] or key), figures["fraud_threshold"],
                    figures["small_claims_cap"], str(texts[1]), str(kind),
                    tuple(_aliases(key, entry, path)))


def _aliases(key: str, entry: Mapping[str, Any], path: Path) -> list[str]:
    raw = entry.get("aliases", [])
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise InvalidInput(Text(
            "{path} 中 [\"{key}\"] 的 aliases 应为文字列表，如 [\"粤\"]。",
            "{path}: aliases of [\"{key}\"] must be a list of text, e.g. [\"粤\"].",
        ).format(path=str(path), key=key))
    return list(raw)


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
