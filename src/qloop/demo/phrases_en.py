"""English phrase pieces for case titles and descriptions, one entry per failure mode.

Same shape as :mod:`qloop.demo.phrases_zh`: (titles, symptoms, things tried)
per mode, with placeholders filled in by :mod:`qloop.demo.texts`.
"""

from __future__ import annotations

PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "battery_swelling": (
        (
            "Battery swelling",
            "Back cover pushed off",
            "Swollen battery",
            "Phone bulging at the back",
        ),
        (
            "The battery has swollen and pushed the back cover off.",
            "Noticed the phone got thicker while charging, there is a gap between back and frame.",
            "The screen is being pushed up from inside, looks like the battery is swelling.",
            "Phone wobbles on the table, the back is bulging in the middle.",
        ),
        ("I turned it off and stopped charging it.", "Never dropped it or got it wet."),
    ),
    "screen_crack": (
        ("Cracked screen", "Screen cracked after small drop", "Glass too fragile", "Screen broke"),
        (
            "{place}it {drop} and the screen cracked.",
            "It {drop}, now there is a spider web crack in the corner.",
            "It only {drop} and the glass shattered, way too fragile.",
            "Screen cracked after it {drop}. Touch still works.",
        ),
        (
            "It was in a case.",
            "Had a screen protector on.",
            "Touch still works but it cuts my finger.",
        ),
    ),
    "screen_crack_nodrop": (
        ("Screen cracked", "Crack appeared on screen"),
        (
            "Took it out of my bag and the screen had a crack, don't remember hitting anything.",
            "Found a crack across the display this morning.",
        ),
        ("It was in a case.",),
    ),
    "touch_unresponsive": (
        ("Touch not working", "Touchscreen unresponsive", "Ghost touches"),
        (
            "The bottom part of the touchscreen does not respond.",
            "Touch works only sometimes, typing is a nightmare.",
            "Screen registers phantom touches and opens random apps.",
        ),
        ("Restarted, no change.", "Removed the screen protector, same."),
    ),
    "spindle_vibration": (
        ("Spindle vibration", "Spindle noise and vibration", "Chatter marks on parts"),
        (
            "Strong spindle vibration above {rpm} rpm, chatter marks on the surface.",
            "Spindle makes noise, we measured {reading} mm/s on the housing.",
            "Finishing dimensions out of tolerance, spindle vibration is too high.",
            "Whole machine shakes at high spindle speed, surface finish rejected.",
        ),
        ("Reduced speed, still vibrating.", "Changed tool holder and tool, no change."),
    ),
    "door_seal_leak": (
        ("Door leaking water", "Washer door seal leak", "Water on the floor after wash"),
        (
            "Water leaks from under the door every wash, puddle on the floor.",
            "The door gasket is seeping water, worse during spin.",
            "Halfway through the cycle water ran out of the door, bathroom flooded.",
            "Door seal doesn't seem to close tight, water drips from the bottom of the door.",
        ),
        ("Checked the gasket for debris, nothing.", "Closed the door firmly, same."),
    ),
    "packaging_damage": (
        ("Damaged box", "Packaging crushed", "Box arrived torn"),
        (
            "The outer box was crushed at one corner and the foam was broken.",
            "Package arrived with a big hole in the carton.",
            "Box was wet and deformed, not sure if the product inside is OK.",
            "Outer packaging torn, tape looks like it was re-sealed.",
        ),
        ("Took photos in front of the courier.", "Product looks fine so far."),
    ),
    "charging_fault": (
        ("Not charging", "Charging very slow", "Loose charging port"),
        (
            "Nothing happens when I plug in, have to wiggle the cable to charge.",
            "Charged overnight and only at 50%.",
            "Keeps connecting and disconnecting while charging.",
            "Wireless charging works, cable charging does not.",
        ),
        ("Tried the original charger and another cable.", "Cleaned the port."),
    ),
    "no_power": (
        ("{prod} won't turn on", "Dead, no power", "No response at all"),
        (
            "The {prod} suddenly won't turn on, power button does nothing.",
            "Screen went black while using it and it never came back on.",
            "Plugged in but no light, completely dead.",
        ),
        ("Tried another outlet.", "Held the power button for 20 seconds.", "Charged overnight."),
    ),
    "overheating": (
        ("Phone overheating", "Gets very hot"),
        (
            "After ten minutes of video the phone is too hot to hold.",
            "Gets warm even on standby and the battery drains fast.",
            "Very hot when charging, shows a temperature warning.",
        ),
        ("Closed all background apps.",),
    ),
    "camera_fault": (
        ("Camera not working", "Rear camera blurry"),
        (
            "Camera app shows a black screen, says camera cannot connect.",
            "Rear camera can't focus, all photos are blurry.",
            "There is a purple spot on every photo.",
        ),
        ("Cleaned the lens.", "Cleared camera data."),
    ),
    "frame_bent": (
        ("Bent frame", "Frame dented after drop"),
        (
            "It {drop} and the frame got a dent, the volume key is stuck.",
            "{place}it {drop}, now the frame is bent and the screen edge lifts.",
        ),
        ("Screen itself did not break.",),
    ),
    "drain_fault": (
        ("Washer not draining", "Error E21, slow drain"),
        (
            "After the wash the drum is still full of water.",
            "Drains very slowly and shows E21.",
            "Stops before spin, water doesn't drain.",
        ),
        ("Cleaned the pump filter.", "Checked the drain hose, not kinked."),
    ),
    "abnormal_noise": (
        ("Loud noise during spin", "Washer making strange noise"),
        (
            "During spin it sounds like a tractor and the whole machine jumps.",
            "Metallic knocking sound while running.",
            "Loud humming from the drum, can't run it at night.",
        ),
        ("Levelled the feet.", "Transport bolts are removed."),
    ),
    "heating_fault": (
        ("Washer not heating", "Error E30"),
        ("Selected 60 degrees but the clothes come out cold.", "Shows E30 after heating a while."),
        ("Tried different programs.",),
    ),
    "speaker_distortion": (
        ("Speaker distortion", "Crackling sound"),
        (
            "Sound distorts at half volume.",
            "Buzzing noise on bass notes.",
            "Sound is muffled with a hiss.",
        ),
        ("Tried different songs.", "Factory reset, no change."),
    ),
    "spindle_overheat": (
        ("Spindle overheating", "Spindle temperature alarm"),
        (
            "Spindle reaches {temp} C after half an hour and slows down.",
            "Frequent spindle overheat alarms, chiller doesn't seem to cool.",
        ),
        ("Cleaned the chiller filter.",),
    ),
    "coolant_leak": (
        ("Coolant leak", "Coolant on the floor"),
        (
            "Coolant keeps leaking under the machine, floor is slippery.",
            "Leak near the coolant pump, level drops quickly.",
        ),
        ("Tightened the fittings.",),
    ),
    "servo_alarm": (
        ("Servo alarm", "X axis alarm"),
        (
            "X axis servo alarm {code}, machine stops.",
            "Z axis encoder alarm {code} comes back after reset.",
        ),
        ("Power cycled.", "Checked the cable connectors."),
    ),
    "tool_changer_fault": (
        ("Tool changer fault", "ATC stuck"),
        (
            "Tool changer arm gets stuck, ATC timeout.",
            "Magazine position is off, tool crash on change.",
        ),
        ("Homed the magazine manually.",),
    ),
    "app_crash": (
        ("App crashes", "App keeps closing", "App won't open"),
        (
            "The app crashes as soon as I open it, reinstalling didn't help.",
            "App closes by itself, mostly when connecting to the device.",
            "After the latest app update it crashes on every tap.",
        ),
        ("Reinstalled twice.", "Cleared the cache."),
    ),
    "freeze": (
        ("Freezes", "System hangs", "Stuck screen"),
        (
            "It freezes while in use and I have to force restart.",
            "The {prod} freezes several times a day.",
            "Interface hangs, nothing responds.",
        ),
        ("Works for a while after restart.", "Factory reset didn't help."),
    ),
    "update_failed": (
        ("Update failed", "Firmware update error"),
        (
            "Got the update notification, it fails halfway.",
            "After the firmware update it is stuck on the boot screen.",
            "Says update failed, retried many times.",
        ),
        ("Network is fine.", "Battery was full."),
    ),
    "wifi_disconnect": (
        ("WiFi keeps dropping", "Device offline", "Can't connect to WiFi"),
        (
            "Connects to WiFi, then drops after a few minutes.",
            "The app always shows the device as offline.",
            "Router is fine, only the {prod} won't stay connected.",
        ),
        ("Rebooted the router.", "Re-paired several times."),
    ),
    "scratch": (
        ("Arrived scratched", "Scratches on new unit"),
        (
            "Unboxed it and found several scratches on the back.",
            "Long scratch on the front of the {prod}, doesn't look new.",
            "Scratches on the housing, is this a refurbished unit?",
        ),
        ("I have an unboxing video.",),
    ),
    "dent": (
        ("Dent on arrival", "Housing dented"),
        (
            "Side panel is dented, it came like this.",
            "Big dent on top of the {prod}.",
            "The casing is dented.",
        ),
        ("Took photos at delivery.",),
    ),
    "delivery_delay": (
        ("Late delivery", "Order not shipped", "Delivery delayed"),
        (
            "Promised in three days, took {late} days.",
            "Tracking hasn't updated in days.",
            "Nobody came in the delivery slot and nobody answers the phone.",
        ),
        ("Contacted support several times.",),
    ),
    "technician_no_show": (
        ("Technician didn't show up", "Missed appointment"),
        (
            "Booked a morning visit, waited all day, nobody came.",
            "The technician never showed up and nobody told me.",
            "Rescheduled twice, still no visit.",
        ),
        ("Took half a day off work for this.",),
    ),
    "rude_service": (
        ("Rude support", "Bad service experience"),
        (
            "The support agent was impatient and hung up on me.",
            "The technician was rude and charged extra fees.",
            "Called several times, got passed around.",
        ),
        ("I have the call recorded.",),
    ),
    "manual_unclear": (
        ("Manual unclear", "How do I set this up?"),
        (
            "The manual is too short, can't find how to set up {feature}.",
            "Followed the manual but still can't use {feature}.",
            "Manual doesn't match the screens, where is {feature}?",
        ),
        ("Searched online, nothing.",),
    ),
    "other": (
        ("Warranty question", "Invoice question", "Buying accessories"),
        (
            "How can I check the warranty of my {prod}?",
            "The invoice has the wrong company name.",
            "Where can I buy an original accessory?",
        ),
        (),
    ),
}
