"""Words of the terminal UI in Chinese and English, and switching them at run time.

Domain sentences (errors, labels of stages and events) come from ``cases/``; this module
holds only what the screens themselves say: headings, key descriptions, hints.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cases.i18n import Lang, Text

UI: dict[str, Text] = {
    "title": Text("refundflow 退款维权", "refundflow"),
    "loading": Text("正在读取案件…", "reading the cases…"),
    "counted": Text("共 {total} 个案件", "{total} cases"),
    "counted.one": Text("共 1 个案件", "1 case"),
    "matching": Text("{shown} / {total} 个案件", "{shown} of {total} cases"),
    "indexing": Text("（正在建立索引，筛选稍后可用）", "(indexing; filters follow shortly)"),
    "provisional": Text(
        "* 暂定：该年度尚无官方节假日安排", "* provisional: no official holiday notice yet"
    ),
    "search": Text("搜索订单号、商品、商家…（/）", "search order, product, merchant… (/)"),
    "filter.stage": Text("阶段：{v}", "stage: {v}"),
    "filter.platform": Text("平台：{v}", "platform: {v}"),
    "filter.assignee": Text("负责人：{v}", "assignee: {v}"),
    "filter.overdue": Text("仅逾期", "overdue only"),
    "filter.none": Text("全部案件 · f 筛选 · o 仅逾期", "all cases · f filter · o overdue only"),
    "unassigned": Text("（未分配）", "(unassigned)"),
    "any": Text("全部", "any"),
    "empty.title": Text("还没有案件", "No cases yet"),
    "empty.body": Text(
        "从这里开始：\n\n"
        "  n  新建案件：平台、订单号、商品、金额、付款时间\n"
        "  i  导入 CSV 或 JSON 文件（与 refundflow import 相同的列，见 docs/configuration.md）\n\n"
        "命令行也可以：refundflow case add … 或 refundflow import 文件.csv\n"
        "?  查看全部按键 · Ctrl+P 命令面板",
        "Start here:\n\n"
        "  n  new case: platform, order number, product, amount, when you paid\n"
        "  i  import a CSV or JSON file (the columns of `refundflow import`, see "
        "docs/configuration.md)\n\n"
        "From a shell: refundflow case add … or refundflow import FILE.csv\n"
        "?  all keys · Ctrl+P command palette",
    ),
    "nomatch": Text("没有符合条件的案件；按 x 清除筛选", "No case matches; x clears the filters"),
    "service.none": Text("后台服务：未运行", "service: not running"),
    "service.unknown": Text("后台服务：…", "service: …"),
    "service.running": Text("后台服务：运行中", "service: running"),
    "service.degraded": Text("后台服务：部分异常", "service: degraded"),
    "service.stale": Text("后台服务：无响应", "service: not responding"),
    "db.error": Text("数据库暂不可用：{err}", "database unavailable: {err}"),
    "changed": Text("已更新", "updated"),
    "saved.case": Text("已新建 {ref}", "created {ref}"),
    "saved.event": Text("{ref}：已记录“{what}”", "{ref}: recorded {what}"),
    "saved.evidence": Text("{ref}：已添加证据 {name}", "{ref}: evidence {name} added"),
    "saved.import": Text("已导入 {n} 个案件", "imported {n} cases"),
    "saved.dossier": Text("{ref}：证据材料包已写入 {path}（证据 {n} 份）",
                          "{ref}: dossier written to {path} ({n} evidence files)"),
    "dossier.broken": Text(
        "警告：{ref} 的完整性检查未通过，材料包首页已注明；请先核实再提交。",
        "warning: {ref} failed the integrity check; the dossier says so on its first page. "
        "Check it before you hand it over.",
    ),
    "saved.province": Text("{ref}：所在省份已设为 {name}", "{ref}: province set to {name}"),
    "saved.province.cleared": Text("{ref}：已清除所在省份", "{ref}: province cleared"),
    "saved.assignee": Text("{ref}：现由 {name} 负责", "{ref}: now handled by {name}"),
    "saved.assignee.cleared": Text("{ref}：已清除负责人", "{ref}: nobody handles it now"),
    "lang.switched": Text("界面语言：中文", "language: English"),
    "nocase": Text("请先选中一个案件", "select a case first"),
    # case page
    "case.facts": Text("案件", "Case"),
    "case.checklist": Text("证据核对（{rung}）", "Evidence checklist ({rung})"),
    "case.next": Text("下一步", "Next step"),
    "case.next.send": Text("发送：{send}", "Send: {send}"),
    "case.next.due": Text("答复期限：{due}", "Answer by: {due}"),
    "case.next.letter": Text("按 l 查看要发送的信函，d 生成证据材料包，p 设置所在省份，"
                             "w 更换负责人",
                             "Press l for the letter to send, d for the evidence dossier, "
                             "p to set your province, w to hand the case to someone"),
    "case.have": Text("已有 {n} 份", "{n} on file"),
    "case.missing": Text("缺少", "missing"),
    "case.loading": Text("正在读取 {ref}…", "reading {ref}…"),
    # outbox
    "outbox.title": Text("发件箱", "Outbox"),
    "outbox.empty": Text(
        "发件箱是空的：还没有需要发送的提醒或通知。",
        "The outbox is empty: no reminder or notice has been queued yet.",
    ),
    "outbox.head": Text(
        "编号|状态|类型|案件|尝试|时间|错误", "Id|Status|Kind|Case|Tries|When|Error"
    ),
    # service dialog
    "service.title": Text("后台服务", "Background service"),
    "service.missing": Text(
        "此版本尚未包含后台服务（flows.control）。提醒邮件会保存在发件箱中。",
        "This build has no background service yet (flows.control). Mail waits in the outbox.",
    ),
    "service.start": Text("启动", "Start"),
    "service.starting": Text("正在启动后台服务…", "starting the background service…"),
    "close": Text("关闭", "Close"),
    # forms
    "form.save": Text("保存 Ctrl+S", "Save Ctrl+S"),
    "form.cancel": Text("取消 Esc", "Cancel Esc"),
    "form.zone": Text(
        "未写时区的时间按 {zone} 理解。", "Times without an offset are read as {zone} time."
    ),
    "form.saving": Text("正在保存…", "saving…"),
    "form.fix": Text("请先改正标红的字段", "fix the fields marked in red first"),
    "form.optional": Text("可选", "optional"),
    "form.time_example": Text(
        "2026-09-30 10:00 或 昨天 18:00", "2026-09-30 10:00 or yesterday 18:00"
    ),
    "new.title": Text("新建案件", "New case"),
    "event.title": Text("{ref}：记录发生了什么", "{ref}: record what happened"),
    "evidence.title": Text("{ref}：添加证据文件", "{ref}: attach evidence"),
    "import.title": Text("导入案件", "Import cases"),
    "filters.title": Text("筛选", "Filters"),
    "letter.title": Text("{ref}：{rung} 信函", "{ref}: letter for {rung}"),
    "dossier.title": Text("{ref}：生成证据材料包", "{ref}: evidence dossier"),
    "dossier.hint": Text(
        "一个 zip：信函、按顺序排列的证据及其哈希、时间线和索引，与 refundflow dossier 相同。",
        "One zip with the letter, the evidence in order with its hashes, the timeline and an "
        "index, as `refundflow dossier` writes it.",
    ),
    "province.title": Text("{ref}：所在省份", "{ref}: your province"),
    "assignee.title": Text("{ref}：负责人", "{ref}: who handles it"),
    "assignee.hint": Text("写上接手的人；清空表示暂无负责人。更换会记入时间线。",
                          "Type who takes the case over; empty means nobody. The change goes "
                          "on the timeline."),
    "province.hint": Text(
        "报案的诈骗罪立案标准和小额诉讼上限因省而异。可写 广东、广东省、Guangdong 或 粤；"
        "留空即清除。",
        "The police fraud threshold and the small-claims cap differ by province. Type 广东, "
        "广东省, Guangdong or 粤; leave it empty to clear it.",
    ),
    "help.title": Text("按键", "Keys"),
    "help.palette": Text(
        "Ctrl+P 打开命令面板：输入“案件”“视图”“筛选”可找到全部操作。",
        "Ctrl+P opens the command palette: type case, view, filter… to reach every action.",
    ),
    "field.platform": Text("平台", "Platform"),
    "field.order": Text("订单号", "Order number"),
    "field.product": Text("商品", "Product"),
    "field.amount": Text("金额", "Amount"),
    "field.currency": Text("币种", "Currency"),
    "field.channel": Text("支付方式", "Paid with"),
    "field.reason": Text("退款原因", "Reason"),
    "field.paid_at": Text("付款时间", "Paid at"),
    "field.merchant": Text("商家", "Merchant"),
    "field.assignee": Text("负责人", "Assignee"),
    "field.note": Text("备注", "Note"),
    "field.usage": Text("已使用", "Used so far"),
    "field.event": Text("发生了什么", "What happened"),
    "field.at": Text("发生时间", "When it happened"),
    "field.received": Text("到账金额", "Amount received"),
    "field.refund_no": Text("退款编号", "Refund number"),
    "field.ticket": Text("工单号", "Ticket number"),
    "field.rung": Text("升级到", "Escalate to"),
    "field.path": Text("文件路径", "File path"),
    "field.kind": Text("证据类别", "Kind of evidence"),
    "field.captured_at": Text("取证时间", "Captured at"),
    "field.stage": Text("阶段", "Stage"),
    "field.overdue": Text("仅显示已逾期", "Only overdue"),
    "field.file": Text("CSV 或 JSON 文件", "CSV or JSON file"),
    "field.save_to": Text("保存到", "Save to"),
    "field.province": Text("所在省份", "Your province"),
    "field.dossier_lang": Text("材料包语言", "Language"),
    "path.missing": Text("找不到文件 {path}", "no file at {path}"),
    "path.folder": Text("{path} 是文件夹，请选择一个文件", "{path} is a folder; choose a file"),
    "choose": Text("请选择", "choose one"),
}


def t(key: str, lang: Lang, **params: Any) -> str:
    """The UI sentence ``key`` in ``lang`` with its placeholders filled."""
    return UI[key].format(**params).render(lang)


KEYS: dict[str, Text] = {
    # app
    "app.quit": Text("退出", "Quit"),
    "app.help": Text("按键", "Keys"),
    "app.palette": Text("命令", "Commands"),
    "app.lang": Text("English", "中文"),
    # caseload
    "caseload.open": Text("打开", "Open"),
    "caseload.new": Text("新建", "New"),
    "caseload.event": Text("记录", "Record"),
    "caseload.evidence": Text("证据", "Evidence"),
    "caseload.search": Text("搜索", "Search"),
    "caseload.filters": Text("筛选", "Filter"),
    "caseload.overdue": Text("逾期", "Overdue"),
    "caseload.clear": Text("清除筛选", "Clear filters"),
    "caseload.import": Text("导入", "Import"),
    "caseload.outbox": Text("发件箱", "Outbox"),
    "caseload.service": Text("服务", "Service"),
    "search.done": Text("回到列表", "Back to list"),
    "search.clear": Text("清空搜索", "Clear search"),
    # table
    "table.up": Text("上一条", "Up"),
    "table.down": Text("下一条", "Down"),
    "table.page_up": Text("上一页", "Page up"),
    "table.page_down": Text("下一页", "Page down"),
    "table.first": Text("第一条", "First"),
    "table.last": Text("最后一条", "Last"),
    # case page
    "case.back": Text("返回", "Back"),
    "case.event": Text("记录", "Record"),
    "case.evidence": Text("证据", "Evidence"),
    "case.letter": Text("信函", "Letter"),
    "case.dossier": Text("材料包", "Dossier"),
    "case.province": Text("省份", "Province"),
    "case.assignee": Text("负责人", "Assignee"),
    # dialogs
    "dialog.close": Text("关闭", "Close"),
    "dialog.save": Text("保存", "Save"),
    "dialog.cancel": Text("取消", "Cancel"),
    "service.start": Text("启动服务", "Start service"),
    "outbox.back": Text("返回", "Back"),
}
"""Footer and help descriptions, keyed by binding id: every Binding has an id."""


def localize_bindings(node: Any, lang: Lang) -> None:
    """Give ``node``'s bindings their descriptions in ``lang`` (looked up by binding id).

    Textual copies a class's bindings per instance; the lists are replaced, never mutated,
    so other instances keep theirs.
    """
    table = node._bindings.key_to_bindings
    for key, bindings in list(table.items()):
        table[key] = [
            replace(b, description=KEYS[b.id].render(lang)) if b.id in KEYS else b
            for b in bindings
        ]
