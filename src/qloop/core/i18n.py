"""English and Simplified Chinese for everything a person reads.

Source strings are English; ``core/locales/<locale>/LC_MESSAGES/messages.po``
holds the translations (Babel catalogs). The catalogs are compiled in memory
when first used, so no build step and no binary file is needed. Codes such as
``in_progress`` are shown through :data:`LABELS`, then translated.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("en", "zh_CN")
DEFAULT_LOCALE = "en"
LOCALE_NAMES = {"en": "English", "zh_CN": "中文"}
_CATALOGS = Path(__file__).parent / "locales"

#: codes stored in the database, as people read them (in English; the catalog translates)
LABELS = {
    "new": "New",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "closed": "Closed",
    "urgent": "Urgent",
    "important": "Important",
    "general": "General",
    "hotline": "Hotline",
    "ecommerce": "E-commerce review",
    "repair": "Repair record",
    "survey": "Survey",
    "app": "App",
    "email": "Email",
    "iot": "IoT alarm",
    "other": "Other",
    "admin": "Admin",
    "engineer": "Engineer",
    "owner": "Owner",
    "viewer": "Viewer",
    "auto": "automatic",
    "imported": "from the import file",
    "user": "set by a person",
    "soon_after_repair": "Failed soon after a repair",
    "repeat_repair": "Repeat repair of this unit",
    "escalation": "Many cases of this failure mode on this product",
    "default": "No urgent or important signal",
    "learned_hazard_signal": "Learned hazard signal",
    "investigation_open": "Awaiting analysis",
    "investigation_analysing": "Analysing",
    "investigation_cause_confirmed": "Root cause confirmed",
    "investigation_closed": "Closed",
    "alert_trend": "Trend",
    "alert_target": "Target missed",
    "alert_emerging": "Emerging issue",
    "product": "Product",
    "region": "Region",
    "channel": "Channel",
    "category": "Category",
    "man": "Man",
    "machine": "Machine",
    "material": "Material",
    "method": "Method",
    "measurement": "Measurement",
    "environment": "Environment",
    "suspected": "Suspected",
    "confirmed": "Confirmed",
    "ruled_out": "Ruled out",
    "plan_open": "In work",
    "plan_closed": "Closed",
    "closure_effective": "Effective",
    "closure_not_effective": "Not effective",
    "closure_override": "Closed by override",
    "action_open": "Not started",
    "action_in_progress": "In progress",
    "action_done": "Done",
    "action_verified": "Verified",
    "action_rejected": "Rejected",
    "claim_draft": "Draft",
    "claim_submitted": "Submitted",
    "claim_accepted": "Accepted",
    "claim_rejected": "Rejected",
    "claim_paid": "Paid",
    "verdict_effective": "Effective",
    "verdict_not_yet_significant": "Not yet significant",
    "verdict_not_effective": "Not effective",
    "rd": "R&D",
    "purchasing": "Purchasing / supplier quality",
    "manufacturing": "Manufacturing",
    "supply_chain": "Supply chain",
    "service": "After-sales service",
    "kb_failure_case": "Failure case",
    "kb_repair_sop": "Repair SOP",
    "kb_faq": "FAQ",
    "kb_design_lesson": "Design lesson",
    "kb_draft": "Draft",
    "kb_published": "Published",
    "kb_retired": "Retired",
    "kb_to_draft": "Back to draft",
    "kb_to_published": "Publish",
    "kb_to_retired": "Retire",
}


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of ``locale``; English needs none."""
    path = _CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext_for(locale: str) -> Callable[[str], str]:
    return translations(locale).gettext


def label_for(locale: str) -> Callable[[str | None], str]:
    """Show a stored code (``in_progress``) as words in the locale; unknown codes as they are."""
    gettext = gettext_for(locale)

    def label(code: str | None) -> str:
        if code is None:
            return ""
        text = LABELS.get(str(code))
        return gettext(text) if text else str(code)

    return label


def negotiate(preferred: str | None, accept_language: str | None) -> str:
    """The user's own choice if any, else the first supported language the browser asks for."""
    if preferred in LOCALES:
        return preferred
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower().replace("-", "_")
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE
