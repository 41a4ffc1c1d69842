"""Where refundflow keeps its data by default: light to import (no pydantic), so the fast
paths of the command line can find the home before anything else loads."""

from __future__ import annotations

from pathlib import Path


def default_home() -> Path:
    """The platform's user data directory (``~/.local/share/refundflow`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("refundflow", appauthor=False))
