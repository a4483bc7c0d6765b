"""A file as a stream of converted, de-duplicated chunks: the import minus the database."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qloop.intake.convert import Chunk, RowConverter
from qloop.intake.readers import TableFile


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while rows stream through.

    An import allocates millions of short-lived lists and tuples and creates
    no reference cycles; the collector's passes over them cost about a fifth
    of the import's time. Reference counting still frees everything at once.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def converted_chunks(
    source: TableFile, converter: RowConverter, *, chunk_rows: int
) -> Iterator[Chunk]:
    """Chunks of valid rows; each carries its rejected rows (with reasons) and read count.

    A row whose key an earlier row of the file already had is rejected as a
    duplicate: the first occurrence is the one stored.
    """
    first_row_of_key: dict[Any, int] = {}
    label = " + ".join(converter.labels[k] for k in converter.spec.key)
    for rows in source.batches(chunk_rows):
        chunk = converter.convert_chunk(
            rows, text_only=source.text_only, may_hold_nul=source.may_hold_nul
        )
        duplicates = _mark_duplicates(chunk, converter.key(chunk), first_row_of_key, label)
        if duplicates:
            chunk = chunk.without(duplicates)
        chunk.read = len(rows)
        chunk.progress = source.progress
        chunk.rejected.sort(key=lambda rejected: rejected[0])
        yield chunk


def _mark_duplicates(
    chunk: Chunk, keys: list[Any], first_row_of_key: dict[Any, int], label: str
) -> set[int]:
    """Positions of rows whose key an earlier row of the file had; they are rejected.

    The common case (no repeated key) is settled with set operations; only a
    chunk that has a repeat is walked row by row to name the first row.
    """
    if len(set(keys)) == len(keys) and first_row_of_key.keys().isdisjoint(keys):
        first_row_of_key.update(zip(keys, chunk.row_numbers, strict=True))
        return set()
    duplicates: set[int] = set()
    for i, (key, number) in enumerate(zip(keys, chunk.row_numbers, strict=True)):
        first = first_row_of_key.setdefault(key, number)
        if first != number:
            duplicates.add(i)
            reason = f"{label}: duplicate of row {first} in this file"
            chunk.rejected.append((number, chunk.cells[i], reason))
    return duplicates
