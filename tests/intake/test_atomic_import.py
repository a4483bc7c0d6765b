"""A failure that is not a row error leaves the database exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from qloop.intake import upsert
from qloop.intake.models import Product, Unit
from qloop.intake.service import import_file
from tests.files import write_csv

HEADER = ["serial", "product", "batch", "color"]


def snapshot(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as session:
        units = session.execute(
            select(Unit.serial, Unit.product, Unit.batch, Unit.attributes).order_by(Unit.serial)
        ).all()
        products = session.scalar(select(func.count()).select_from(Product))
    return [*map(tuple, units), ("products", products)]


@pytest.mark.parametrize("failure", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failure_halfway_rolls_everything_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    import_file(
        engine,
        table="units",
        path=write_csv(
            tmp_path / "first.csv",
            HEADER,
            [
                ["SN1", "PX9", "B1", "black"],
                ["SN2", "PX9", "B1", "white"],
            ],
        ),
    )
    before = snapshot(engine)
    rows = [[f"SN{i}", "NEW", "B9", "red"] for i in range(1, 40)] + [["", "X", "", ""]]
    source = write_csv(tmp_path / "second.csv", HEADER, rows)

    real_write = upsert.ChunkWriter.write
    calls = {"n": 0}

    def write_then_fail(self: upsert.ChunkWriter, chunk: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:  # two chunks are already written inside the transaction
            raise failure
        return real_write(self, chunk)  # type: ignore[arg-type]

    monkeypatch.setattr(upsert.ChunkWriter, "write", write_then_fail)
    with pytest.raises(type(failure)):
        import_file(engine, table="units", path=source, chunk_rows=10)
    assert calls["n"] == 3
    assert snapshot(engine) == before
    # no rejects file either: nothing of this import took effect
    assert not (tmp_path / "second.csv.rejects.csv").exists()
    assert not list(tmp_path.glob("*.partial"))


def test_decoding_error_late_in_the_file_stores_nothing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    good = "".join(f"SN{i},PX9,B1,black\n" for i in range(5000)).encode()
    # valid UTF-8 for a while, then a byte that is neither UTF-8 nor GB18030
    path.write_bytes(b"serial,product,batch,color\n" + good + b"SNX,PX9,\x80\xff,red\n")
    from qloop.core.errors import InputError

    with pytest.raises(InputError):
        import_file(engine, table="units", path=path, chunk_rows=100)
    assert snapshot(engine) == [("products", 0)]
