"""A byte-count progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import IO


class ProgressReader:
    """Wraps a binary file so that reading it through a parser advances a progress bar."""

    def __init__(self, raw: IO[bytes], total: int, label: str, enabled: bool | None = None) -> None:
        self._raw = raw
        self._total = max(total, 1)
        self._label = label
        self._done = 0
        self._last = 0.0
        self._enabled = sys.stderr.isatty() if enabled is None else enabled

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self._done += len(chunk)
        now = time.monotonic()
        if self._enabled and (now - self._last > 0.2 or not chunk):
            self._last = now
            share = min(self._done / self._total, 1.0)
            bar = "#" * int(share * 30)
            sys.stderr.write(f"\r{self._label} [{bar:<30}] {share:6.1%}")
            if not chunk:
                sys.stderr.write("\n")
            sys.stderr.flush()
        return chunk

    def readable(self) -> bool:
        return True
