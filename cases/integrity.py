"""Checking a case against its hashes: the timeline chain and the evidence files."""

from __future__ import annotations

from dataclasses import dataclass, field

from cases.i18n import Text
from cases.model import GENESIS, Case
from cases.ports import EvidenceFiles
from cases.vocabulary import EventKind


@dataclass
class Verification:
    ref: str
    events: int = 0
    files: int = 0
    problems: list[Text] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(case: Case, files: EvidenceFiles) -> Verification:
    """Recompute every event hash and every evidence file's SHA-256.

    Detects an edited event (its hash no longer matches), a deleted one (a gap in the
    sequence, a broken link, or a head that no longer matches the case), and evidence
    files that are missing or changed.
    """
    result = Verification(case.ref)
    previous = GENESIS
    expected_seq = 1
    for event in case.ordered_events():
        result.events += 1
        for missing in range(expected_seq, event.seq):
            result.problems.append(
                Text(
                    "时间线缺少第 {n} 条事件（可能被删除）",
                    "timeline event #{n} is missing (deleted?)",
                    {"n": missing},
                )
            )
        expected_seq = event.seq + 1
        if event.prev_hash != previous:
            result.problems.append(
                Text(
                    "第 {n} 条事件与前一条的哈希链断开",
                    "event #{n} does not link to the event before it",
                    {"n": event.seq},
                )
            )
        if event.compute_hash(case.ref) != event.hash:
            result.problems.append(
                Text(
                    "第 {n} 条事件（{kind}）记录后被修改过",
                    "event #{n} ({kind}) was changed after it was recorded",
                    {"n": event.seq, "kind": event.kind.value},
                )
            )
        previous = event.hash
    if previous != case.head_hash or result.events != case.event_count:
        result.problems.append(
            Text(
                "时间线末尾与案件记录不符：应有 {want} 条事件，现有 {have} 条（可能被删除）",
                "the end of the timeline does not match the case: {want} events expected, "
                "{have} found (deleted?)",
                {"want": case.event_count, "have": result.events},
            )
        )
    added = {e.data.get("sha256") for e in case.events if e.kind == EventKind.EVIDENCE_ADDED}
    for item in case.evidence:
        result.files += 1
        name = {"name": item.original_name, "sha": item.sha256[:12]}
        if item.sha256 not in added:
            result.problems.append(
                Text(
                    "证据“{name}”（{sha}…）不在时间线上",
                    'evidence "{name}" ({sha}…) is not on the timeline',
                    name,
                )
            )
        digest = files.digest(item.sha256)
        if digest is None:
            result.problems.append(
                Text(
                    "证据文件“{name}”（{sha}…）丢失",
                    'evidence file "{name}" ({sha}…) is missing',
                    name,
                )
            )
        elif digest != item.sha256:
            result.problems.append(
                Text(
                    "证据文件“{name}”（{sha}…）内容已被改动",
                    'evidence file "{name}" ({sha}…) has been changed',
                    name,
                )
            )
    return result
