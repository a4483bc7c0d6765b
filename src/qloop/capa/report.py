"""A corrective action plan as its 8D report: self-contained HTML (inline CSS and SVG, no
script) and the same HTML as a landscape A4 PDF through WeasyPrint, in English or Chinese.

:func:`build_8d` gathers the content once (the plan's page view, the fishbone drawing, the
FMEA worksheet, the recorded containment and verification with every key present); the
XLSX (:mod:`qloop.capa.report_xlsx`) and DOCX (:mod:`qloop.capa.report_docx`) exports use
it and the formatting helpers here, so the three documents show the same figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from qloop.capa.plan_view import PlanView, build_plan_view
from qloop.capa.verification_text import shown_message
from qloop.core import i18n
from qloop.core.clock import now
from qloop.rca import fmea
from qloop.rca.fishbone_drawing import investigation_fishbone_svg
from qloop.rca.report import locale_of

_TEMPLATES = Path(__file__).parent / "templates"
DASH = "—"
#: the audit entries the report lists (newest first); it counts them all
AUDIT_SHOWN = 10
#: old and new values of an audit entry are cut to this many characters
AUDIT_TEXT = 120
COUNTS = ("units", "shipped", "not_shipped", "with_cases")
#: copied as stored (the message is built in the report's language: verification_figures)
_VERIFICATION_KEYS = ("rate_ratio", "reduction", "ci_low", "ci_high", "p_value", "verdict",
                      "confidence", "window_days", "cohort", "as_of", "change_date",
                      "failure_mode", "product")  # fmt: skip


class Figure(NamedTuple):
    """One row of the verification figures: its label, the raw value, the value as shown."""

    label: str
    value: Any
    text: str
    #: how a workbook shows the value
    number_format: str = "General"


@dataclass(frozen=True)
class Report8D:
    view: PlanView
    locale: str
    fishbone_svg: str
    fmea: list[fmea.FmeaLine]
    #: the recorded containment summary with every count present, or None
    containment: dict[str, Any] | None
    #: the recorded verification with every figure present (None where unknown), or None
    verification: dict[str, Any] | None
    generated: str

    @property
    def chinese(self) -> bool:
        return self.locale == "zh_CN"

    def gettext(self) -> Callable[[str], str]:
        return i18n.gettext_for(self.locale)

    def label(self) -> Callable[[str | None], str]:
        return i18n.label_for(self.locale)

    def last_changes(self) -> list[Any]:
        return list(reversed(self.view.audit[-AUDIT_SHOWN:]))


def build_8d(session: Session, plan_id: int, lang: str) -> Report8D:
    stamp = now()
    view = build_plan_view(session, plan_id, stamp.date())
    locale = locale_of(lang)
    plan = view.plan
    return Report8D(
        view=view,
        locale=locale,
        fishbone_svg=investigation_fishbone_svg(session, view.investigation.id, locale),
        fmea=fmea.worksheet(session, view.investigation.id),
        containment=containment_figures(plan.containment),
        verification=verification_figures(plan.verification, i18n.gettext_for(locale)),
        generated=stamp.strftime("%Y-%m-%d %H:%M"),
    )


def containment_figures(summary: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not summary:
        return None
    regions = summary.get("by_region") or {}
    return {
        "filter": dict(summary.get("filter") or {}),
        **{key: summary.get(key) for key in COUNTS},
        "by_region": {str(region): {key: (counts or {}).get(key) for key in COUNTS}
                      for region, counts in regions.items()},
    }  # fmt: skip


def verification_figures(
    result: Mapping[str, Any] | None, gettext: Callable[[str], str]
) -> dict[str, Any] | None:
    """The stored verification's figures, its message in the report's language."""
    if not result:
        return None
    figures: dict[str, Any] = {key: result.get(key) for key in _VERIFICATION_KEYS}
    figures["message"] = shown_message(result, gettext)
    for side in ("before", "after"):
        given = result.get(side) or {}
        figures[side] = {key: given.get(key) for key in ("units", "failures", "rate")}
    return figures


def filter_text(found: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    """A containment filter in a line: product · attribute = value · built … · as of …"""
    parts = [str(found.get("product") or DASH)]
    parts += [f"{c.get('attribute')} = {c.get('value')}" for c in found.get("conditions") or []]
    if found.get("built_from") or found.get("built_to"):
        span = f"{found.get('built_from') or '…'} – {found.get('built_to') or '…'}"
        parts.append(f"{gettext('built')} {span}")
    if found.get("failure_mode"):
        parts.append(f"{gettext('Failure mode')} {found['failure_mode']}")
    if found.get("as_of"):
        parts.append(f"{gettext('as of')} {found['as_of']}")
    return " · ".join(parts)


def verification_rows(
    r: Mapping[str, Any], gettext: Callable[[str], str], label: Callable[[str | None], str]
) -> list[Figure]:
    """The recorded verification as label/value rows (the XLSX sheet, the DOCX table)."""
    _ = gettext
    verdict = r.get("verdict")
    rows = [Figure(_("Verdict"), label(f"verdict_{verdict}") if verdict else None,
                   label(f"verdict_{verdict}") if verdict else DASH)]  # fmt: skip
    for side, name in (("before", _("Before")), ("after", _("After"))):
        units, failures, rate = (r[side][key] for key in ("units", "failures", "rate"))
        rows += [
            Figure(f"{name} · {_('Units')}", units, count(units)),
            Figure(f"{name} · {_('Failures')}", failures, count(failures)),
            Figure(f"{name} · {_('Rate')}", rate, pct(rate), "0.000%"),
        ]
    level = pct(r.get("confidence"), "%.0f%%")
    rows += [
        Figure(_("Rate ratio"), r.get("rate_ratio"), num(r.get("rate_ratio"))),
        Figure(f"{_('CI low')} ({level})", r.get("ci_low"), num(r.get("ci_low"))),
        Figure(f"{_('CI high')} ({level})", r.get("ci_high"), num(r.get("ci_high"))),
        Figure(_("Reduction"), r.get("reduction"), pct(r.get("reduction"), "%.0f%%"), "0%"),
        Figure("p", r.get("p_value"), num(r.get("p_value"), "%.2g")),
        Figure(_("Days in service"), r.get("window_days"), dash(r.get("window_days"))),
        Figure(_("Cohort"), r.get("cohort"), cohort_text(r.get("cohort"), _)),
        Figure(_("Change date"), r.get("change_date"), dash(r.get("change_date"))),
        Figure(_("As of"), r.get("as_of"), dash(r.get("as_of"))),
        Figure(_("Message"), r.get("message"), dash(r.get("message"))),
    ]
    return rows


def cohort_text(cohort: Any, gettext: Callable[[str], str]) -> str:
    """How a verification split the units: by production or by ship date."""
    names = {"production": gettext("production date"), "ship": gettext("ship date")}
    return names.get(str(cohort), dash(cohort))


def dash(value: Any) -> str:
    """A value as text, "—" when there is none."""
    return DASH if value is None or value == "" else str(value)


def count(value: Any) -> str:
    return _formatted(value, lambda v: f"{int(v):,}")


def num(value: Any, spec: str = "%.3f") -> str:
    return _formatted(value, lambda v: spec % float(v))


def pct(value: Any, spec: str = "%.3f%%") -> str:
    return _formatted(value, lambda v: spec % (100 * float(v)))


def clip(text: str | None, limit: int = AUDIT_TEXT) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _formatted(value: Any, format_value: Callable[[Any], str]) -> str:
    if value is None or value == "":
        return DASH
    try:
        return format_value(value)
    except (TypeError, ValueError):  # a figure recorded as text shows as it is
        return str(value)


def render_8d_html(session: Session, plan_id: int, lang: str) -> str:
    return render_report_html(build_8d(session, plan_id, lang))


def render_report_html(report: Report8D) -> str:
    environment = Environment(loader=FileSystemLoader(_TEMPLATES),
                              autoescape=select_autoescape(["html"]))  # fmt: skip
    environment.filters.update(dash=dash, count=count, num=num, pct=pct, clip=clip)
    gettext = report.gettext()
    context = {
        "r": report,
        "v": report.view,
        "plan": report.view.plan,
        "inv": report.view.investigation,
        "chinese": report.chinese,
        "_": gettext,
        "label": report.label(),
        "cohort_text": cohort_text,
        "filter_text": (
            filter_text(report.containment["filter"], gettext) if report.containment else ""
        ),
    }
    return environment.get_template("capa/report_8d.html").render(context)


def render_8d_pdf(session: Session, plan_id: int, lang: str) -> bytes:
    from weasyprint import HTML  # loaded only for PDFs: it is slow to import

    pdf: bytes = HTML(string=render_8d_html(session, plan_id, lang)).write_pdf()
    return pdf
