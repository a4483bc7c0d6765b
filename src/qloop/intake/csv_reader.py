"""CSV files as blocks of numbered, trimmed rows.

The encoding is detected (``qloop.intake.text_encoding``), and so is the
delimiter: comma, semicolon or tab, whichever makes a header row out of one of
the first lines (title rows above the header are common in exports).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Generator, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from qloop.intake.text_encoding import detect_encoding

Row = tuple[int, list[Any]]
Blocks = Generator[list[Row], None, None]
HeaderTest = Callable[[Sequence[Any]], bool]

DELIMITERS = (",", ";", "\t")
BLOCK_ROWS = 2000
_LINES_HINT = 1 << 14  # small blocks keep a chunk's working set in the CPU cache
_HEADER_SEARCH_LINES = 20
#: a cell may be as long as a whole description: the csv module's 128 KiB default is not
_FIELD_SIZE_LIMIT = 2**31 - 1


class CsvSource:
    """An open CSV file; ``blocks`` yields its rows, ``saw_nul`` tells if a NUL was met."""

    def __init__(self, path: Path, *, is_header: HeaderTest, name: str) -> None:
        raw = path.open("rb")
        try:
            encoding = detect_encoding(raw, file=name)
        except BaseException:
            raw.close()
            raise
        self._raw = raw
        self._text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        self.delimiter = detect_delimiter(islice(self._text, _HEADER_SEARCH_LINES), is_header)
        self._text.seek(0)
        self.size = path.stat().st_size
        self.saw_nul = False
        csv.field_size_limit(_FIELD_SIZE_LIMIT)
        self.blocks = self._blocks()

    def position(self) -> int:
        return self.size if self._raw.closed else self._raw.tell()

    def _blocks(self) -> Blocks:
        """Blocks of trimmed rows, numbered by their first line in the file.

        While a block of lines holds no quote character (most machine exports),
        splitting each line at the delimiter is exactly what the ``csv`` module
        would do, and several times faster; from the first block that has a
        quote, a lone CR or a NUL on, the ``csv`` module reads the rest.
        """
        strip = str.strip
        delimiter = self.delimiter
        line = 0
        try:
            while lines := self._text.readlines(_LINES_HINT):
                block = "".join(lines)
                if "\r" in block:
                    block = block.replace("\r\n", "\n")
                if '"' in block or "\r" in block or "\x00" in block:
                    self.saw_nul = self.saw_nul or "\x00" in block
                    yield from self._csv_module_blocks(lines, line)
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
            self._text.close()

    def _csv_module_blocks(self, first_lines: list[str], offset: int) -> Iterator[list[Row]]:
        """The rest of the file through the ``csv`` module (quoted cells, multi-line cells).

        ``strict`` makes a quote that never closes an error instead of a cell
        that silently swallows every line after it.
        """
        source = _chain_lines(first_lines, self._text, self)
        reader = csv.reader(source, delimiter=self.delimiter, strict=True)
        strip = str.strip

        def rows() -> Iterator[Row]:
            end = offset
            try:
                for cells in reader:
                    start, end = end + 1, offset + reader.line_num
                    stripped = list(map(strip, cells))
                    if any(stripped):
                        yield start, stripped
            except csv.Error as error:
                raise csv.Error(f"the row starting on line {end + 1}: {error}") from None

        return in_blocks(rows())


def in_blocks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    """Rows in lists of :data:`BLOCK_ROWS`."""
    while block := list(islice(rows, BLOCK_ROWS)):
        yield block


def _chain_lines(first: list[str], rest: Iterator[str], source: CsvSource) -> Iterator[str]:
    yield from first
    for line in rest:
        if "\x00" in line:
            source.saw_nul = True
        yield line


def detect_delimiter(lines: Iterator[str], is_header: HeaderTest) -> str:
    """The delimiter that turns one of the first lines into the header; else the commonest."""
    first = ""
    for line in lines:
        if not line.strip():
            continue
        first = first or line
        for delimiter in DELIMITERS:
            try:
                cells = next(csv.reader([line], delimiter=delimiter), [])
            except csv.Error:
                continue
            if is_header([cell.strip() for cell in cells]):
                return delimiter
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
