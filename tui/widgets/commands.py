"""The command palette (Ctrl+P): every action of the current screen, named by area.

Names start with their area ("case: …", "view: …", "filter: …", "app: …"; in Chinese
"案件：…", "视图：…", "筛选：…", "应用：…") and end with the key that does the same.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from cases.i18n import Text
from cases.vocabulary import Stage

AREAS = {
    "case": Text("案件", "case"),
    "view": Text("视图", "view"),
    "filter": Text("筛选", "filter"),
    "app": Text("应用", "app"),
}

WORDS = {
    "new": (Text("新建案件", "new case"), "n"),
    "import": (Text("导入 CSV/JSON 文件", "import a CSV or JSON file"), "i"),
    "open": (Text("打开选中的案件", "open the selected case"), "enter"),
    "event": (Text("记录发生了什么（提交、补充、同意、到账…）",
                   "record what happened (submitted, approved, arrived…)"), "e"),
    "evidence": (Text("添加证据文件", "attach an evidence file"), "a"),
    "letter": (Text("查看下一步要发送的信函", "show the letter for the next step"), "l"),
    "dossier": (Text("生成证据材料包（zip）", "write the evidence dossier (zip)"), "d"),
    "province": (Text("设置所在省份（报案门槛、小额诉讼上限）",
                      "set your province (police threshold, small-claims cap)"), "p"),
    "hand_over": (Text("更换负责人（团队）", "hand the case to someone (teams)"), "w"),
    "caseload": (Text("返回案件列表", "back to the caseload"), "esc"),
    "outbox": (Text("发件箱（已发送、排队、失败的邮件）",
                    "outbox (mail sent, queued, failed)"), "m"),
    "service": (Text("后台服务状态", "background service health"), "s"),
    "search": (Text("搜索订单号、商品、商家", "search order, product, merchant"), "/"),
    "filters": (Text("选择筛选条件", "choose filters"), "f"),
    "overdue": (Text("仅显示已逾期（开/关）", "overdue only (on/off)"), "o"),
    "clear": (Text("清除全部筛选", "clear all filters"), "x"),
    "stage": (Text("阶段 = {v}", "stage = {v}"), ""),
    "platform": (Text("平台 = {v}", "platform = {v}"), ""),
    "assignee": (Text("负责人 = {v}", "assignee = {v}"), ""),
    "lang": (Text("切换到 English", "switch to 中文 (Chinese)"), "L"),
    "help": (Text("查看全部按键", "show all keys"), "?"),
    "quit": (Text("退出", "quit"), "q"),
}


class RefundflowCommands(Provider):
    """Commands for the screen the palette was opened on."""

    def commands(self) -> list[tuple[str, Callable[[], Any]]]:
        from tui.screens.base import BaseScreen
        from tui.screens.case import CaseScreen
        from tui.screens.caseload import CaseloadScreen

        app: Any = self.app
        screen: Any = self.screen
        lang = app.lang
        found: list[tuple[str, Callable[[], Any]]] = []

        def add(area: str, word: str, run: Callable[[], Any], **params: Any) -> None:
            text, key = WORDS[word]
            name = AREAS[area].render(lang) + ("：" if lang == "zh" else ": ")
            name += text.format(**params).render(lang)
            found.append((name + (f"  ({key})" if key else ""), run))

        if not isinstance(screen, BaseScreen):
            return found
        add("case", "new", screen.action_new_case)
        if isinstance(screen, CaseloadScreen) and screen.selected_ref:
            add("case", "open", screen.table.action_choose)
        if screen.selected_ref:
            add("case", "event", screen.action_record_event)
            add("case", "evidence", screen.action_attach_evidence)
        if isinstance(screen, CaseScreen):
            add("case", "letter", screen.action_letter)
            add("case", "dossier", screen.action_dossier)
            add("case", "province", screen.action_province)
            add("case", "hand_over", screen.action_assignee)
        add("case", "import", screen.action_import_file)
        if not isinstance(screen, CaseloadScreen):
            add("view", "caseload", screen.action_back)
        add("view", "outbox", screen.action_outbox)
        add("view", "service", screen.action_service)
        if isinstance(screen, CaseloadScreen):
            add("view", "search", screen.action_search)
            add("filter", "filters", screen.action_filters)
            add("filter", "overdue", screen.action_toggle_overdue)
            add("filter", "clear", screen.action_clear_filters)
            for stage in Stage:
                add("filter", "stage", partial(screen.filter_by, "stage", stage),
                    v=stage.label(lang))
            if screen.index is not None:
                for platform in screen.index.platforms:
                    add("filter", "platform", partial(screen.filter_by, "platform", platform),
                        v=platform)
                for who in screen.index.assignees:
                    if who:
                        add("filter", "assignee", partial(screen.filter_by, "assignee", who),
                            v=who)
        add("app", "lang", app.action_switch_lang)
        add("app", "help", app.action_help)
        add("app", "quit", app.action_quit)
        return found

    async def discover(self) -> Hits:
        for name, run in self.commands():
            yield DiscoveryHit(name, run)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run)
