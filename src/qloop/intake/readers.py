"""Streaming readers for CSV and XLSX files, as users export them from Excel and ERPs.

A reader yields rows as ``(row_number, cells)`` in blocks, so memory stays
flat however long the file. CSV encodings are detected (UTF-8 with or
without BOM, else GB18030, the superset of the GBK that Chinese Excel
writes), and so is the delimiter (comma, semicolon or tab). Cells are
trimmed; rows with no value at all are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from qloop.core.errors import InputError

_BLOCK_BYTES = 1 << 20
_LINES_HINT = 1 << 14  # small blocks keep a chunk's working set in the CPU cache
_BLOCK_ROWS = 2000
_HEADER_SEARCH_ROWS = 20
HeaderTest = Callable[[Sequence[Any]], bool]
Row = tuple[int, list[Any]]
Blocks = Generator[list[Row], None, None]


def detect_encoding(stream: BinaryIO) -> str:
    """``utf-8-sig`` when the whole stream is valid UTF-8 (a BOM is then skipped), else ``gb18030``.

    The whole file is checked, block by block in C, because an export can be
    plain ASCII for its first megabytes and carry GBK text further down.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while block := stream.read(_BLOCK_BYTES):
            decoder.decode(block, final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    finally:
        stream.seek(0)
    return "utf-8-sig"


def detect_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class TableFile:
    """An open CSV or XLSX file: its header and a stream of data rows."""

    def __init__(self, path: Path, *, sheet: str | None, is_header: HeaderTest) -> None:
        self.path = path
        self.name = str(path)
        if not path.is_file():
            raise InputError("file not found", file=self.name)
        self.size = path.stat().st_size
        suffix = path.suffix.lower()
        #: every cell is a str (CSV); XLSX cells are typed (numbers, dates)
        self.text_only = suffix not in {".xlsx", ".xlsm"}
        if not self.text_only:
            self._blocks, self._position, self.total = _open_xlsx(path, sheet, self.name)
        elif suffix in {".csv", ".txt", ".tsv"}:
            if sheet is not None:
                raise InputError("--sheet applies to XLSX files only", file=self.name)
            self._blocks, self._position, self.total = _open_csv(path)
        else:
            raise InputError(
                f'unsupported file type "{suffix or path.name}" (use .csv or .xlsx)', file=self.name
            )
        self._pending: list[Row] = []
        self.header, self.header_row = self._find_header(is_header)

    def _find_header(self, is_header: HeaderTest) -> tuple[list[Any], int]:
        """The first row that names the required columns (title rows above it are skipped)."""
        searched = 0
        first: Row | None = None
        while searched < _HEADER_SEARCH_ROWS and self._fill_pending():
            number, cells = self._pending.pop(0)
            first = first or (number, cells)
            if is_header(cells):
                return cells, number
            searched += 1
        if first is None:
            raise InputError("the file has no header row", file=self.name)
        # No row names all required columns: the first row is taken as the header so
        # that the error about it lists which columns are missing.
        return first[1], first[0]

    def _fill_pending(self) -> bool:
        with self._translated_errors():
            while not self._pending:
                block = next(self._blocks, None)
                if block is None:
                    return False
                self._pending = block
        return True

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except UnicodeDecodeError as error:
            raise InputError(
                f"not valid text in the detected encoding ({error.reason})", file=self.name
            ) from None
        except csv.Error as error:
            raise InputError(f"malformed CSV: {error}", file=self.name) from None

    def batches(self, size: int) -> Iterator[list[Row]]:
        """The data rows after the header in lists of at most ``size``, in file order."""
        pending = self._pending
        self._pending = []
        with self._translated_errors():
            while True:
                while len(pending) >= size:
                    yield pending[:size]
                    del pending[:size]
                block = next(self._blocks, None)
                if block is None:
                    break
                pending.extend(block)
        if pending:
            yield pending

    def rows(self) -> Iterator[Row]:
        """The data rows after the header, one by one."""
        for batch in self.batches(_BLOCK_ROWS):
            yield from batch

    def close(self) -> None:
        """Release the file handle (or workbook) even when reading stopped halfway."""
        self._blocks.close()

    def __enter__(self) -> TableFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def progress(self) -> int:
        """How far reading has got, in the unit of :attr:`total` (bytes or rows)."""
        return self._position()


def _open_csv(path: Path) -> tuple[Blocks, Callable[[], int], int]:
    raw = path.open("rb")
    encoding = detect_encoding(raw)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    delimiter = detect_delimiter(text.readline())
    text.seek(0)
    size = path.stat().st_size
    return _csv_blocks(text, delimiter), lambda: size if raw.closed else raw.tell(), size


def _csv_blocks(text: io.TextIOWrapper, delimiter: str) -> Blocks:
    """Blocks of trimmed rows, numbered by their first line in the file.

    While a block of lines holds no quote character (most machine exports),
    splitting each line at the delimiter is exactly what the ``csv`` module
    would do, and several times faster; from the first block that has a
    quote, a lone CR or a NUL on, the ``csv`` module reads the rest.
    """
    strip = str.strip
    line = 0
    try:
        while lines := text.readlines(_LINES_HINT):
            block = "".join(lines)
            if "\r" in block:
                block = block.replace("\r\n", "\n")
            if '"' in block or "\r" in block or "\x00" in block:
                yield from _csv_module_blocks(text, lines, delimiter, line)
                return
            parts = block.split("\n")
            if parts[-1] == "":
                parts.pop()
            yield [
                (number, cells)
                for number, raw_line in enumerate(parts, start=line + 1)
                if raw_line and any(cells := list(map(strip, raw_line.split(delimiter))))
            ]
            line += len(parts)
    finally:
        text.close()


def _csv_module_blocks(
    text: io.TextIOWrapper, first_lines: list[str], delimiter: str, offset: int
) -> Iterator[list[Row]]:
    """The rest of the file through the ``csv`` module (quoted cells, multi-line cells)."""
    reader = csv.reader(_chain_lines(first_lines, text), delimiter=delimiter)
    strip = str.strip

    def rows() -> Iterator[Row]:
        end = offset
        for cells in reader:
            start, end = end + 1, offset + reader.line_num
            stripped = list(map(strip, cells))
            if any(stripped):
                yield start, stripped

    return _in_blocks(rows())


def _in_blocks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    while block := list(islice(rows, _BLOCK_ROWS)):
        yield block


def _chain_lines(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def _open_xlsx(path: Path, sheet: str | None, name: str) -> tuple[Blocks, Callable[[], int], int]:
    from openpyxl import load_workbook  # imported here: openpyxl is slow to import

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise InputError(f"not a readable XLSX workbook ({error})", file=name) from None
    if sheet is None:
        worksheet = workbook.worksheets[0]
    elif sheet in workbook.sheetnames:
        worksheet = workbook[sheet]
    else:
        workbook.close()
        raise InputError(
            f'no sheet "{sheet}" (sheets: {", ".join(workbook.sheetnames)})', file=name
        )
    done = 0

    def rows() -> Iterator[Row]:
        nonlocal done
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            done = number
            cells = [v.strip() if isinstance(v, str) else v for v in values]
            if any(v is not None and v != "" for v in cells):
                yield number, cells

    def blocks() -> Blocks:
        try:
            yield from _in_blocks(rows())
        finally:
            workbook.close()

    return blocks(), lambda: done, worksheet.max_row or 0
