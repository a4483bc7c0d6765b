"""``qloop containment``: the units a suspect covers, to quarantine (not shipped) or sweep
in the field (shipped), with the cases they already have."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from qloop.core.cli_context import console, parse_day, refused, state
from qloop.core.db import session_scope
from qloop.core.errors import InputError, QloopError

if TYPE_CHECKING:
    from qloop.capa.containment import AffectedUnit, Containment

#: units shown by ``--format table``; the files hold them all
TABLE_ROWS = 50


class Output(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class Language(StrEnum):
    en = "en"
    zh = "zh"


def containment_command(
    ctx: typer.Context,
    product: Annotated[str, typer.Option(help="The product, e.g. CNC500.")],
    attribute: Annotated[
        list[str] | None,
        typer.Option("--attribute", help="As the suspects table names it (repeatable)."),
    ] = None,
    value: Annotated[
        list[str] | None,
        typer.Option("--value", help="The value of the attribute before it, as text."),
    ] = None,
    built_from: Annotated[
        str | None, typer.Option("--built-from", help="Produced from (YYYY-MM-DD).")
    ] = None,
    built_to: Annotated[
        str | None, typer.Option("--built-to", help="Produced to (YYYY-MM-DD).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Shipped on or before (default today).")
    ] = None,
    failure_mode: Annotated[
        str | None, typer.Option("--failure-mode", help="Count only cases of this mode.")
    ] = None,
    output: Annotated[
        Output | None,
        typer.Option(
            "--format", help="table, json, csv or xlsx (default: from --out, else table)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write to this file (xlsx needs one).")] = None,
    lang: Annotated[Language, typer.Option(help="CSV/XLSX headers in en or zh.")] = Language.en,
) -> None:
    """List the units of a suspect or unit filter: shipped or not, by region, with cases."""
    from qloop.capa.containment import find_affected_units, iter_affected_units
    from qloop.capa.containment_filter import pair_conditions

    days = [parse_day(built_from, "--built-from"), parse_day(built_to, "--built-to"),
            parse_day(as_of, "--as-of")]  # fmt: skip
    try:
        kind = _kind(output, out)
        conditions = pair_conditions(attribute or [], value or [])
        with session_scope(state(ctx).engine()) as session:
            found = find_affected_units(
                session, product=product, conditions=conditions, built_from=days[0],
                built_to=days[1], as_of=days[2], failure_mode=failure_mode,
                limit=TABLE_ROWS if kind is Output.table else 0,
            )  # fmt: skip
            if kind is Output.table:
                _show(found)
                return
            items = iter_affected_units(session, found.filter)
            if out is None:
                _write(kind, found, items, sys.stdout, lang, bom=False)
                return
            if kind is Output.xlsx:
                from qloop.capa.containment_export import write_containment_xlsx

                write_containment_xlsx(found, items, out, lang=lang.value)
            else:
                with out.open("w", encoding="utf-8", newline="") as handle:
                    _write(kind, found, items, handle, lang, bom=True)
    except (QloopError, OSError) as error:
        raise refused(error) from None
    console.print(
        f"{found.units} units written to {out}: {found.shipped} shipped, "
        f"{found.not_shipped} not shipped, {found.with_cases} with cases",
        highlight=False, markup=False,
    )  # fmt: skip


def _kind(output: Output | None, out: Path | None) -> Output:
    """The format asked for, else the one the file's suffix names, else the table."""
    if output is None:
        suffix = out.suffix.lower().lstrip(".") if out is not None else ""
        output = Output(suffix) if suffix in ("json", "csv", "xlsx") else Output.table
    if output is Output.xlsx and out is None:
        raise InputError("--format xlsx needs --out FILE", column="out")
    if output is Output.table and out is not None:
        raise InputError("--out needs --format json, csv or xlsx", column="out")
    return output


def _write(
    kind: Output, found: Containment, items: Iterable[AffectedUnit], handle: IO[str],
    lang: Language, *, bom: bool,
) -> None:  # fmt: skip
    from qloop.capa.containment_export import write_containment_csv, write_containment_json

    if kind is Output.json:
        write_containment_json(found, items, handle)
    else:
        write_containment_csv(found, items, handle, lang=lang.value, bom=bom)


def _shipped(item: AffectedUnit) -> str:
    if item.shipped or item.ship_date is None:
        return str(item.ship_date) if item.shipped else "no"
    return f"no ({item.ship_date})"


def _show(found: Containment) -> None:
    conditions = " and ".join(f"{a} = {v}" for a, v in found.filter.conditions) or "all units"
    console.print(
        f"{found.filter.product}, {conditions}: {found.units} units — {found.not_shipped} not "
        f"shipped (quarantine), {found.shipped} shipped (field sweep) as of "
        f"{found.filter.as_of}; {found.with_cases} with cases",
        highlight=False, markup=False, soft_wrap=True,
    )  # fmt: skip
    regions = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    regions.add_column("region")
    for header in ("units", "shipped", "not shipped", "with cases"):
        regions.add_column(header, justify="right")
    for region, counts in found.by_region.items():
        row = (counts.units, counts.shipped, counts.not_shipped, counts.with_cases)
        regions.add_row(region or "(none)", *(f"{n:,}" for n in row))
    console.print(regions)
    units = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for header in ("serial", "batch", "region", "built", "shipped", "cases", "first case"):
        units.add_column(header, no_wrap=True)
    for item in found.items:
        units.add_row(
            item.serial, item.batch or "-", item.region or "-", str(item.production_date or "-"),
            _shipped(item), str(item.cases),
            str(item.first_case or "-"),
        )  # fmt: skip
    console.print(units)
    if found.units > len(found.items):
        console.print(
            f"... {found.units - len(found.items)} more: --format csv, xlsx or json with --out",
            highlight=False, markup=False,
        )  # fmt: skip
