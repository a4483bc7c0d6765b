"""Failure modes: category, severity and channel mix, repair parts and background volume.

One table instead of per-mode code so the generator treats every mode the
same way; only the planted modes get extra logic in :mod:`qloop.demo.cases`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Mix = tuple[tuple[str, float], ...]

HARDWARE: Mix = (
    ("hotline", 0.36),
    ("repair", 0.24),
    ("app", 0.14),
    ("ecommerce", 0.1),
    ("email", 0.08),
    ("survey", 0.03),
    ("other", 0.05),
)
SOFTWARE: Mix = (
    ("app", 0.35),
    ("hotline", 0.28),
    ("ecommerce", 0.14),
    ("email", 0.1),
    ("repair", 0.08),
    ("survey", 0.02),
    ("other", 0.03),
)
ARRIVAL: Mix = (
    ("ecommerce", 0.68),
    ("hotline", 0.14),
    ("app", 0.1),
    ("email", 0.05),
    ("other", 0.03),
)
DELIVERY: Mix = (("ecommerce", 0.6), ("hotline", 0.3), ("app", 0.1))
NO_SHOW: Mix = (("hotline", 0.6), ("app", 0.2), ("survey", 0.1), ("email", 0.1))
RUDE: Mix = (("survey", 0.4), ("hotline", 0.3), ("email", 0.2), ("ecommerce", 0.1))
MANUAL: Mix = (("ecommerce", 0.35), ("hotline", 0.3), ("email", 0.2), ("app", 0.15))
OTHER: Mix = (("other", 0.5), ("email", 0.3), ("hotline", 0.2))
# Industrial customers call or mail the service desk; connected machines raise alarms (iot).
CNC_CHANNELS: Mix = (("hotline", 0.55), ("email", 0.25), ("repair", 0.1), ("other", 0.1))

URGENT: Mix = (("urgent", 0.8), ("important", 0.2))
SERIOUS: Mix = (("important", 0.7), ("urgent", 0.1), ("general", 0.2))
MINOR: Mix = (("general", 0.75), ("important", 0.25))
LEAK: Mix = (("important", 0.7), ("urgent", 0.2), ("general", 0.1))
BOXED: Mix = (("general", 0.85), ("important", 0.15))
CRACK: Mix = (("important", 0.55), ("general", 0.45))
LOOKS: Mix = (("general", 0.85), ("important", 0.15))
VISIT: Mix = (("important", 0.7), ("general", 0.3))
TONE: Mix = (("general", 0.7), ("important", 0.3))
ASK: Mix = (("general", 0.95), ("important", 0.05))
INFO: Mix = (("general", 1.0),)


@dataclass(frozen=True)
class Mode:
    """How cases of one failure mode look and are handled."""

    code: str
    category: str
    severities: Mix
    channels: Mix
    repair_share: float  # share of cases with a serial that get a repair visit
    delay_days: tuple[int, int]  # when after shipping the problem is reported
    iot_share: float = 0.0  # CNC500 only: share raised by the machine itself
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # product -> options
    background: dict[str, int] = field(default_factory=dict)  # product -> case count


# code, category, severities, channels, repair share, delay days, iot share
_TABLE: tuple[tuple[str, str, Mix, Mix, float, tuple[int, int], float], ...] = (
    # planted: volume set in scenarios.py
    ("battery_swelling", "electrical", URGENT, HARDWARE, 0.92, (45, 270), 0.0),
    ("screen_crack", "mechanical", CRACK, HARDWARE, 0.85, (1, 600), 0.0),
    ("spindle_vibration", "mechanical", URGENT, CNC_CHANNELS, 0.97, (15, 160), 0.6),
    ("door_seal_leak", "mechanical", LEAK, HARDWARE, 0.9, (20, 330), 0.0),
    ("packaging_damage", "packaging", BOXED, ARRIVAL, 0.0, (1, 7), 0.0),
    # background hardware
    ("touch_unresponsive", "electrical", SERIOUS, HARDWARE, 0.85, (5, 400), 0.0),
    ("charging_fault", "electrical", SERIOUS, HARDWARE, 0.8, (5, 400), 0.0),
    ("no_power", "electrical", SERIOUS, HARDWARE, 0.85, (1, 400), 0.0),
    ("overheating", "electrical", SERIOUS, HARDWARE, 0.6, (5, 400), 0.0),
    ("camera_fault", "electrical", MINOR, HARDWARE, 0.8, (5, 400), 0.0),
    ("frame_bent", "mechanical", MINOR, HARDWARE, 0.7, (5, 400), 0.0),
    ("drain_fault", "mechanical", SERIOUS, HARDWARE, 0.9, (10, 400), 0.0),
    ("abnormal_noise", "mechanical", MINOR, HARDWARE, 0.85, (10, 400), 0.0),
    ("heating_fault", "electrical", SERIOUS, HARDWARE, 0.9, (10, 400), 0.0),
    ("speaker_distortion", "electrical", MINOR, HARDWARE, 0.8, (5, 400), 0.0),
    ("spindle_overheat", "mechanical", URGENT, CNC_CHANNELS, 0.95, (10, 400), 0.5),
    ("coolant_leak", "mechanical", SERIOUS, CNC_CHANNELS, 0.95, (10, 400), 0.4),
    ("servo_alarm", "electrical", URGENT, CNC_CHANNELS, 0.95, (10, 400), 0.6),
    ("tool_changer_fault", "mechanical", SERIOUS, CNC_CHANNELS, 0.95, (10, 400), 0.5),
    # software
    ("app_crash", "software", MINOR, SOFTWARE, 0.08, (1, 400), 0.0),
    ("freeze", "software", MINOR, SOFTWARE, 0.15, (1, 400), 0.3),
    ("update_failed", "software", MINOR, SOFTWARE, 0.12, (1, 400), 0.0),
    ("wifi_disconnect", "software", MINOR, SOFTWARE, 0.05, (1, 400), 0.0),
    # cosmetic, on arrival
    ("scratch", "cosmetic", LOOKS, ARRIVAL, 0.3, (1, 10), 0.0),
    ("dent", "cosmetic", LOOKS, ARRIVAL, 0.3, (1, 10), 0.0),
    # service and usability
    ("delivery_delay", "service", MINOR, DELIVERY, 0.0, (1, 8), 0.0),
    ("technician_no_show", "service", VISIT, NO_SHOW, 0.0, (3, 120), 0.0),
    ("rude_service", "service", TONE, RUDE, 0.0, (3, 300), 0.0),
    ("manual_unclear", "usability", ASK, MANUAL, 0.0, (1, 30), 0.0),
    ("other", "other", INFO, OTHER, 0.0, (1, 300), 0.0),
)

# mode -> product -> replaced part options (";"-separated when several parts go in)
PARTS: dict[str, dict[str, tuple[str, ...]]] = {
    "battery_swelling": {"PX9": ("battery;back_cover", "battery")},
    "screen_crack": {"PX9": ("display_assembly", "front_glass")},
    "spindle_vibration": {
        "CNC500": ("spindle_bearing_set;lock_nut", "spindle_bearing_set", "spindle_cartridge")
    },
    "door_seal_leak": {"WM7": ("door_seal", "door_seal;clamp_ring")},
    "touch_unresponsive": {"PX9": ("display_assembly", "touch_flex_cable")},
    "charging_fault": {"PX9": ("charging_port", "usb_board", "usb_board;battery")},
    "no_power": {
        "PX9": ("mainboard", "battery"),
        "WM7": ("power_board", "main_control_board"),
        "SPK2": ("power_adapter", "mainboard"),
    },
    "overheating": {"PX9": ("thermal_pad", "mainboard")},
    "camera_fault": {"PX9": ("rear_camera", "rear_camera;camera_lens")},
    "frame_bent": {"PX9": ("middle_frame", "middle_frame;back_cover")},
    "drain_fault": {"WM7": ("drain_pump", "drain_hose", "drain_pump;filter")},
    "abnormal_noise": {"WM7": ("shock_absorber", "drum_bearing", "shock_absorber;counterweight")},
    "heating_fault": {"WM7": ("heater", "ntc_sensor", "heater;ntc_sensor")},
    "speaker_distortion": {"SPK2": ("speaker_driver", "amplifier_board")},
    "spindle_overheat": {"CNC500": ("spindle_chiller", "coolant_pump")},
    "coolant_leak": {"CNC500": ("coolant_pump_seal", "coolant_hose")},
    "servo_alarm": {"CNC500": ("servo_encoder_cable", "servo_drive")},
    "tool_changer_fault": {"CNC500": ("atc_sensor", "atc_gripper")},
    "scratch": {"PX9": ("back_cover",), "WM7": ("front_panel",), "SPK2": ("fabric_cover",)},
    "dent": {"WM7": ("side_panel", "top_cover"), "CNC500": ("guard_panel",)},
}

# mode -> product -> number of background cases (uniform over that product's units)
BACKGROUND: dict[str, dict[str, int]] = {
    "touch_unresponsive": {"PX9": 12},
    "charging_fault": {"PX9": 60},
    "no_power": {"PX9": 30, "WM7": 18, "SPK2": 16},
    "overheating": {"PX9": 20},
    "camera_fault": {"PX9": 22},
    "frame_bent": {"PX9": 18},
    "drain_fault": {"WM7": 40},
    "abnormal_noise": {"WM7": 35},
    "heating_fault": {"WM7": 25},
    "speaker_distortion": {"SPK2": 24},
    "spindle_overheat": {"CNC500": 12},
    "coolant_leak": {"CNC500": 10},
    "servo_alarm": {"CNC500": 14},
    "tool_changer_fault": {"CNC500": 10},
    "app_crash": {"PX9": 40, "WM7": 8, "SPK2": 16},
    "freeze": {"PX9": 25, "SPK2": 8, "CNC500": 6},
    "update_failed": {"PX9": 18, "WM7": 8, "SPK2": 12, "CNC500": 3},
    "wifi_disconnect": {"WM7": 12, "SPK2": 28},
    "scratch": {"PX9": 28, "WM7": 10, "SPK2": 8},
    "dent": {"WM7": 14, "CNC500": 4},
    "delivery_delay": {"PX9": 22, "WM7": 25, "SPK2": 10, "CNC500": 5},
    "technician_no_show": {"PX9": 3, "WM7": 22, "CNC500": 8},
    "rude_service": {"PX9": 10, "WM7": 10, "SPK2": 4, "CNC500": 3},
    "manual_unclear": {"PX9": 10, "WM7": 12, "SPK2": 10, "CNC500": 4},
    "other": {"PX9": 10, "WM7": 8, "SPK2": 5, "CNC500": 3},
}

MODES: dict[str, Mode] = {
    row[0]: Mode(*row, parts=PARTS.get(row[0], {}), background=BACKGROUND.get(row[0], {}))
    for row in _TABLE
}
