"""The evidence folder: files stored by their SHA-256, read-only, never modified."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from cases.i18n import InvalidInput, Text
from cases.ports import EvidenceFiles, StoredFile

CHUNK = 1 << 20


def sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class FolderEvidenceFiles(EvidenceFiles):
    """``<root>/ab/abcdef…``: one file per content, written once through a temp file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, source: Path) -> StoredFile:
        if not source.is_file():
            raise InvalidInput(
                Text(
                    "找不到证据文件 {path}；请检查路径",
                    "no evidence file at {path}; check the path",
                    {"path": str(source)},
                )
            )
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.root, delete=False, prefix=".incoming-") as tmp:
            temp_path = Path(tmp.name)
            with source.open("rb") as handle:
                shutil.copyfileobj(handle, tmp, CHUNK)
            tmp.flush()
            os.fsync(tmp.fileno())
        try:
            sha, size = sha256_of(temp_path)
            target = self.path_for(sha)
            if target.exists() and self.digest(sha) == sha:
                temp_path.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():  # a damaged copy: replace it with the good one
                    target.chmod(0o644)
                os.replace(temp_path, target)
                target.chmod(0o444)
        finally:
            if temp_path.exists():
                temp_path.unlink()
        return StoredFile(sha256=sha, size=size)

    def digest(self, sha256: str) -> str | None:
        path = self.path_for(sha256)
        if not path.is_file():
            return None
        return sha256_of(path)[0]
