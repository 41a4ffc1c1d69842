"""Writing what refundflow hands over (letters, complaints, dossiers) to a file the user named."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from cases.i18n import InvalidInput, Text


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file next to ``path`` so a failed write never leaves half a
    file; every failure is an :class:`InvalidInput` saying what to do, never a traceback."""
    if not path.parent.is_dir():
        raise InvalidInput(Text(
            "目录 {dir} 不存在：请先创建，或换一个输出路径。",
            "The folder {dir} does not exist: create it or choose another output path.",
        ).format(dir=str(path.parent)))
    if path.is_dir():
        raise InvalidInput(Text(
            "{path} 是一个目录：请给出文件名。", "{path} is a folder: give a file name.",
        ).format(path=str(path)))
    temp = path.with_name(f".{path.name}.part")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):  # the temporary file may not be a file at all
            temp.unlink(missing_ok=True)
        raise InvalidInput(Text("无法写入 {path}：{err}", "Cannot write {path}: {err}").format(
            path=str(path), err=exc.strerror or str(exc))) from None
