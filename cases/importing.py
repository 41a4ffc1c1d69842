"""Reading and writing case files: CSV (Excel: UTF-8 with BOM or GB18030) and JSON.

Import is all or nothing: every row is checked first, and a file with any bad row
imports nothing and reports each bad row with its line number and what to fix.

Columns (English or Chinese headers): ``platform/平台``, ``order/订单号``,
``product/商品``, ``amount/金额``, ``currency/币种`` (CNY), ``channel/支付方式``,
``reason/退款原因``, ``paid_at/付款时间``, and optional ``merchant/商家``, ``zone/时区``,
``note/备注``, ``usage/使用情况``, ``assignee/负责人``, ``submitted_at/提交时间``,
``refund_no/退款编号``, ``province/省份``. A ``record`` column (written by ``export --format
csv``) carries the whole case back, timeline and deadlines included.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from cases.i18n import InvalidInput, Text
from cases.model import Case
from cases.parsing import (
    parse_amount,
    parse_choice,
    parse_currency,
    parse_time,
    parse_zone,
    required,
)
from cases.records import FORMAT, case_record, restore
from cases.services import NewCase
from cases.vocabulary import Channel, Reason

if TYPE_CHECKING:
    from cases.provinces import ProvinceTable

COLUMNS = (
    "platform",
    "order",
    "product",
    "amount",
    "currency",
    "channel",
    "reason",
    "paid_at",
    "merchant",
    "zone",
    "note",
    "usage",
    "assignee",
    "submitted_at",
    "refund_no",
    "province",
)
ALIASES = {
    "平台": "platform",
    "订单号": "order",
    "订单": "order",
    "order_no": "order",
    "商品": "product",
    "金额": "amount",
    "币种": "currency",
    "支付方式": "channel",
    "渠道": "channel",
    "退款原因": "reason",
    "原因": "reason",
    "付款时间": "paid_at",
    "商家": "merchant",
    "时区": "zone",
    "备注": "note",
    "使用情况": "usage",
    "负责人": "assignee",
    "提交时间": "submitted_at",
    "退款编号": "refund_no",
    "省份": "province",
}


class Records(Sequence[Case]):
    """Checked export records, rebuilt as fresh cases each time they are read.

    The store maps :class:`Case` onto its tables when the first unit of work opens, which
    is after the file has been read. A case built before that has no ORM state, and the
    first attribute read inside the unit of work fails deep in SQLAlchemy
    (``'NoneType' object has no attribute 'supports_population'``). So a record is
    checked by rebuilding it once while the file is read, and the cases handed to
    ``restore_cases`` are built only when it iterates, inside its unit of work.
    """

    def __init__(self) -> None:
        self._raw: list[dict[str, Any]] = []

    def append(self, record: dict[str, Any]) -> None:
        self._raw.append(record)

    def __len__(self) -> int:
        return len(self._raw)

    def __getitem__(self, index: int) -> Case:  # type: ignore[override]
        return restore(self._raw[index])

    def __iter__(self) -> Iterator[Case]:
        return (restore(record) for record in self._raw)


@dataclass
class Parsed:
    """What a file holds: new cases to create, or full records to restore."""

    new: list[NewCase] = field(default_factory=list)
    records: Records = field(default_factory=Records)

    def __len__(self) -> int:
        return len(self.new) + len(self.records)


@dataclass(frozen=True)
class RowError:
    line: int
    message: Text
    unit: str = "line"  # "line" in a CSV file, "item" (its place in the list) in JSON


class ImportRejected(InvalidInput):
    def __init__(self, errors: list[RowError]) -> None:
        lines = [
            Text(
                "第 {line} 行：{msg}" if e.unit == "line" else "第 {line} 条：{msg}",
                e.unit + " {line}: {msg}",
                {"line": e.line, "msg": e.message},
            )
            for e in errors
        ]
        names = {f"l{i}": line for i, line in enumerate(lines)}
        body = "\n".join("{" + name + "}" for name in names)
        super().__init__(
            Text(
                "文件中有 {n} 行有误，未导入任何案件：\n" + body,
                "{n} bad rows; nothing was imported:\n" + body,
                {"n": len(errors), **names},
            )
        )
        self.errors = errors


def read_file(path: Path, default_zone: str, provinces: ProvinceTable | None = None) -> Parsed:
    """``provinces`` (loaded once, by the caller) checks each row's province as a row error;
    without it the province is checked only when the cases are built, for the whole file."""
    if not path.is_file():
        raise InvalidInput(
            Text("找不到文件 {path}", "no file at {path}; check the path", {"path": str(path)})
        )
    raw = path.read_bytes()
    if path.suffix.lower() == ".json" or raw.lstrip()[:1] in (b"[", b"{"):
        return _parse_json(raw, default_zone, provinces)
    return _parse_rows(_csv_rows(raw), default_zone, provinces=provinces)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        Text(
            "文件编码无法识别；请另存为 UTF-8 或 GB18030 编码的 CSV",
            "cannot decode the file; save it as CSV in UTF-8 or GB18030",
        )
    )


def _csv_rows(raw: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(_decode(raw), newline=""))
    if reader.fieldnames is None:
        return
    reader.fieldnames = [_column(name) for name in reader.fieldnames]
    for row in reader:
        if any((value or "").strip() for value in row.values() if isinstance(value, str)):
            yield reader.line_num, row


def _column(name: str) -> str:
    key = name.strip().lstrip("\ufeff")
    return ALIASES.get(key, key.lower())


def _parse_json(raw: bytes, default_zone: str, provinces: ProvinceTable | None) -> Parsed:
    try:
        data = json.loads(_decode(raw))
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            Text(
                "JSON 格式有误（第 {line} 行）：{msg}",
                "the JSON is malformed (line {line}): {msg}",
                {"line": exc.lineno, "msg": exc.msg},
            )
        ) from None
    items = data.get("cases", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidInput(
            Text("JSON 应为案件列表", 'the JSON must be a list of cases (or {"cases": [...]})')
        )
    rows = (
        (i + 1, _json_row(item) if isinstance(item, dict) else item) for i, item in enumerate(items)
    )
    return _parse_rows(rows, default_zone, unit="item", provinces=provinces)


def _json_row(item: dict[str, Any]) -> dict[str, Any]:
    """Chinese keys work in JSON as in CSV headers; a full record keeps its own keys."""
    if item.get("format") == FORMAT:
        return item
    return {_column(str(key)): value for key, value in item.items()}


def _parse_rows(rows: Iterable[tuple[int, Any]], default_zone: str, unit: str = "line",
                provinces: ProvinceTable | None = None) -> Parsed:
    parsed = Parsed()
    errors: list[RowError] = []
    seen: set[str] = set()
    for line, row in rows:
        try:
            if not isinstance(row, dict):
                raise InvalidInput(Text("应为一个对象", "each case must be an object"))
            if row.get("record"):
                record = json.loads(row["record"])
            elif row.get("format") == FORMAT:
                record = row
            else:
                parsed.new.append(parse_new(row, default_zone, provinces))
                continue
            if not isinstance(record, dict):
                raise InvalidInput(
                    Text("record 列应为一个对象", "the record column must be an object")
                )
            case = restore(record)  # checks it; the case itself is rebuilt later (see Records)
            if case.ref in seen:
                raise InvalidInput(
                    Text("{ref} 在文件中重复", "{ref} appears twice in the file", {"ref": case.ref})
                )
            seen.add(case.ref)
            parsed.records.append(record)
        except InvalidInput as exc:
            errors.append(RowError(line, exc.text, unit))
        except json.JSONDecodeError:
            errors.append(
                RowError(
                    line, Text("record 列不是有效 JSON", "the record column is not JSON"), unit
                )
            )
    if errors:
        raise ImportRejected(errors)
    return parsed


def parse_new(row: dict[str, Any], default_zone: str,
              provinces: ProvinceTable | None = None) -> NewCase:
    """One row of a spreadsheet as a new case (``case add``'s options as columns); with
    ``provinces``, its province is checked and named as the table names it."""

    def get(key: str) -> str | None:
        value = row.get(key)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    zone_name = get("zone") or default_zone
    zone: ZoneInfo = parse_zone(zone_name)
    paid_at, _ = parse_time(required(get("paid_at"), "paid_at"), zone)
    submitted = get("submitted_at")
    return NewCase(
        platform=required(get("platform"), "platform"),
        order_no=required(get("order"), "order"),
        product=required(get("product"), "product"),
        amount=parse_amount(required(get("amount"), "amount")),
        currency=parse_currency(get("currency") or "CNY"),
        channel=Channel(parse_choice(Channel, required(get("channel"), "channel"), "channel")),
        reason=Reason(parse_choice(Reason, required(get("reason"), "reason"), "reason")),
        paid_at=paid_at,
        zone=zone_name,
        merchant=get("merchant"),
        note=get("note"),
        usage=get("usage"),
        assignee=get("assignee"),
        submitted_at=None if submitted is None else parse_time(submitted, zone)[0],
        refund_no=get("refund_no"),
        province=_province(get("province"), provinces),  # last: a row's other errors first
    )


def _province(name: str | None, provinces: ProvinceTable | None) -> str | None:
    """The table's own name for a row's province (江苏省 → 江苏); an unknown one is refused."""
    return name if name is None or provinces is None else provinces.find(name).name


def export_json(cases: Iterable[Case], exported_at: str) -> str:
    body = {
        "format": "refundflow.export/1",
        "exported_at": exported_at,
        "cases": [case_record(case) for case in cases],
    }
    return json.dumps(body, ensure_ascii=False, indent=1)


def export_csv(cases: Iterable[Case]) -> str:
    """One row per case: readable columns first, then ``record`` with the whole case."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["ref", "stage", *COLUMNS, "record"]
    writer.writerow(header)
    for case in cases:
        record = case_record(case)
        first = next((e for e in record["events"] if e["kind"] == "submitted"), None)
        values = {
            **record,
            "submitted_at": first["at"] if first else None,
            "record": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
        }
        writer.writerow(["" if values.get(col) is None else values[col] for col in header])
    return "\ufeff" + out.getvalue()  # BOM: Excel then reads the Chinese correctly
