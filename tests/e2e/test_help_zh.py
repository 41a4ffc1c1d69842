"""``refundflow --help`` in Chinese for a Chinese user, in English for everyone else.

The table of translations (tui/help_zh.py) covers every command and option of the tree and
nothing else: a new command or option without a Chinese help fails here, by name. The help
pages are checked as a user sees them: the installed ``refundflow`` in a subprocess. An
ordinary command never loads the table.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.conftest import Cli
from tui.cli import cli as refundflow
from tui.help_zh import HELP, SHORT, cells, localize, param_key, walk

CJK = re.compile(r"[\u4e00-\u9fff]")
LITERAL = re.compile(
    r"`[^`]+`|'[^']+'|\"[^\"]*\"|--[a-z][\w-]*|\w+(?:\|\w+)+|[\w-]+(?:/[\w-]+)+"
    r"|[\w.:+-]*\d[\w.:+-]*|\b[A-Z][A-Z0-9_=]+\b|(?<![\w.])\.[a-z]+\b"
)
"""What a translation keeps as typed: `code`, quoted examples, option names, value lists,
paths and zones, numbers and dates, NAMES and KEY=DURATION, .ics."""


def _english() -> dict[str, str]:
    """Every help text of the tree (an untouched one), keyed as the table keys them."""
    texts: dict[str, str] = {}
    for path, command in walk(refundflow):
        if command.help:
            texts[path] = command.help
        for param in command.params:
            text = getattr(param, "help", None)
            if text:
                texts[param_key(path, param)] = text
    return texts


def _listed() -> list[str]:
    """Commands that appear in their group's list of commands."""
    return [path for path, command in walk(refundflow) if path and not command.hidden]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------------------ the table
def test_every_command_and_option_with_english_help_has_a_chinese_one() -> None:
    english = _english()
    assert "case add --platform" in english and "" in english and "--version" in english
    missing = sorted(key or "(refundflow)" for key in english if key not in HELP)
    assert not missing, f"no Chinese help in tui/help_zh.py HELP for: {missing}"
    unlisted = sorted(path for path in _listed() if path not in SHORT)
    assert not unlisted, f"no Chinese line in tui/help_zh.py SHORT for: {unlisted}"


def test_every_key_of_the_table_names_a_command_or_option_that_exists() -> None:
    english = _english()
    stale = sorted(key for key in HELP if key not in english)
    assert not stale, f"tui/help_zh.py HELP names what has no English help (any more): {stale}"
    stale = sorted(key for key in SHORT if key not in _listed())
    assert not stale, f"tui/help_zh.py SHORT names no listed command: {stale}"


def test_translations_are_chinese_and_keep_names_values_and_examples_as_typed() -> None:
    for key, en in _english().items():
        zh = HELP[key]
        if " " in en.strip():  # prose, not just a list of values
            assert CJK.search(zh), f"{key!r}: not translated: {zh!r}"
        literals = {m.rstrip(".,;:") for m in LITERAL.findall(en)} - {""}
        lost = sorted(lit for lit in literals if lit not in zh)
        assert not lost, f"{key!r}: the Chinese help lost {lost}: {zh!r}"
    for key, zh in SHORT.items():
        assert CJK.search(zh) and "\n" not in zh, f"SHORT[{key!r}]: {zh!r}"


def test_every_help_page_of_the_tree_is_in_chinese_within_80_columns() -> None:
    tree = copy.deepcopy(refundflow)  # the tree of this process stays English
    localize(tree)
    localize(tree)  # twice is harmless (one help option, not two)
    runner = CliRunner()
    for path, command in walk(refundflow):
        args = [*path.split(), "--help"]
        done = runner.invoke(tree, args, prog_name="refundflow", terminal_width=80)
        page = done.output
        assert done.exit_code == 0, (path, page)
        assert page.startswith(f"用法：refundflow {path}".rstrip() + " "), page
        assert page.count("显示此帮助信息并退出。") == 1, page
        assert "Show this message and exit" not in page and "Usage:" not in page, page
        wanted = [HELP[key] for key in _english() if key == path or key.startswith(path + " -")]
        if path == "":
            wanted = [HELP[""], HELP["--version"]]
        for zh in wanted:
            assert _squeeze(zh) in _squeeze(page), f"{path!r}: {zh!r} missing from\n{page}"
        for name in getattr(command, "commands", {}):
            assert re.search(rf"^  {name} +{re.escape(SHORT[f'{path} {name}'.strip()])}$",
                             page, re.M), f"{path!r}: the line of {name!r}:\n{page}"
        wide = [line for line in page.splitlines() if cells(line) > 80]
        assert not wide, f"{path!r}: lines wider than the terminal: {wide}"


# ------------------------------------------------------------------------- as a user sees it
def test_a_chinese_user_gets_chinese_help(cli: Cli) -> None:
    top = cli("--help", REFUNDFLOW_LANG="zh").stdout
    assert top.startswith("用法：refundflow [选项] [命令] [参数]...\n"), top
    assert "  refundflow：跟踪退款维权案件及其期限和证据。\n\n  不带命令时显示案件列表。" in top
    assert "\n选项：\n" in top and "\n命令：\n" in top
    assert re.search(r"^  --version +显示版本并退出。$", top, re.M), top
    assert re.search(r"^  -h, --help +显示此帮助信息并退出。$", top, re.M), top
    assert re.search(r"^  case +记录维权案件及其后续进展。$", top, re.M), top
    assert re.search(r"^  dossier +生成交给 12315 或律师的证据材料包（zip）。$", top, re.M), top
    for english in ("Usage:", "Options:", "Commands:", "Show this message", "track refund"):
        assert english not in top

    group = cli("case", "--help", REFUNDFLOW_LANG="zh").stdout
    assert group.startswith("用法：refundflow case [选项] 命令 [参数]...\n"), group
    assert re.search(r"^  add +新建一个维权案件（初始为草稿）。$", group, re.M), group
    assert re.search(r"^  verify +检查时间线的哈希链和每一个证据文件。$", group, re.M), group

    add = cli("case", "add", "--help", REFUNDFLOW_LANG="zh").stdout
    assert add.startswith("用法：refundflow case add [选项]\n"), add
    assert re.search(r"^  --platform TEXT +平台，例如 115卡盟。  \[必填\]$", add, re.M), add
    assert re.search(r"^  --currency TEXT +金额的币种。  \[默认：CNY\]$", add, re.M), add
    assert re.search(r"^  --channel TEXT +alipay\|wechat\|bank_card\|credit_card\|other  "
                     r"\[必填\]$", add, re.M), add
    assert re.search(r"^  --rule TEXT +修改一条期限规则：KEY=DURATION。$", add, re.M), add
    assert "即使该订单已有进行中的退款申请，也照样新建。" in add
    assert "Platform, e.g." not in add and "[required]" not in add

    event = cli("case", "event", "-h", REFUNDFLOW_LANG="zh").stdout
    assert event.startswith("用法：refundflow case event [选项] REF submitted|"), event
    assert "升级到维权阶梯的哪一级（默认：下一级）。" in event and "--refund-no" in event
    for page in (top, group, add, event):
        assert max(cells(line) for line in page.splitlines()) <= 80, page


def test_a_bare_group_prints_its_help_in_chinese(cli: Cli) -> None:
    done = cli("notify", check=False, REFUNDFLOW_LANG="zh")
    shown = done.stdout + done.stderr
    assert "用法：refundflow notify [选项] 命令 [参数]..." in shown, shown
    assert re.search(r"^  login +把 SMTP 密码存入系统钥匙串。$", shown, re.M), shown
    assert "Set up and test reminder mail" not in shown


def test_chinese_from_config_toml_or_the_system_locale(cli: Cli, home: Path) -> None:
    del cli.env["REFUNDFLOW_LANG"]
    cli.env.update(LANG="en_US.UTF-8", LC_ALL="")
    assert "Usage: refundflow rules [OPTIONS]" in cli("rules", "--help").stdout
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text('lang = "zh"\n', encoding="utf-8")
    assert "显示适用于该平台的规则。" in cli("rules", "--help").stdout
    (home / "config.toml").unlink()
    assert "现行的期限规则" in cli("rules", "--help", LANG="zh_CN.UTF-8").stdout


def test_an_english_user_gets_the_english_help(cli: Cli) -> None:
    top = cli("--help").stdout
    assert top.startswith("Usage: refundflow [OPTIONS] [COMMAND] [ARGS]...\n"), top
    assert "refundflow: track refund disputes, their deadlines and evidence." in top
    assert "Show this message and exit." in top and "Commands:" in top
    add = cli("case", "add", "--help", REFUNDFLOW_LANG="en").stdout
    assert re.search(r"^  --platform TEXT +Platform, e\.g\. 115卡盟\.  \[required\]$", add, re.M)
    assert not CJK.search(add.replace("115卡盟", "").replace("江苏", ""))


# ---------------------------------------------------------------------------- start-up
PROBE = """\
import sys
sys.argv = ["refundflow", *sys.argv[1:]]
from tui.entry import main
try:
    main()
except SystemExit:
    pass
print("\\nloaded:", "tui.help_zh" in sys.modules, "pydantic" in sys.modules)
"""


@pytest.mark.parametrize(
    ("args", "table", "settings"),
    [
        (["case", "list", "--json"], False, None),
        (["rules"], False, None),
        (["case", "list", "--overdue"], False, None),
        # Refused (no --order): the error is put into Chinese by the same table.
        (["case", "add", "--platform", "P"], True, True),
        (["--version"], False, False),  # nothing reads the settings for the language
        (["rules", "--help"], True, True),
        (["case"], True, True),
    ],
)
def test_only_help_or_a_mistyped_command_line_loads_the_table(
    home: Path, args: list[str], table: bool, settings: bool | None
) -> None:
    env = {**os.environ, "REFUNDFLOW_LANG": "zh", "REFUNDFLOW_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, env=env, timeout=120)
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), (done.stdout, done.stderr)
    loaded = last.split()[1:]
    assert loaded[0] == str(table), (args, done.stdout, done.stderr)
    if settings is not None:
        assert loaded[1] == str(settings), (args, done.stdout, done.stderr)


def test_the_click_tree_is_what_the_table_walks() -> None:
    # the walk reaches nested commands and names -o/--output by its long name
    paths = [path for path, _ in walk(refundflow)]
    assert {"", "case", "case add", "outbox retry", "service run"} <= set(paths)
    export = refundflow.commands["export"]
    output = next(p for p in export.params if isinstance(p, click.Option) and "-o" in p.opts)
    assert param_key("export", output) == "export --output"
