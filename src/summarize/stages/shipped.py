"""Files that ship with the package (a distilled encoder, a learned pair score): each is read
only when its SHA-256 is the one it was built with, so a damaged or replaced file is refused
with an error naming it and how to rebuild it, never used as if it were the right one."""

from __future__ import annotations

import hashlib
from pathlib import Path


def read_checked(path: Path, expected: str | None, what: str, rebuild: str) -> bytes:
    """The bytes of ``path`` (``what`` names it in errors), checked against ``expected``
    (None: a file the user gave, taken as it is)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RuntimeError(
            f"{path}: cannot read the {what} ({error.strerror}); {rebuild}"
        ) from error
    digest = hashlib.sha256(data).hexdigest()
    if expected is not None and digest != expected:
        raise RuntimeError(
            f"{path}: damaged {what} (SHA-256 {digest[:12]}..., expected {expected[:12]}...); "
            f"{rebuild}"
        )
    return data
