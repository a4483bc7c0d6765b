"""Case titles and descriptions assembled from phrase pieces, the way customers write.

A description is a channel prefix, maybe how long they have had the product,
a symptom (always, so the failure mode can be read from the text), maybe
what they tried, a note if it is a repeat, an impact sentence that conveys
the severity, and maybe a request. Drawing each piece separately gives many
different sentences per mode instead of one fixed line. Machine alarms
(channel iot) are terse generated messages instead.
"""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

from qloop.demo import framing_en, framing_zh, phrases_en, phrases_zh
from qloop.demo.catalog import PRODUCT_BY_CODE
from qloop.demo.modes import MODES
from qloop.demo.records import Case

ModeTexts = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # titles, symptoms, tried


def _framing(lang: str) -> ModuleType:
    """The language's framing pieces (openers, impact, prefixes, alarms)."""
    return framing_zh if lang == "zh" else framing_en


def _mode_phrases(lang: str) -> dict[str, ModeTexts]:
    """The language's per-mode (titles, symptoms, things tried)."""
    return phrases_zh.PHRASES if lang == "zh" else phrases_en.PHRASES


def _height_words(height: float) -> dict[str, str]:
    metres = f"{height:.2f}".rstrip("0").rstrip(".")
    return {"m": metres, "cm": str(round(height * 100))}


def _on_table(phrase: str) -> bool:
    return "桌" in phrase or "table" in phrase


def _drop(rng: random.Random, lang: str, height: float | None) -> str:
    if height is None:
        return ""
    # Nobody drops a phone from a 1.5 m table.
    drops: tuple[str, ...] = _framing(lang).DROP
    options = [p for p in drops if height < 1.0 or not _on_table(p)]
    return rng.choice(options).format(**_height_words(height))


def _values(rng: random.Random, case: Case) -> dict[str, Any]:
    """Everything a phrase may mention, drawn consistently with the case's data."""
    spec = PRODUCT_BY_CODE[case.product]
    days = 0
    if case.unit is not None and case.unit.ship_date is not None:
        days = (case.received_at.date() - case.unit.ship_date).days
    since = 0
    if case.repeat_of is not None and case.repeat_of.closed_at is not None:
        since = (case.received_at - case.repeat_of.closed_at).days
    rpm_max = 12000
    if case.unit is not None and case.unit.attrs.get("spindle_rpm_max"):
        rpm_max = int(case.unit.attrs["spindle_rpm_max"])
    drop = _drop(rng, case.lang, case.drop_height)
    return {
        "prod": spec.name_zh if case.lang == "zh" else spec.name_en,
        "days": days,
        "weeks": max(1, days // 7),
        "months": max(1, round(days / 30)),
        "since": max(1, since),
        "drop": drop,
        "place": "" if _on_table(drop) else rng.choice(_framing(case.lang).PLACES),
        "reading": f"{case.vibration:.1f}" if case.vibration is not None else "",
        "rpm": rng.randrange(8000, rpm_max + 1, 500),
        "temp": rng.randint(68, 86),
        "code": rng.randint(401, 436),
        "late": rng.randint(6, 15),
        "feature": _framing(case.lang).FEATURES[case.product],
    }


def _opener(rng: random.Random, case: Case, values: dict[str, Any]) -> str:
    words = _framing(case.lang)
    if case.unit is None or rng.random() >= 0.6:
        return ""
    if case.product == "CNC500":
        pool = words.OPENERS_MACHINE
    elif values["days"] < 15:
        pool = words.OPENERS_NEW
    elif values["days"] < 60:
        pool = words.OPENERS_WEEKS
    else:
        pool = words.OPENERS_MONTHS
    return str(rng.choice(pool).format(**values))


def _sentence(text: str, lang: str) -> str:
    """Close a phrase as a sentence in its language (English pieces carry their own stop)."""
    text = text.strip()
    if not text:
        return ""
    if lang == "zh":
        return text if text[-1] in "。！？" else text + "。"
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def _alarm_text(case: Case, values: dict[str, Any]) -> tuple[str, str]:
    words = _framing(case.lang)
    title, body = words.ALARMS[case.mode]
    serial = case.unit.serial if case.unit is not None else ""
    state = words.ALARM_STATE[case.severity]
    if case.lang == "zh":
        return f"【设备告警】{title}", f"设备 {serial}：{body.format(**values)}{state}"
    return f"[IoT] {title}", f"[IoT alarm] Machine {serial}: {body.format(**values)} {state}"


def case_text(rng: random.Random, case: Case) -> tuple[str, str]:
    """Return (title, description) for a case in its language."""
    values = _values(rng, case)
    if case.channel == "iot":
        return _alarm_text(case, values)
    words = _framing(case.lang)
    key = case.mode
    if key == "screen_crack" and case.drop_height is None:
        key = "screen_crack_nodrop"
    titles, symptoms, tried = _mode_phrases(case.lang)[key]
    if case.mode == "spindle_vibration":
        with_reading = tuple(s for s in symptoms if "{reading}" in s)
        without = tuple(s for s in symptoms if "{reading}" not in s)
        symptoms = with_reading if case.vibration is not None else without
    lang = case.lang
    symptom = rng.choice(symptoms).format(**values)
    sentences = [_sentence(_opener(rng, case, values) + symptom, lang)]
    if tried and rng.random() < 0.45:
        sentences.append(_sentence(rng.choice(tried), lang))
    if case.repeat_of is not None:
        sentences.append(_sentence(rng.choice(words.REPEAT).format(**values), lang))
    category = MODES[case.mode].category
    if category in ("packaging", "cosmetic"):
        impact = words.IMPACT_ARRIVAL
    elif category in ("service", "usability", "other"):
        impact = words.IMPACT_SERVICE
    elif case.product == "CNC500":
        impact = words.IMPACT_MACHINE
    else:
        impact = words.IMPACT
    sentences.append(_sentence(rng.choice(impact[case.severity]), lang))
    if category not in ("service", "usability", "other") and rng.random() < 0.6:
        sentences.append(_sentence(rng.choice(words.REQUESTS), lang))
    joiner = "" if lang == "zh" else " "
    body = joiner.join(s for s in sentences if s)
    prefix = rng.choice(words.PREFIX[case.channel])
    if lang == "en" and prefix.endswith(", ") and not body.startswith(("I ", "I'")):
        body = body[0].lower() + body[1:]
    title = rng.choice(titles).format(**values)
    return title, prefix + body
