"""What a review found: each case reproduced, now fixed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from qloop.alerts import service
from qloop.alerts.analysis import TrendRule, trend_findings
from qloop.core.db import session_scope
from qloop.core.errors import InputError
from qloop.core.settings import Settings
from qloop.intake.models import Case, Channel, Product
from qloop.kpi.pages import _number
from qloop.kpi.periods import PeriodKind
from qloop.reports.content import build_report
from qloop.reports.render import render_html
from qloop.reports.xlsx import render_xlsx
from tests.alerts.test_analysis import ENDS, kpi_frame
from tests.alerts.test_service import HOURS, build


def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, kpi_targets={})


def test_the_textbook_rule_fires_on_months_of_one_repair() -> None:
    frame = kpi_frame(mttr_hours=[4.0, 9.0, 11.0, 18.0], repairs_closed=[1, 1, 1, 1])
    found = trend_findings(
        frame, scope_key="product", kind=PeriodKind.MONTH, period_ends=ENDS, rule=TrendRule(),
        since=dt.date(2000, 1, 1),
    )  # fmt: skip
    assert [f.metric for f in found] == ["mttr_hours"]


def test_a_report_on_a_running_or_past_month_leaves_stored_alerts_alone(
    engine: Engine, db_url: str
) -> None:
    with session_scope(engine) as session:
        build(session, HOURS)  # data end on 06-20: June is still running
        report = build_report(session, settings(db_url), period="2026-06")
        assert report.trends == []  # June is not judged while it runs
        service.check_alerts(session, settings(db_url), as_of=dt.date(2026, 6, 30))
        before = {a.id: (a.periods, a.period_end) for a in service.list_alerts(session)}
        assert before
        april = build_report(session, settings(db_url), period="2026-04")
        after = {a.id: (a.periods, a.period_end) for a in service.list_alerts(session)}
        assert after == before  # a look back does not shorten the trends
        assert all("2026-04" in a.periods or a.period_end <= dt.date(2026, 4, 30)
                   for a in april.alerts)  # fmt: skip


def test_odd_names_do_not_break_the_report(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        session.add_all([Product(code='=HYPERLINK("http://x")'), Product(code="P\x0bB")])
        session.flush()
        odd = [
            ('=HYPERLINK("http://x")', "cost $5 vs $10"),
            ("P\x0bB", "x\x07y"),
            ("P\x0bB", "$\\foo$"),
        ]
        for n, (product, mode) in enumerate(odd):
            session.add(Case(case_id=f"K{n}", received_at=dt.datetime(2026, 6, 2 + n),
                             channel=Channel.APP, product=product, failure_mode=mode,
                             description="x", attributes={}))  # fmt: skip
    with session_scope(engine) as session:
        report = build_report(session, settings(db_url), period="2026-06")
        html = render_html(report, "en")
        assert "cost $5 vs $10" in html
        book = load_workbook(io.BytesIO(render_xlsx(report, "zh")))
    products = [row[0] for row in book["按产品"].iter_rows(min_row=2, values_only=True)]
    assert '=HYPERLINK("http://x")' in products and "PB" in products  # text, not a formula
    cell = next(c for c in book["按产品"]["A"] if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"


def test_a_target_on_cases_raises_its_alert(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        build(session, HOURS)
        checked = service.check_alerts(
            session, Settings(database_url=db_url, kpi_targets={"cases": 10}),
            as_of=dt.date(2026, 6, 30), since=dt.date(2026, 6, 1),
        )  # fmt: skip
    assert any(a.metric == "cases" and a.kind == "target" for a in checked.alerts)


def test_an_alert_is_acknowledged_once(engine: Engine, db_url: str) -> None:
    with session_scope(engine) as session:
        build(session, HOURS)
        checked = service.check_alerts(session, settings(db_url), as_of=dt.date(2026, 6, 30))
        first = checked.alerts[0].id
        service.acknowledge(session, alert_id=first, user_name="alice", comment="8D opened")
        with pytest.raises(InputError, match="already acknowledged by alice"):
            service.acknowledge(session, alert_id=first, user_name="bob", comment="")
        with pytest.raises(InputError, match="NUL"):
            service.acknowledge(session, alert_id=checked.alerts[1].id, user_name="b",
                                comment="a\x00b")  # fmt: skip


def test_nul_characters_are_refused_with_422(
    client: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    body = {"metric": "ftfr", "value": 0.9, "product": "P\u0000"}
    assert client.put("/api/v1/kpi/targets", headers=admin, json=body).status_code == 422


@pytest.mark.parametrize(
    ("typed", "share", "value"),
    [("0.9", True, 0.9), ("90%", True, 0.9), ("90 %", True, 0.9), ("1,000", False, 1000.0),
     ("2,5", False, 2.5), ("24", False, 24.0)],
)  # fmt: skip
def test_targets_typed_on_the_page(typed: str, share: bool, value: float) -> None:
    assert _number(typed, share=share) == pytest.approx(value)


def test_a_percent_sign_only_for_shares() -> None:
    with pytest.raises(InputError, match="percent"):
        _number("90 %", share=False)
