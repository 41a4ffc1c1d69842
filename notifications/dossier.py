"""The evidence dossier: one zip to upload to 12315 or hand to a lawyer.

It holds the letter for the rung to act on, every evidence file under a meaningful name in
the order purchase proof → promise → problem → communications, the case record and its
timeline with the hash chain, a printable index (Markdown and HTML) and ``manifest.json``
with the SHA-256 of every other file. The integrity check is the same one ``refundflow case
verify`` runs; when it finds a problem, the index says so at the top of its first page.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cases.checklist import checklist
from cases.eligibility import format_money
from cases.i18n import Lang, Text
from cases.integrity import Verification
from cases.ladder import rung
from cases.model import Case
from cases.ports import EvidenceFiles
from cases.provinces import Province
from cases.records import case_record
from notifications.guide import province_notes
from notifications.letters import Letter, environment, evidence_entries, local, render_letter

FORMAT = "refundflow.dossier/1"

LABELS: dict[str, Text] = {
    "title": Text("证据材料包", "Evidence dossier"),
    "broken": Text("完整性检查未通过：以下记录或文件与登记的哈希不符，请先核实再提交。",
                   "Integrity check FAILED: the records or files below do not match their "
                   "registered hashes. Check them before you submit anything."),
    "intact": Text("完整性检查通过：{events} 条时间线事件的哈希链完整，{files} 个证据文件与登记的"
                   "哈希一致（与 refundflow case verify 结果相同）。",
                   "Integrity check passed: {events} timeline events chain correctly and {files} "
                   "evidence files match their registered hashes (the same result as "
                   "refundflow case verify)."),
    "colon": Text("：", ": "), "generated": Text("生成时间", "Generated"),
    "case": Text("案件", "Case"),
    "summary": Text("案件概要", "Summary"), "platform": Text("平台", "Platform"),
    "merchant": Text("店铺", "Shop"), "order": Text("订单号", "Order no."),
    "refund_no": Text("退款编号", "Refund no."), "product": Text("商品", "Product"),
    "amount": Text("金额", "Amount"), "paid_at": Text("付款时间", "Paid at"),
    "reason": Text("退款原因", "Reason"), "stage": Text("阶段", "Stage"),
    "zone": Text("时区", "Time zone"), "province": Text("所在省份", "Province"),
    "province_figures": Text("省份数据（诈骗罪立案标准、小额诉讼上限）",
                             "Province figures (fraud threshold, small-claims cap)"),
    "letter": Text("当前阶段的信函", "Letter for the current rung"),
    "rung": Text("维权阶梯", "Rung"), "file": Text("文件", "File"),
    "evidence": Text("证据清单（购买凭证 → 宣传承诺 → 问题证明 → 沟通记录）",
                     "Evidence (purchase proof → promise → problem proof → communications)"),
    "kind": Text("类别", "Kind"), "original": Text("原文件名", "Original name"),
    "captured": Text("取证时间", "Captured"), "size": Text("大小（字节）", "Size (bytes)"),
    "note": Text("说明", "Note"), "status": Text("状态", "Status"),
    "ok": Text("一致", "matches"), "changed": Text("已被改动", "CHANGED"),
    "missing_file": Text("文件丢失", "MISSING"),
    "no_evidence": Text("尚无证据文件。", "No evidence files yet."),
    "checklist": Text("材料核对（当前阶段需要什么、还缺什么）",
                      "Checklist (what the current rung needs, what is missing)"),
    "have": Text("已有 {n} 份", "{n} on file"), "lacking": Text("缺少", "missing"),
    "timeline": Text("时间线与哈希链", "Timeline and hash chain"),
    "when": Text("时间", "When"), "event": Text("事件", "Event"),
    "details": Text("详情", "Details"), "prev": Text("前一哈希", "Previous hash"),
    "hash": Text("哈希", "Hash"), "head": Text("链尾哈希", "Head hash"),
    "how": Text("如何核验", "How to verify"),
    "how_files": Text("每个文件的 SHA-256 列在 manifest.json 中，可用 sha256sum（Windows："
                      "certutil -hashfile 文件 SHA256）逐一复核。",
                      "manifest.json lists the SHA-256 of every file; recompute them with "
                      "sha256sum (Windows: certutil -hashfile FILE SHA256)."),
    "how_chain": Text("timeline.json 中每条事件的哈希是对 ref、seq、kind、at、recorded_at（UTC）、"
                      "actor、data 和前一条哈希的规范 JSON（键排序、紧凑、UTF-8）做 SHA-256；"
                      "第一条的前一哈希为 64 个 0。",
                      "In timeline.json each event's hash is the SHA-256 of the canonical JSON "
                      "(sorted keys, compact, UTF-8) of ref, seq, kind, at, recorded_at (UTC), "
                      "actor, data and the previous hash; the first event's previous hash is "
                      "64 zeros."),
}


@dataclass(frozen=True)
class Dossier:
    data: bytes
    manifest: dict[str, Any]
    verification: Verification

    @property
    def evidence_count(self) -> int:
        """Evidence files inside the zip (a missing file is listed but not shipped)."""
        return len([x for x in self.manifest["evidence"] if x["sha256"]])


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _timeline(case: Case) -> dict[str, Any]:
    record = case_record(case)
    return {"ref": case.ref, "head_hash": case.head_hash, "event_count": case.event_count,
            "zone": case.zone, "events": record["events"]}


def make_dossier(ctx: Any, ref: str, lang: Lang, *, rung_key: str | None = None,
                 usage: str | None = None, province: str | None = None) -> Dossier:
    """Read the case, write its letter, verify it and build the zip (``refundflow dossier``
    and the terminal app's ``d``). ``province`` overrides the case's own and the default."""
    from cases.services import get_case, verify_case

    case = get_case(ctx, ref)
    now = ctx.clock.now()
    letter = render_letter(case, rung_key, lang, now, ctx.planner, usage)
    verification = verify_case(ctx, case.ref)
    figures = ctx.province_for(case.province, province)
    return build_dossier(case, letter, verification, ctx.files, lang, now, figures)


def build_dossier(case: Case, letter: Letter, verification: Verification,
                  files: EvidenceFiles, lang: Lang, now: datetime,
                  province: Province | None = None) -> Dossier:
    """The zip as bytes, with the manifest it carries (paths relative to the archive)."""
    def r(text: Text) -> str:
        return text.render(lang)

    stamp = now.astimezone(case.tz)
    blobs: list[tuple[str, bytes]] = []
    evidence_rows: list[dict[str, Any]] = []
    for entry in evidence_entries(case, lang):
        path = f"evidence/{entry.name}"
        row: dict[str, Any] = {"path": path, "name": entry.name, "kind": entry.kind,
                               "original_name": entry.original_name, "captured": entry.captured,
                               "recorded_sha256": entry.sha256, "note": entry.note or ""}
        source = files.path_for(entry.sha256)
        if files.digest(entry.sha256) is None or not source.is_file():
            row.update(sha256=None, size=None, state="missing_file")
        else:
            data = source.read_bytes()
            actual = _sha(data)
            row.update(sha256=actual, size=len(data),
                       state="ok" if actual == entry.sha256 else "changed")
            blobs.append((path, data))
        evidence_rows.append(row)
    letter_path = f"letter-{letter.rung.key}.{letter.lang}.txt"
    blobs.insert(0, (letter_path, letter.text.encode("utf-8")))
    timeline = _timeline(case)
    blobs.append(("timeline.json", _json(timeline)))
    blobs.append(("case.json", _json(case_record(case, lang, now))))
    problems = [r(p) for p in verification.problems]
    context = {
        "t": {k: r(v) for k, v in LABELS.items() if k not in ("intact", "have")},
        "intact": r(LABELS["intact"].format(events=verification.events,
                                            files=verification.files)),
        "ok": verification.ok, "problems": problems, "ref": case.ref,
        "generated": stamp.strftime("%Y-%m-%d %H:%M"), "zone": case.zone,
        "summary": [(r(LABELS[k]), v) for k, v in (
            ("platform", case.platform), ("merchant", case.merchant or "-"),
            ("order", case.order_no), ("refund_no", case.refund_no or "-"),
            ("product", case.product), ("amount", format_money(case.amount, case.currency)),
            ("paid_at", local(case.paid_at, case)), ("reason", case.reason.label(lang)),
            ("stage", case.stage.label(lang)), ("zone", case.zone),
            ("province", r(province.label()) if province else "-"))],
        "province_notes": [r(n) for n in province_notes(province, now)],
        "letter_path": letter_path, "rung": r(rung(letter.rung.key).name),
        "evidence": evidence_rows,
        "checks": [{"what": r(c.need.what), "kind": c.need.kind.label(lang),
                    "have": r(LABELS["have"].format(n=c.have)), "missing": c.missing}
                   for c in checklist(case, letter.rung.key)],
        "events": [{**e, "at": e["at"][:16].replace("T", " "),
                    "kind_label": _event_label(e["kind"], lang),
                    "details": _details(e["data"])} for e in timeline["events"]],
        "head_hash": case.head_hash, "html_lang": "zh-CN" if lang == "zh" else "en",
    }
    for name in ("index.md", "index.html"):
        template = environment(name.endswith(".html")).get_template(f"dossier/{name}.j2")
        blobs.insert(0 if name == "index.md" else 1,
                     (name, template.render(context).encode("utf-8")))
    manifest = {
        "format": FORMAT, "ref": case.ref, "lang": lang, "rung": letter.rung.key,
        "generated_at": stamp.isoformat(), "zone": case.zone, "head_hash": case.head_hash,
        "province": province.name if province else None,
        "verification": {"ok": verification.ok, "events": verification.events,
                         "files": verification.files, "problems": problems,
                         "problems_en": [p.render("en") for p in verification.problems]},
        "files": [{"path": path, "sha256": _sha(data), "size": len(data)}
                  for path, data in blobs],
        "evidence": evidence_rows,
    }
    blobs.append(("manifest.json", _json(manifest)))
    return Dossier(_zip(blobs, stamp), manifest, verification)


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _zip(blobs: list[tuple[str, bytes]], stamp: datetime) -> bytes:
    buffer = io.BytesIO()
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, 0)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in blobs:
            info = zipfile.ZipInfo(path, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _event_label(kind: str, lang: Lang) -> str:
    from cases.vocabulary import EventKind

    return EventKind(kind).label(lang)


def _details(data: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in data.items() if v is not None)
