"""Bilingual text and the errors users see.

Every sentence a user reads exists in Chinese and English. Domain code builds a
:class:`Text` (both languages, with ``{placeholders}``) and the interface picks the
language at the edge, so a message can be rendered again in the other language.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


def default_lang() -> Lang:
    """The language to use when the user has not chosen one.

    ``REFUNDFLOW_LANG`` wins; otherwise a Chinese system locale means Chinese and
    anything else English.
    """
    explicit = os.environ.get("REFUNDFLOW_LANG", "").strip().lower()
    if explicit in LANGS:
        return explicit
    system = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "zh" if system.lower().startswith("zh") else "en"


@dataclass(frozen=True)
class Text:
    """One sentence in both languages, with ``str.format`` placeholders filled late."""

    zh: str
    en: str
    params: dict[str, Any] = field(default_factory=dict)

    def format(self, **params: Any) -> Text:
        return Text(self.zh, self.en, {**self.params, **params})

    def render(self, lang: Lang) -> str:
        template = self.zh if lang == "zh" else self.en
        if not self.params:
            return template.format()
        values = {
            key: (value.render(lang) if isinstance(value, Text) else value)
            for key, value in self.params.items()
        }
        return template.format_map(values)

    def __str__(self) -> str:
        return self.render("en")


def join(parts: list[Text], sep_zh: str = "；", sep_en: str = "; ") -> Text:
    """Join several texts into one sentence per language."""
    names = {f"p{i}": part for i, part in enumerate(parts)}
    zh = sep_zh.join("{" + name + "}" for name in names)
    en = sep_en.join("{" + name + "}" for name in names)
    return Text(zh, en, names)


class RefundflowError(Exception):
    """An error a user caused and can fix; rendered as one line, never a traceback."""

    exit_code = 1

    def __init__(self, text: Text) -> None:
        super().__init__(text.render("en"))
        self.text = text

    def render(self, lang: Lang) -> str:
        return self.text.render(lang)


class InvalidInput(RefundflowError):
    """Malformed or impossible input (amount, time, option value, file)."""

    exit_code = 2


class NotFound(RefundflowError):
    """A reference that names nothing in the store."""

    exit_code = 3


class TransitionRefused(RefundflowError):
    """The event does not fit the case's current stage."""

    exit_code = 4


class Conflict(RefundflowError):
    """Someone else changed the case meanwhile, or the change would duplicate one."""

    exit_code = 5


class IntegrityBroken(RefundflowError):
    """The timeline or evidence store no longer matches its hashes."""

    exit_code = 6
