"""Technician names, repair action notes and survey comments, in Chinese and English.

Repair notes and comments follow the case's language, the way the local
service team and the customer would write them.
"""

from __future__ import annotations

import random

from qloop.demo.catalog import CHINA_REGIONS

TECHNICIANS: dict[str, tuple[str, ...]] = {
    "华东": ("王磊", "陈晓东", "周敏", "吴俊杰", "徐海燕"),
    "华南": ("黄志强", "林晓峰", "梁静", "何伟"),
    "华北": ("张建军", "刘洋", "赵鹏", "孙丽"),
    "华中": ("李强", "胡斌", "邓晓雪"),
    "西南": ("杨帆", "罗勇", "唐欣"),
    "EU": ("Lukas Meyer", "Sofia Rossi", "Jan Kowalski", "Emma Laurent"),
    "NA": ("Mike Turner", "Carlos Diaz", "Jessica Nguyen"),
    "SEA": ("Nguyen Van Minh", "Siti Rahman", "Arjun Pillai", "Tan Wei Ming"),
}
# Machine tools are serviced by a small team of field engineers, not by the local shops.
FIELD_ENGINEERS_ZH = ("赵建国", "钱立新", "马永刚", "郑宏")
FIELD_ENGINEERS_EN = ("Thomas Becker", "Raj Menon", "Daniel Kraus")

# part code -> (Chinese name, English name), for the technician's note
PART_NAMES: dict[str, tuple[str, str]] = {
    "battery": ("电池", "battery"),
    "back_cover": ("后盖", "back cover"),
    "display_assembly": ("屏幕总成", "display assembly"),
    "front_glass": ("外屏玻璃", "front glass"),
    "touch_flex_cable": ("触摸排线", "touch flex cable"),
    "charging_port": ("充电口", "charging port"),
    "usb_board": ("尾插小板", "USB board"),
    "mainboard": ("主板", "mainboard"),
    "power_board": ("电源板", "power board"),
    "main_control_board": ("主控板", "main control board"),
    "power_adapter": ("电源适配器", "power adapter"),
    "thermal_pad": ("导热垫", "thermal pad"),
    "rear_camera": ("后置摄像头", "rear camera"),
    "camera_lens": ("摄像头镜片", "camera lens"),
    "middle_frame": ("中框", "middle frame"),
    "drain_pump": ("排水泵", "drain pump"),
    "drain_hose": ("排水管", "drain hose"),
    "filter": ("过滤器", "filter"),
    "shock_absorber": ("减震器", "shock absorbers"),
    "drum_bearing": ("滚筒轴承", "drum bearing"),
    "counterweight": ("配重块", "counterweight"),
    "heater": ("加热管", "heater"),
    "ntc_sensor": ("温度传感器", "NTC sensor"),
    "door_seal": ("门封圈", "door seal"),
    "clamp_ring": ("门封卡箍", "clamp ring"),
    "speaker_driver": ("喇叭单元", "speaker driver"),
    "amplifier_board": ("功放板", "amplifier board"),
    "spindle_bearing_set": ("主轴轴承组", "spindle bearing set"),
    "lock_nut": ("锁紧螺母", "lock nut"),
    "spindle_cartridge": ("主轴单元", "spindle cartridge"),
    "spindle_chiller": ("主轴冷却机", "spindle chiller"),
    "coolant_pump": ("冷却泵", "coolant pump"),
    "coolant_pump_seal": ("冷却泵密封", "coolant pump seal"),
    "coolant_hose": ("冷却液管", "coolant hose"),
    "servo_encoder_cable": ("编码器线缆", "encoder cable"),
    "servo_drive": ("伺服驱动器", "servo drive"),
    "atc_sensor": ("刀库传感器", "ATC sensor"),
    "atc_gripper": ("机械手夹爪", "ATC gripper"),
    "front_panel": ("前面板", "front panel"),
    "side_panel": ("侧板", "side panel"),
    "top_cover": ("顶盖", "top cover"),
    "guard_panel": ("防护罩", "guard panel"),
    "fabric_cover": ("布网罩", "fabric cover"),
}
# mode -> (Chinese, English) check done after replacing the parts
CHECKS: dict[str, tuple[str, str]] = {
    "battery_swelling": (
        "充放电测试正常，旧电池按危险品回收",
        "charge test OK, old cell to hazmat",
    ),
    "screen_crack": ("触摸测试正常", "touch test passed"),
    "touch_unresponsive": ("触摸测试正常", "touch test passed"),
    "spindle_vibration": (
        "做动平衡，振动降至1.2 mm/s，试切合格",
        "balanced, 1.2 mm/s, test cut OK",
    ),
    "door_seal_leak": ("注水测试无渗漏", "water test, no leak"),
    "spindle_overheat": ("主轴温升正常", "spindle temperature normal"),
    "tool_changer_fault": ("换刀测试100次无异常", "100 tool changes OK"),
}
GENERIC_CHECK = ("试机正常", "tested OK")
SOFTWARE_ACTIONS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("重新刷写固件，恢复正常", "升级到最新版本并恢复出厂设置"),
    ("Reflashed firmware, working normally", "Updated to latest version and factory reset"),
)
UNRESOLVED_ACTIONS: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        "检测未复现故障，建议继续观察",
        "初步处理后问题仍在，已申请备件",
        "现场调整后仍有异常，需二次上门",
    ),
    (
        "Could not reproduce, advised to monitor",
        "Issue persists after first fix, part ordered",
        "Adjusted on site, still faulty, second visit needed",
    ),
)
SECOND_VISIT = ("二次上门：", "Second visit: ")

COMMENTS: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    5: (
        ("师傅很专业，修得很快", "服务很好，点赞", "处理及时，很满意"),
        ("Quick and professional, thanks!", "Great service", "Fixed fast, very happy"),
    ),
    4: (
        ("总体满意，就是等得有点久", "还不错", "问题解决了，态度也好"),
        ("Good overall, a bit of waiting", "Fine, problem solved", "Nice technician"),
    ),
    3: (
        ("一般吧，来回跑了两趟", "问题解决了但是太慢", "沟通不太顺畅"),
        ("OK but took too long", "Average, had to call twice", "Solved, but slow"),
    ),
    2: (
        ("修了两次才好，浪费时间", "等了太久，没人主动联系", "不太满意"),
        ("Needed two visits, waste of time", "Waited far too long", "Not happy"),
    ),
    1: (
        ("非常失望，修完又坏了", "再也不买了", "投诉无门"),
        ("Very disappointed, broke again after repair", "Never again", "Terrible experience"),
    ),
}


def technician(rng: random.Random, region: str | None, product: str) -> str:
    """Who did the visit: a field engineer for machine tools, a local technician otherwise."""
    if product == "CNC500":
        pool = FIELD_ENGINEERS_ZH if region in CHINA_REGIONS else FIELD_ENGINEERS_EN
        return rng.choice(pool)
    return rng.choice(TECHNICIANS[region or "华东"])


def repair_action(
    rng: random.Random, lang: str, mode: str, resolved: bool | None, visit: int, parts: str
) -> str:
    """The technician's note, naming the parts fitted; empty while the visit is open."""
    if resolved is None:
        return ""
    index = 0 if lang == "zh" else 1
    if resolved is False:
        note = rng.choice(UNRESOLVED_ACTIONS[index])
    elif not parts:
        note = rng.choice(SOFTWARE_ACTIONS[index])
    else:
        names = [PART_NAMES[part][index] for part in parts.split(";")]
        check = CHECKS.get(mode, GENERIC_CHECK)[index]
        note = (
            f"更换{'、'.join(names)}，{check}"
            if index == 0
            else f"Replaced {' and '.join(names)}, {check}"
        )
    return SECOND_VISIT[index] + note if visit > 1 else note


def survey_comment(rng: random.Random, lang: str, score: int) -> str:
    """A short free-text comment matching the score."""
    return rng.choice(COMMENTS[score][0 if lang == "zh" else 1])
