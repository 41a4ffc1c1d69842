#!/usr/bin/env python3
"""Set up and run refundflow from a fresh clone with nothing but Python 3.11 and pip.

    python3 dev.py run     # create .venv if needed, install, open refundflow
    python3 dev.py test    # create .venv if needed, install, lint, type-check, run the tests

The virtual environment is rebuilt only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".refundflow-installed"


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (this script runs before the venv exists)
        sys.exit(f"refundflow needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    print(
        "installing refundflow and its dependencies into .venv (first run takes a few minutes) …",
        flush=True,
    )
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(*cmd: str) -> int:
    return subprocess.run(cmd, cwd=ROOT).returncode


def main() -> int:
    what = sys.argv[1] if len(sys.argv) > 1 else "run"
    ensure_venv()
    if what == "run":
        os.execv(str(BIN / "refundflow"), [str(BIN / "refundflow"), *sys.argv[2:]])
    if what == "test":
        steps = [
            [str(BIN / "ruff"), "check", "."],
            [str(BIN / "lint-imports")],
            [str(BIN / "mypy"), "cases"],
            [str(BIN / "pytest"), "-p", "no:cacheprovider", *sys.argv[2:]],
        ]
        for step in steps:
            print(
                "$",
                " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)),
                flush=True,
            )
            code = run(*step)
            if code:
                return code
        return 0
    sys.exit(f"usage: python3 dev.py [run|test] [args…]  (got {what!r})")


if __name__ == "__main__":
    sys.exit(main())
