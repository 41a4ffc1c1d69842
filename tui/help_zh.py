"""``refundflow --help`` in Chinese: the help texts of every command and option, and click's
own words around them.

The English texts stay where they are (docstrings and ``help=`` in the command modules) and
are the source of truth; this table holds their Chinese translations, keyed by path:

- a command or group by its command path without ``refundflow``: ``"case add"``, ``"case"``;
  the root group is ``""``;
- an option by its command's path and its long name: ``"case add --platform"``,
  ``"export --output"`` (for ``-o/--output``), ``"--version"`` (an option of the root);
- an argument (should one get a ``help=``) by its command's path and its name in capitals:
  ``"case show REF"``.

:data:`HELP` translates a command's ``help`` and an option's ``help``; :data:`SHORT` is the
line a command gets in its group's list of commands. Option names, command names, values
such as ``alipay|wechat``, placeholders such as ``KEY=DURATION`` and examples are kept as
typed. ``tests/e2e/test_help_zh.py`` checks that every command and option with English help
has an entry here, and that no entry names something that no longer exists.

:func:`localize` puts the table into a click command tree. ``tui.cli.main`` calls it only
when a Chinese user asks for help, so ordinary commands never import this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

import click
from rich.cells import cell_len

HELP: dict[str, str] = {
    # refundflow
    "": "refundflow：跟踪退款维权案件及其期限和证据。\n\n不带命令时显示案件列表。",
    "--version": "显示版本并退出。",
    # case
    "case": "记录维权案件及其后续进展。",
    "case add": "新建一个维权案件（初始为草稿）。",
    "case add --platform": "平台，例如 115卡盟。",
    "case add --order": "平台上的订单号。",
    "case add --product": "购买的商品。",
    "case add --amount": "实付金额，例如 128.00。",
    "case add --channel": "alipay|wechat|bank_card|credit_card|other",
    "case add --reason": (
        "not_activated|not_as_described|duplicate_payment|platform_fault|platform_gone|"
        "false_promise|mistaken_purchase|partly_used|other"
    ),
    "case add --paid-at": (
        "付款时间，例如 2026-09-30T10:00+08:00、“2026年9月30日 10:00”或“昨天 18:00”。"
    ),
    "case add --merchant": "平台内的商家店铺（如有）。",
    "case add --zone": "平台所在的时区（默认取 REFUNDFLOW_TZ，未设置时为 Asia/Shanghai）。",
    "case add --usage": "已经使用了多少，例如 '10/30 days' 或 '1/5 benefits'。",
    "case add --assignee": "案件负责人（团队使用）。",
    "case add --province": "所在省份，例如 江苏 或 Jiangsu（可写的名称见 refundflow provinces）。",
    "case add --rule": "修改一条期限规则：KEY=DURATION。",
    "case add --force": "即使该订单已有进行中的退款申请，也照样新建。",
    "case add --json": "以 JSON 格式输出新建的案件。",
    "case list": "案件列表，最紧急的排在最前。",
    "case list --stage": "只显示处于该阶段的案件。",
    "case list --overdue": "只显示有期限已经逾期的案件。",
    "case show": "查看一个案件：基本信息、各项期限及其规则、时间线、证据。",
    "case event": "记录案件中发生了什么、在什么时间。",
    "case event --at": (
        "发生时间（默认：现在），例如“2026-09-30 18:00”或“昨天下午6点”。"
        "未写时区时按案件的时区理解。"
    ),
    "case event --amount": "到账金额（用于 arrived）。",
    "case event --refund-no": "平台给出的退款编号。",
    "case event --ticket": "客服对话的工单号。",
    "case event --rung": "升级到维权阶梯的哪一级（默认：下一级）。",
    "case event --force": "即使已有另一个进行中的退款申请，也照样提交。",
    "case verify": "检查时间线的哈希链和每一个证据文件；如有任何改动，退出码为 6。",
    "case rule": '为该案件修改一条期限规则，例如 `review "5 working days"`。',
    "case set": "修改案件信息（所在省份、负责人）；每项修改都记入时间线。",
    "case set --province": '所在省份，例如 江苏 或 Jiangsu；"" 表示清除。',
    "case set --assignee": '从现在起由谁负责这个案件（团队使用）；"" 表示清除。',
    # evidence
    "evidence": "保存证据文件及其哈希。",
    "evidence add": "把 FILE 复制到证据库（永不修改），并记入时间线。",
    "evidence add --kind": "purchase|promise|problem|communication|usage|other",
    "evidence add --captured-at": "截图或记录的取证时间（默认：现在）。",
    # import, export, rules
    "import": (
        "从 CSV（UTF-8/BOM 或 GB18030）或 JSON 文件导入案件；要么全部导入，要么一行都不导入。"
    ),
    "import --force": "即使某个订单已有进行中的退款申请，也照样导入。",
    "export": (
        "导出全部案件及其期限、时间线和证据索引（ics：所有进行中的期限，可导入日历）。"
    ),
    "export --output": "输出文件（默认：标准输出）。",
    "rules": "现行的期限规则，以及每个数字的依据。",
    "rules --platform": "显示适用于该平台的规则。",
    # letter, ladder, dossier, provinces
    "letter": "在维权阶梯的某一级要发送的消息或信函：诉求、依据的规则、证据、金额、答复期限。",
    "letter --rung": "为维权阶梯的哪一级撰写（默认：当前该处理的那一级）。",
    "letter --lang": "信函的语言：zh（默认）或 en。",
    "letter --output": "写入此文件。",
    "letter --copy": "把信函复制到剪贴板。",
    "letter --usage": "已使用的量，用于按比例主张退款，例如 '10/30 days'。",
    "letter --province": (
        "用于确定报案门槛和小额诉讼上限的省份（默认：案件的所在省份，其次 REFUNDFLOW_PROVINCE）。"
    ),
    "ladder": (
        "案件的维权阶梯：各级日期、会被拒绝的陷阱、所需证据；或用 --merchant M 起草联合投诉。"
    ),
    "ladder --merchant": "为针对商家 M 的所有未结案件起草一份 12315 联合投诉。",
    "ladder --province": (
        "用于确定报案门槛和小额诉讼上限的省份（默认：案件的所在省份，其次 REFUNDFLOW_PROVINCE）。"
    ),
    "ladder --lang": "联合投诉的语言：zh（默认）或 en。",
    "ladder --output": "把投诉写入此文件。",
    "dossier": (
        "交给 12315 或律师的一个 zip：信函、按顺序排列的证据及其哈希、时间线和索引。"
    ),
    "dossier --output": "要写入的 zip 文件。",
    "dossier --rung": "包内信函对应维权阶梯的哪一级（默认：当前该处理的那一级）。",
    "dossier --lang": "信函和索引的语言：zh（默认）或 en。",
    "dossier --usage": "已使用的量，用于按比例主张退款，例如 '10/30 days'。",
    "dossier --province": (
        "用于确定报案门槛和小额诉讼上限的省份（默认：案件的所在省份，其次 REFUNDFLOW_PROVINCE）。"
    ),
    "provinces": "全部省份（--province 可用的名称）及已知的各省数据。",
    # notify, outbox, calendar
    "notify": "设置并测试提醒邮件。",
    "notify test": "发送一封测试邮件，并指出具体是哪一步失败（DNS、连接、TLS、登录）。",
    "notify login": "把 SMTP 密码存入系统钥匙串（绝不写入文件）。",
    "notify login --user": "登录名（默认：REFUNDFLOW_SMTP_USER）。",
    "notify login --password-stdin": "从标准输入读取密码。",
    "outbox": "发件箱：排队中、已发送、待设置邮箱或发送失败的邮件。",
    "outbox list": "发件箱，最新的在前：发了什么、什么还在等待以及原因。",
    "outbox list --status": "只显示处于该状态的邮件。",
    "outbox send": "立即发送现在到期的邮件（后台服务每 15 秒自动执行一次）。",
    "outbox retry": "重新发送一封发送失败、待设置邮箱或已取消的邮件（由后台服务发送）。",
    "calendar": "把所有进行中的期限导出为 .ics 日历（与 `export --format ics` 相同）。",
    "calendar --output": "输出文件（默认：标准输出）。",
    # service, doctor
    "service": "后台服务：期限一到数秒内处理、运行案件流程、发送提醒。",
    "service start": "在后台启动服务（每个数据目录只有一个）。",
    "service start --wait": "等到每个部分都已启动（本地 Prefect 服务器需要 10-20 秒）。",
    "service start --timeout": "使用 --wait 时最多等待的秒数。",
    "service stop": "停止后台服务及其启动的所有进程。",
    "service stop --timeout": "强制结束之前等待的秒数。",
    "service status": "后台服务是否在运行、Prefect API 在哪里、各部分状态如何。",
    "service run": "在前台运行服务（即 `start` 在后台运行的内容）。",
    "doctor": "检查数据目录、数据库、后台服务、Prefect API 和节假日数据。",
    "case add --currency": "金额的币种。",
    "case add --note": "附在案件上的备注。",
    "case event --note": "附在这条事件上的备注。",
    "evidence add --note": "附在该证据文件上的备注。",
    "export --format": (
        "json 保留全部内容（可再导入）；csv 可用 Excel 打开；ics 是进行中期限的日历。"
    ),
    "outbox list --limit": "最多显示这么多封邮件。",
    **{
        f"{command} --json": "输出 JSON 而不是文字（供脚本使用）。"
        for command in (
            "case list", "case show", "case event", "case verify", "case rule", "case set",
            "evidence add", "import", "rules", "ladder", "provinces", "notify test",
            "outbox list", "outbox send", "outbox retry", "service status", "doctor",
        )
    },
}
"""Chinese help of every command and of every option (or argument) that has English help."""

SHORT: dict[str, str] = {
    "case": "记录维权案件及其后续进展。",
    "case add": "新建一个维权案件（初始为草稿）。",
    "case list": "案件列表，最紧急的排在最前。",
    "case show": "查看一个案件：期限、时间线、证据。",
    "case event": "记录案件中发生了什么、在什么时间。",
    "case verify": "检查时间线的哈希链和每一个证据文件。",
    "case rule": "为该案件修改一条期限规则。",
    "case set": "修改案件信息（所在省份、负责人）。",
    "evidence": "保存证据文件及其哈希。",
    "evidence add": "把文件复制到证据库并记入时间线。",
    "import": "从 CSV 或 JSON 文件导入案件（全部或全不）。",
    "export": "导出全部案件及其期限、时间线和证据索引。",
    "rules": "现行的期限规则，以及每个数字的依据。",
    "letter": "在维权阶梯的某一级要发送的消息或信函。",
    "ladder": "案件的维权阶梯；或起草 12315 联合投诉。",
    "dossier": "生成交给 12315 或律师的证据材料包（zip）。",
    "provinces": "全部省份及已知的各省数据。",
    "notify": "设置并测试提醒邮件。",
    "notify test": "发送一封测试邮件，指出哪一步失败。",
    "notify login": "把 SMTP 密码存入系统钥匙串。",
    "outbox": "发件箱：排队中、已发送、待设置邮箱或失败的邮件。",
    "outbox list": "发件箱，最新的在前。",
    "outbox send": "立即发送现在到期的邮件。",
    "outbox retry": "重新发送失败、待设置邮箱或已取消的邮件。",
    "calendar": "把所有进行中的期限导出为 .ics 日历。",
    "service": "后台服务：处理到期期限、运行案件流程、发送提醒。",
    "service start": "在后台启动服务。",
    "service stop": "停止后台服务及其启动的所有进程。",
    "service status": "后台服务是否在运行、各部分状态如何。",
    "service run": "在前台运行服务。",
    "doctor": "检查数据目录、数据库、后台服务和节假日数据。",
}
"""The line of each command (not the root) in its group's list of commands."""

# click's own words, put into Chinese through its public attributes and a HelpFormatter.
HELP_OPTION = "显示此帮助信息并退出。"
USAGE = "用法："
HEADINGS = {"Options": "选项", "Commands": "命令", "Positional arguments": "参数"}
OPTIONS_METAVAR = {"[OPTIONS]": "[选项]"}
SUBCOMMAND_METAVAR = {
    "COMMAND [ARGS]...": "命令 [参数]...",
    "[COMMAND] [ARGS]...": "[命令] [参数]...",
}
_EXTRA = re.compile(r"^(?P<help>.*?)\s*\[(?P<items>[^\[\]]*)\]$", re.S)


def walk(group: click.Group, path: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every command of the tree with its path: ``("", root)``, ``("case", …)``, …"""
    yield path, group
    for name, command in group.commands.items():
        sub = f"{path} {name}".strip()
        if isinstance(command, click.Group):
            yield from walk(command, sub)
        else:
            yield sub, command


def param_key(path: str, param: click.Parameter) -> str:
    """``"case add --platform"``: the command's path and the option's long name."""
    if isinstance(param, click.Option):
        names = [o for o in param.opts if o.startswith("--")] or param.opts
        name = names[0]
    else:
        name = (param.name or "").upper()
    return f"{path} {name}".strip()


def localize(cli: click.Group) -> None:
    """Put the Chinese help into the command tree ``cli`` (in place; calling it twice is fine).

    A text without a translation stays English; the tests keep the table complete.
    """
    _localize(cli, "", ["--help"])


def _localize(command: click.Command, path: str, help_names: list[str]) -> None:
    help_names = list(command.context_settings.get("help_option_names", help_names))
    if path in HELP:
        command.help = HELP[path]
    if path in SHORT:
        command.short_help = SHORT[path]
    for param in command.params:
        key = param_key(path, param)
        if key in HELP and getattr(param, "help", None):
            param.help = HELP[key]
    if command.options_metavar in OPTIONS_METAVAR:
        command.options_metavar = OPTIONS_METAVAR[command.options_metavar]
    if isinstance(command, click.Group) and command.subcommand_metavar in SUBCOMMAND_METAVAR:
        command.subcommand_metavar = SUBCOMMAND_METAVAR[command.subcommand_metavar]
    if command.add_help_option:
        # click's own help option says "Show this message and exit."; ours says it in Chinese.
        taken = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        free = [name for name in help_names if name not in taken]
        if free:
            click.help_option(*free, help=HELP_OPTION)(command)
            command.add_help_option = False
    command.context_class = ZhContext
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            _localize(sub, f"{path} {name}".strip(), help_names)


cells = cell_len
"""Terminal columns of a text: Chinese characters take two (rich's measure, as the tables use)."""


_CLOSING = set("，。；：、！？）」』”’》〉】…,.;:!?)]}%")
_OPENING = set("（「『“‘《〈【([{")


def _units(text: str) -> list[tuple[bool, str]]:
    """Pieces a line may break between, each with "a space came before it".

    A Chinese character is a piece of its own; a run of other characters (a word, an
    option name, a date) is one piece. Closing punctuation sticks to what precedes it and
    opening punctuation to what follows, so neither starts or ends a line alone.
    """
    units: list[tuple[bool, str]] = []
    space = False
    glue_next = False
    for token in re.findall(r"\s+|[^\s]", text):
        if token.isspace():
            space, glue_next = True, False
            continue
        wide = unicodedata.east_asian_width(token) in "WF"
        joins_word = (
            units and not space and not wide
            and unicodedata.east_asian_width(units[-1][1][-1]) not in "WF"
            and not units[-1][1].endswith("|")  # a list of values breaks after a "|"
        )
        if units and not space and (glue_next or token in _CLOSING or joins_word):
            units[-1] = (units[-1][0], units[-1][1] + token)
        else:
            units.append((space, token))
        glue_next = token in _OPENING
        space = False
    return units


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """``text`` in lines of at most ``width`` columns (a word longer than a line is cut),
    the first starting with ``first`` and the others with ``rest``."""
    lines: list[str] = []
    line, used = first, cells(first)
    empty = True
    for space, unit in _fit(_units(text), max(width - cells(rest), 1)):
        gap = " " if space and not empty else ""
        need = cells(gap) + cells(unit)
        if not empty and used + need > width:
            lines.append(line)
            line, used, gap = rest, cells(rest), ""
            need = cells(unit)
        line += gap + unit
        used += need
        empty = False
    lines.append(line)
    return lines


def _fit(units: list[tuple[bool, str]], limit: int) -> Iterator[tuple[bool, str]]:
    """The pieces, each wider than a line cut into pieces that fit."""
    for space, unit in units:
        while cells(unit) > limit:
            cut, used = 0, 0
            while used + cells(unit[cut]) <= limit:
                used += cells(unit[cut])
                cut += 1
            cut = max(cut, 1)
            yield space, unit[:cut]
            space, unit = False, unit[cut:]
        yield space, unit


def _paragraphs(text: str) -> list[str]:
    """Paragraphs split at blank lines; the lines of one joined (without a space between
    Chinese characters)."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        joined = ""
        for line in block.splitlines():
            line = line.strip()
            if joined and line:
                wide = unicodedata.east_asian_width(joined[-1]) in "WF"
                joined += "" if wide and unicodedata.east_asian_width(line[0]) in "WF" else " "
            joined += line
        out.append(joined)
    return out


class ZhFormatter(click.HelpFormatter):
    """click's help layout with Chinese headings, measured in terminal columns."""

    section_name = ""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        head = f"{'':>{self.current_indent}}{USAGE if prefix is None else prefix}{prog}"
        if not args:
            self.write(head + "\n")
            return
        indent = " " * (cells(head) + 1)
        if self.width - cells(indent) < 20:
            indent = " " * (self.current_indent + 4)
            self.write(head + "\n")
            lines = wrap(args, self.width, indent, indent)
        else:
            lines = wrap(args, self.width, head + " ", indent)
        self.write("\n".join(lines) + "\n")

    def write_heading(self, heading: str) -> None:
        self.section_name = heading
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        blocks = ["\n".join(wrap(p, self.width, indent, indent)) for p in _paragraphs(text)]
        self.write("\n\n".join(blocks) + "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        if not rows:
            return
        first_col = min(max(cells(first) for first, _ in rows), col_max) + col_spacing
        pad = " " * (first_col + self.current_indent)
        width = max(self.width - 2 + self.current_indent, cells(pad) + 10)
        for first, second in rows:
            if second and cells(first) <= first_col - col_spacing:
                start = f"{'':>{self.current_indent}}{first}" + " " * (first_col - cells(first))
            else:  # a long term (--stage [draft|submitted|…]) gets lines of its own
                indent = " " * self.current_indent
                self.write("\n".join(wrap(first, width, indent, indent + "    ")) + "\n")
                if not second:
                    continue
                start = pad
            text, extra = _extras(second) if self.section_name == "Options" else (second, "")
            lines: list[str] = []
            for n, paragraph in enumerate(_paragraphs(text) if text else []):
                lines += wrap(paragraph, width, start if n == 0 else pad, pad)
            if extra:  # "[必填]" whole, after the help or on a line of its own
                if not lines:
                    lines = [start + extra]
                elif cells(lines[-1]) + 2 + cells(extra) <= width:
                    lines[-1] += "  " + extra
                else:
                    lines.append(pad + extra)
            self.write("\n".join(lines) + "\n")


def _extras(help_text: str) -> tuple[str, str]:
    """An option's help and click's ``[default: CNY]``/``[required]`` after it, in Chinese."""
    found = _EXTRA.match(help_text)
    if not found:
        return help_text, ""
    items, known = [], False
    for item in found["items"].split("; "):
        known = known or item == "required" or item.startswith(("default: ", "env var: "))
        if item == "required":
            items.append("必填")
        elif item.startswith("default: "):
            items.append("默认：" + item.removeprefix("default: "))
        elif item.startswith("env var: "):
            items.append("环境变量：" + item.removeprefix("env var: "))
        else:
            items.append(item)
    if not known:
        return help_text, ""
    return found["help"], f"[{'；'.join(items)}]"


# ------------------------------------------------------------------------ usage errors
_OPTION_USAGE = [
    (re.compile(r"Option '(?P<name>.+)' requires an argument\.$"), "选项 {name} 后面要写一个值。"),
    (
        re.compile(r"Option '(?P<name>.+)' requires (?P<n>\d+) arguments\.$"),
        "选项 {name} 后面要写 {n} 个值。",
    ),
    (
        re.compile(r"Option '(?P<name>.+)' does not take a value\.$"),
        "选项 {name} 不带值，只写选项本身。",
    ),
    (
        re.compile(r"Got unexpected extra arguments? \((?P<args>.*)\)$", re.S),
        "多余的参数：{args}。",
    ),
    (re.compile(r"Missing command\.$"), "缺少命令。"),
    (
        re.compile(r"Argument '(?P<name>.+)' takes (?P<n>\d+) values\.$"),
        "参数 {name} 要 {n} 个值。",
    ),
]
"""click's messages about how options and arguments are written, and their Chinese."""
_BAD_VALUE = [
    (
        re.compile(r"(?P<value>.*) is not one of (?P<choices>.*)\.$", re.S),
        "{value} 不是可选的值；可选：{choices}。",
    ),
    (
        re.compile(r"(?P<value>.*) is not (?P<choices>'[^']*')\.$", re.S),
        "{value} 不是可选的值；只能是 {choices}。",
    ),
    (re.compile(r"(?P<value>.*) is not a valid integer\.$", re.S), "{value} 不是整数。"),
]
"""click's messages about a value its type refuses (choices, numbers), and their Chinese."""


def usage_error(exc: click.UsageError) -> str:
    """What click prints for a command line it cannot parse, in Chinese: the usage line, how
    to get help, and the error. A message this table does not know keeps click's English
    after the Chinese frame, so nothing the user needs is lost."""
    ctx = exc.ctx
    lines: list[str] = []
    if ctx is not None:
        formatter = ZhFormatter()
        ctx.command.format_usage(ctx, formatter)
        lines.append(formatter.getvalue().rstrip("\n"))
        # localize() turns the help option into an ordinary one: look for its names.
        taken = {opt for param in ctx.command.get_params(ctx) for opt in param.opts}
        names = [name for name in ctx.help_option_names if name in taken]
        if names:
            lines.append(f"运行 {ctx.command_path} {max(names, key=len)} 查看帮助。")
        lines.append("")
    lines.append("错误：" + _usage_message(exc))
    return "\n".join(lines)


def _usage_message(exc: click.UsageError) -> str:
    if isinstance(exc, click.MissingParameter):
        return _missing(exc)
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}。" + _did_you_mean(exc.possibilities)
    if isinstance(exc, click.exceptions.NoSuchCommand):
        return f"没有命令 {exc.command_name}。" + _did_you_mean(exc.possibilities)
    if isinstance(exc, click.BadParameter):
        hint = _hint(exc)
        said = _translated(exc.message, _BAD_VALUE) or exc.message
        return f"{hint} 的值有误：{said}" if hint else f"值有误：{said}"
    return _translated(exc.message, _OPTION_USAGE) or exc.format_message()


def _missing(exc: click.MissingParameter) -> str:
    hint = _hint(exc)
    kind = exc.param_type or (exc.param.param_type_name if exc.param else "")
    text = {"option": "缺少选项 {hint}。", "argument": "缺少参数 {hint}。"}.get(
        kind, "缺少 {hint}。"
    ).format(hint=hint)
    if exc.param is not None and isinstance(exc.param.type, click.Choice):
        text += "可选：" + "、".join(str(choice) for choice in exc.param.type.choices) + "。"
    return text


def _hint(exc: click.BadParameter) -> str:
    """The option or argument, as click names it in its own message: ``--stage``, ``REF``."""
    hint = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint(exc.ctx)
    if hint is None:
        return ""
    if not isinstance(hint, str):
        hint = " / ".join(hint)
    return hint.replace("'", "")


def _did_you_mean(possibilities: list[str] | None) -> str:
    if not possibilities:
        return ""
    return "你是不是想用 " + " 或 ".join(sorted(possibilities)) + "？"


def _translated(message: str, table: list[tuple[re.Pattern[str], str]]) -> str | None:
    for pattern, chinese in table:
        found = pattern.match(message)
        if found:
            return chinese.format(**found.groupdict())
    return None


class ZhContext(click.Context):
    """A context whose help pages are laid out by :class:`ZhFormatter`."""

    formatter_class = ZhFormatter


__all__ = ["HELP", "SHORT", "localize", "walk", "param_key", "cells", "wrap", "usage_error"]
