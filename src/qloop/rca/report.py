"""An investigation exported as one document: self-contained HTML (inline CSS and SVG,
no script) and the same HTML as a landscape A4 PDF through WeasyPrint; XLSX is in
:mod:`qloop.rca.report_xlsx`. Suspects, time in service, 5-Why, fishbone and FMEA."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qloop.core import i18n
from qloop.core.clock import now
from qloop.rca.dossier import Dossier
from qloop.rca.report_charts import time_in_service_svg

_TEMPLATES = Path(__file__).parent / "templates"


def locale_of(lang: str) -> str:
    return "zh_CN" if lang.lower().startswith("zh") else "en"


def chart_labels(locale: str) -> dict[str, str]:
    gettext = i18n.gettext_for(locale)
    return {"others": gettext("all other values"), "x": gettext("Months in service"),
            "y": gettext("Failures per 1000 units (cumulative)")}  # fmt: skip


def render_investigation_html(dossier: Dossier, lang: str) -> str:
    locale = locale_of(lang)
    environment = Environment(loader=FileSystemLoader(_TEMPLATES),
                              autoescape=select_autoescape(["html"]))  # fmt: skip
    tis = dossier.time_in_service
    context = {
        "d": dossier,
        "inv": dossier.investigation,
        "chinese": locale == "zh_CN",
        "_": i18n.gettext_for(locale),
        "label": i18n.label_for(locale),
        "generated": now().strftime("%Y-%m-%d %H:%M"),
        "tis_svg": time_in_service_svg(tis, chart_labels(locale)) if tis is not None else "",
    }
    return environment.get_template("rca/report.html").render(context)


def render_investigation_pdf(dossier: Dossier, lang: str) -> bytes:
    from weasyprint import HTML  # loaded only for PDFs: it is slow to import

    pdf: bytes = HTML(string=render_investigation_html(dossier, lang)).write_pdf()
    return pdf
