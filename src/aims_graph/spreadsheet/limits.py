"""Caps on what a workbook may cost to read, checked before the reading starts.

An .xlsx file is a zip archive: a few megabytes can inflate to gigabytes of sheet XML, which openpyxl would
parse for minutes. The archive's central directory declares every member's size, so the total and each
member's compression ratio are checked from it without inflating anything. Declared sizes cannot lie to
the reader: Python's ``zipfile`` stops a member at its declared size and then fails its CRC check, so a
member that holds more than it declares is an unreadable workbook, not a bigger one. While the sheets are
read, rows, columns and cell lengths are counted against their own caps, which also bounds what a small
archive can make openpyxl produce (a row number of a million, a cell in column XFD).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileFormatError, TooLargeError

MIB = 1024 * 1024


class WorkbookTooLargeError(TooLargeError):
    """A workbook (or CSV folder) over one of the read caps; nothing is read and nothing is imported."""


@dataclass(frozen=True)
class ReadLimits:
    """What one workbook may hold. The defaults leave ordinary workbooks far below every cap."""

    max_bytes: int = 200 * MIB
    """Total uncompressed size: the zip members' declared sizes for .xlsx, the files' sizes for CSV."""
    max_members: int = 2_000
    """Files inside the .xlsx archive (a workbook of 30 sheets has about 45; each sheet costs openpyxl setup)."""
    max_ratio: float = 100.0
    """The highest compression ratio of one zip member (deflate tops out near 1,030:1)."""
    ratio_floor: int = 1 * MIB
    """Members smaller than this are not held to ``max_ratio`` (small XML compresses unevenly)."""
    max_rows: int = 1_000_000
    """Rows per sheet (or per CSV file), counting blank rows before the last one."""
    max_columns: int = 1_000
    """Columns per row."""
    max_cell_chars: int = 32_767
    """Characters in one cell (the most a spreadsheet program itself lets a cell hold)."""


DEFAULT_LIMITS = ReadLimits()


def _size(count: int) -> str:
    return f"{count / MIB:,.1f} MB" if count >= MIB else f"{count:,} bytes"


def check_archive(path: Path, limits: ReadLimits) -> None:
    """Refuse an .xlsx whose central directory promises more than the caps, before openpyxl opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise FileFormatError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(members) > limits.max_members:
        raise WorkbookTooLargeError(
            f"{path}: the workbook holds {len(members):,} files, more than the {limits.max_members:,} allowed; "
            "nothing was imported"
        )
    total = sum(member.file_size for member in members)
    if total > limits.max_bytes:
        raise WorkbookTooLargeError(
            f"{path}: the workbook unpacks to {_size(total)}, more than the {_size(limits.max_bytes)} allowed; "
            "nothing was imported"
        )
    for member in members:
        if member.file_size < limits.ratio_floor:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_ratio:
            raise WorkbookTooLargeError(
                f"{path}: {member.filename} is compressed {ratio:,.0f} to 1 (at most {limits.max_ratio:,.0f} to 1 "
                "is accepted), which is how zip bombs are made; nothing was imported"
            )


def check_csv_files(folder: Path, files: list[Path], limits: ReadLimits) -> None:
    """Refuse a CSV folder whose files are together larger than the cap, before any is read."""
    total = 0
    for file in files:
        try:
            total += file.stat().st_size
        except OSError as exc:
            raise FileFormatError(f"{file}: cannot read the CSV file ({exc.strerror or exc})") from None
    if total > limits.max_bytes:
        raise WorkbookTooLargeError(
            f"{folder}: the CSV files hold {_size(total)}, more than the {_size(limits.max_bytes)} allowed; "
            "nothing was imported"
        )


class RowCounter:
    """Counts one sheet's rows and checks each row's width and cells as they stream past."""

    def __init__(self, source: str, sheet: str, limits: ReadLimits) -> None:
        self.source = source
        self.sheet = sheet
        self.limits = limits

    def check(self, number: int, values: tuple[object, ...]) -> None:
        limits = self.limits
        if number > limits.max_rows:
            raise WorkbookTooLargeError(
                f"{self.source}: sheet {self.sheet!r} has more than {limits.max_rows:,} rows; nothing was imported"
            )
        if len(values) > limits.max_columns:
            raise WorkbookTooLargeError(
                f"{self.source}: sheet {self.sheet!r} row {number} has {len(values):,} columns, more than the "
                f"{limits.max_columns:,} allowed; nothing was imported"
            )
        if max((len(v) for v in values if isinstance(v, str)), default=0) <= limits.max_cell_chars:
            return
        for index, value in enumerate(values):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise WorkbookTooLargeError(
                    f"{self.source}: sheet {self.sheet!r} row {number} column {index + 1} holds {len(value):,} "
                    f"characters, more than the {limits.max_cell_chars:,} allowed; nothing was imported"
                )
