"""Which text encoding a CSV file is in: UTF-8 (with or without BOM), UTF-16, or GBK/GB18030.

Chinese Excel saves "CSV" in GBK, "CSV UTF-8" with a BOM, and "Unicode text"
in UTF-16; ERPs write plain UTF-8. The whole file is checked, block by block
in C, because an export can be plain ASCII for megabytes and carry GBK text
further down. A file that is neither, or that mixes UTF-8 with something
else, is refused with the line where it goes wrong: decoding it anyway would
store unreadable text without a word.
"""

from __future__ import annotations

import codecs
from typing import BinaryIO

from qloop.core.errors import InputError

_BLOCK_BYTES = 1 << 20
#: UTF-8 continuation bytes seen before the first invalid byte that prove real UTF-8 text
#: (about eight Chinese characters); GBK text can look like UTF-8 for a byte pair or two.
_MIXED_EVIDENCE = 16


def detect_encoding(stream: BinaryIO, *, file: str) -> str:
    """The codec name to read ``stream`` with; raises :class:`InputError` when there is none."""
    start = stream.read(4)
    stream.seek(0)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    failure = _first_failure(stream, "utf-8")
    if failure is None:
        return "utf-8-sig"
    position, multibyte_before = failure
    if start.startswith(codecs.BOM_UTF8) or multibyte_before >= _MIXED_EVIDENCE:
        raise InputError(
            f"mixes text encodings: UTF-8 before line {_line_at(stream, position)}, "
            "something else there (save the whole file as UTF-8 CSV)",
            file=file,
        )
    gbk_failure = _first_failure(stream, "gb18030")
    if gbk_failure is not None:
        raise InputError(
            f"is neither UTF-8 nor GBK/GB18030 text (line {_line_at(stream, gbk_failure[0])}); "
            "save it as UTF-8 CSV",
            file=file,
        )
    return "gb18030"


def _first_failure(stream: BinaryIO, encoding: str) -> tuple[int, int] | None:
    """Offset of the first undecodable byte, and how many multi-byte extra bytes came before.

    ``None`` when the whole stream decodes.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    extra_bytes = 0  # bytes beyond one per character: evidence of real multi-byte text
    try:
        while block := stream.read(_BLOCK_BYTES):
            try:
                text = decoder.decode(block, final=False)
            except UnicodeDecodeError as error:
                good = block[: error.start]
                return offset + error.start, extra_bytes + len(good) - len(
                    good.decode(encoding, errors="ignore")
                )
            extra_bytes += len(block) - len(text)
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset, extra_bytes
        return None
    finally:
        stream.seek(0)


def _line_at(stream: BinaryIO, position: int) -> int:
    """1-based line number of a byte offset."""
    lines = 1
    remaining = position
    try:
        while remaining > 0 and (block := stream.read(min(_BLOCK_BYTES, remaining))):
            lines += block.count(b"\n")
            remaining -= len(block)
    finally:
        stream.seek(0)
    return lines
