"""A command line ``refundflow`` cannot parse, as a user reads it: in Chinese for a Chinese
user (usage line, how to get help, what is wrong), click's own English for everyone else,
exit code 2 either way, and nothing stored."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Cli

ENGLISH_WORDS = re.compile(r"\b(Error|Usage|Try|Missing|Invalid|such|unexpected)\b")


@pytest.mark.parametrize(
    ("args", "usage", "error"),
    [
        (
            ["case", "add", "--platform", "115卡盟"],
            "用法：refundflow case add [选项]",
            "错误：缺少选项 --order。",
        ),
        (
            ["case", "show"],
            "用法：refundflow case show [选项] REF",
            "错误：缺少参数 REF。",
        ),
        (
            ["case", "lst"],
            "用法：refundflow case [选项] 命令 [参数]...",
            "错误：没有命令 lst。你是不是想用 list 或 set？",
        ),
        (
            ["case", "list", "--stag", "draft"],
            "用法：refundflow case list [选项]",
            "错误：没有选项 --stag。你是不是想用 --stage？",
        ),
        (
            ["case", "list", "--stage", "paid"],
            "用法：refundflow case list [选项]",
            "错误：--stage 的值有误：'paid' 不是可选的值；可选：'draft', 'submitted', "
            "'supplement_requested', 'approved', 'arrived', 'rejected', 'escalated', "
            "'closed'。",
        ),
        (
            ["case", "show", "RF-2026-0001", "RF-2026-0002"],
            "用法：refundflow case show [选项] REF",
            "错误：多余的参数：RF-2026-0002。",
        ),
        (
            ["outbox", "list", "--limit", "ten"],
            "用法：refundflow outbox list [选项]",
            "错误：--limit 的值有误：'ten' 不是整数。",
        ),
    ],
)
def test_a_chinese_user_reads_parse_errors_in_chinese(
    cli: Cli, args: list[str], usage: str, error: str
) -> None:
    result = cli(*args, check=False, REFUNDFLOW_LANG="zh")
    assert result.returncode == 2
    command = usage.removeprefix("用法：").split(" [")[0]
    assert result.stderr == f"{usage}\n运行 {command} --help 查看帮助。\n\n{error}\n"
    assert not ENGLISH_WORDS.search(result.stderr)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["case", "add", "--amount"], "错误：选项 --amount 后面要写一个值。"),
        (["case", "list", "--overdue=yes"], "错误：选项 --overdue 不带值，只写选项本身。"),
    ],
)
def test_option_usage_errors_are_in_chinese_too(cli: Cli, args: list[str], error: str) -> None:
    """click reports these before it knows the command's context: no usage line, as in
    English."""
    result = cli(*args, check=False, REFUNDFLOW_LANG="zh")
    assert result.returncode == 2
    assert result.stderr == error + "\n"


def test_english_stays_clicks_own(cli: Cli) -> None:
    result = cli("case", "add", "--platform", "115卡盟", check=False)
    assert result.returncode == 2
    assert result.stderr == (
        "Usage: refundflow case add [OPTIONS]\n"
        "Try 'refundflow case add --help' for help.\n\n"
        "Error: Missing option '--order'.\n"
    )
    result = cli("case", "lst", check=False)
    assert result.stderr.endswith(
        "Error: No such command 'lst'. (Did you mean one of: 'list', 'set'?)\n"
    )


def test_a_refused_command_line_stores_nothing(cli: Cli) -> None:
    result = cli(
        "case",
        "add",
        "--platform",
        "115卡盟",
        "--order",
        "A1",
        "--product",
        "年卡",
        "--amount",
        "128.00",
        "--channel",
        "alipay",
        "--reason",
        "not_activated",
        "--paid-at",
        "2026-09-30T10:00+08:00",
        "--bogus",
        check=False,
        REFUNDFLOW_LANG="zh",
    )
    assert result.returncode == 2 and "没有选项 --bogus" in result.stderr
    assert cli.json("case", "list") == []


def test_help_version_and_commands_keep_their_exit_codes(cli: Cli) -> None:
    """The command line runs click outside its standalone mode (to print these errors):
    explicit exits and the commands' own codes must come through unchanged."""
    assert cli("--help").returncode == 0
    assert cli("case", "list", "-h", REFUNDFLOW_LANG="zh").stdout.startswith("用法：")
    assert cli("--version").stdout.startswith("refundflow, version ")
    unknown = cli("case", "show", "RF-2026-0404", check=False, REFUNDFLOW_LANG="zh")
    assert unknown.returncode not in (0, 2) and unknown.stderr.startswith("错误：")
    bare = cli("case", check=False, REFUNDFLOW_LANG="zh")  # a bare group shows its help
    assert bare.returncode == 2 and bare.stderr.startswith("用法：refundflow case")
