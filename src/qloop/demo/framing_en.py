"""English framing around the symptom: openers, impact, requests, channel prefixes, alarms.

The impact sentences carry the severity (urgent / important / general) so it
can be recovered from the text when the severity column is left empty.
"""

from __future__ import annotations

DROP = (
    "fell from about {m} m",
    "slipped off a table (about {m} m)",
    "dropped from roughly {m} m",
    "fell {cm} cm onto a tiled floor",
)
PLACES = ("On the subway ", "Getting out of the car ", "At the office ", "At home ", "")
OPENERS_NEW = ("Bought it {days} days ago. ", "Got it {days} days ago. ", "Brand new {prod}. ")
OPENERS_WEEKS = ("Bought {days} days ago. ", "Had it about {weeks} weeks. ", "")
OPENERS_MONTHS = ("Had it for {months} months. ", "About {months} months old. ", "")
OPENERS_MACHINE = ("Machine in production for {months} months. ", "Installed {days} days ago. ", "")
REPEAT = (
    "Repaired less than a month ago and the same problem is back.",
    "Fixed {since} days ago and broken again, very disappointed.",
    "Second time reporting this.",
)
IMPACT = {
    "urgent": (
        "I'm worried it's a safety hazard and stopped using it.",
        "This is urgent, please act now!",
        "Kids at home, afraid it could catch fire. Urgent.",
    ),
    "important": (
        "Can't really use it anymore.",
        "I need it every day, please fix it soon.",
        "It's affecting normal use.",
    ),
    "general": (
        "Not urgent, but I'd like an answer.",
        "Still usable, just annoying.",
        "Whenever you have time.",
    ),
}
IMPACT_MACHINE = {
    "urgent": (
        "Production line is down, send an engineer immediately!",
        "Machine stopped, we cannot deliver our orders. Very urgent.",
    ),
    "important": (
        "Running at reduced speed, output affected, please schedule soon.",
        "Accuracy affected, need an engineer this week.",
    ),
    "general": ("No impact on production yet, check at next maintenance.",),
}
IMPACT_ARRIVAL = {
    "urgent": ("Unusable, I need a replacement right away!",),
    "important": (
        "Worried the product inside is damaged too, please send a new one.",
        "I don't trust this unit, please exchange it.",
    ),
    "general": (
        "Product seems OK, but I'd like an answer.",
        "Still usable, just annoying.",
        "Some compensation would be fine.",
    ),
}
IMPACT_SERVICE = {
    "urgent": ("This is urgent, I need an answer today!",),
    "important": (
        "This has cost me days, very unhappy, please respond soon.",
        "I want to file a complaint.",
    ),
    "general": ("Please improve.", "Not urgent, but I'd like an answer.", "Reply when you can."),
}
REQUESTS = (
    "Please replace it.",
    "Please arrange a repair.",
    "I want a refund.",
    "What should I do?",
    "",
)
PREFIX = {
    "hotline": ("Customer called: ", "Call note: ", "Caller says: "),
    "repair": ("Walk-in at service centre: ", "Service desk intake: "),
    "email": ("Hello, ", "Hi, ", ""),
    "survey": ("From satisfaction survey: ", "Survey follow-up: "),
    "ecommerce": ("", "1 star. ", "Review: "),
    "app": ("", "In-app feedback: "),
    "other": ("", "Via dealer: "),
}
FEATURES = {"PX9": "NFC", "WM7": "delay start", "SPK2": "multi-room", "CNC500": "tool offsets"}
ALARMS = {
    "spindle_vibration": (
        "Spindle vibration limit exceeded",
        "Spindle vibration {reading} mm/s exceeds limit 4.5 mm/s at {rpm} rpm.",
    ),
    "spindle_overheat": (
        "Spindle over temperature",
        "Spindle temperature {temp} C above limit 65 C.",
    ),
    "coolant_leak": ("Coolant level low", "Coolant level dropping fast, possible leak."),
    "servo_alarm": ("Servo alarm", "Servo alarm {code}, X axis encoder communication error."),
    "tool_changer_fault": ("Tool change timeout", "Tool changer timeout ATC-{code}."),
    "freeze": ("Controller not responding", "Controller heartbeat lost for over 5 minutes."),
}
ALARM_STATE = {
    "urgent": "Machine stopped automatically.",
    "important": "Machine still running, inspection requested.",
    "general": "Warning only, machine running.",
}
