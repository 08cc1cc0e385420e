"""A byte-count progress bar on stderr, for big files only: drawn when stderr is a terminal and the file has
taken more than a second, so small files (and the bundled reference graphs) never draw one."""

from __future__ import annotations

import sys
import time
from typing import IO

SHOW_AFTER_SECONDS = 1.0


class ProgressReader:
    """Wraps a binary file so that reading it through a parser advances a progress bar."""

    def __init__(self, raw: IO[bytes], total: int, label: str, enabled: bool | None = None) -> None:
        self._raw = raw
        self._total = max(total, 1)
        self._label = label
        self._done = 0
        self._started = time.monotonic()
        self._last = 0.0
        self._drawn = False
        self._finished = False
        self._enabled = sys.stderr.isatty() if enabled is None else enabled

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        self._done += len(chunk)
        if not self._enabled or self._finished:
            return chunk
        now = time.monotonic()
        if not chunk:
            self._finished = True
            if self._drawn:
                self._draw()
                sys.stderr.write("\n")
                sys.stderr.flush()
        elif now - self._started >= SHOW_AFTER_SECONDS and now - self._last > 0.2:
            self._last = now
            self._draw()
        return chunk

    def _draw(self) -> None:
        share = min(self._done / self._total, 1.0)
        sys.stderr.write(f"\r{self._label} [{'#' * int(share * 30):<30}] {share:6.1%}")
        sys.stderr.flush()
        self._drawn = True

    def readable(self) -> bool:
        return True
