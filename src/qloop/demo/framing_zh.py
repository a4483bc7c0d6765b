"""Chinese framing around the symptom: openers, impact, requests, channel prefixes, alarms.

The impact sentences carry the severity (urgent / important / general) so it
can be recovered from the text when the severity column is left empty.
"""

from __future__ import annotations

DROP = (
    "从{cm}厘米左右高的地方掉下去",
    "从大概{m}米高的桌子上滑落",
    "手没拿稳，从{m}米左右掉到地上",
    "从{cm}公分高摔到瓷砖地上",
)
PLACES = ("在地铁上", "下车的时候", "做饭的时候", "在办公室", "走路的时候", "在家里", "")
OPENERS_NEW = ("刚买{days}天，", "收到货第{days}天，", "新买的{prod}，")
OPENERS_WEEKS = ("买了{days}天，", "用了{weeks}周左右，", "买了不到两个月，")
OPENERS_MONTHS = ("用了{months}个月，", "买了大概{months}个月，", "{prod}用了{months}个多月了，")
OPENERS_MACHINE = ("设备安装调试完运行了{months}个月，", "机床交付{days}天，", "")
REPEAT = (
    "上次修好还不到一个月，又出现同样的问题。",
    "{since}天前刚修过，现在又坏了，太失望了。",
    "这是第二次报修了。",
)
IMPACT = {
    "urgent": (
        "担心有安全隐患，现在完全不敢用了。",
        "情况很紧急，请马上处理！",
        "家里有老人小孩，怕出事，请尽快！",
    ),
    "important": (
        "现在基本没法正常使用，影响很大。",
        "每天都要用，很不方便，希望尽快解决。",
        "已经影响正常使用了。",
    ),
    "general": (
        "不算太急，但希望给个说法。",
        "不影响使用，就是心里不舒服。",
        "有空的时候帮忙看看就行。",
    ),
}
IMPACT_MACHINE = {
    "urgent": ("整条生产线已经停了，请立刻派工程师！", "设备停机，订单交不了货，非常紧急。"),
    "important": ("设备还能降速运行，但影响产能，请尽快安排。", "精度受影响，请这周内安排工程师。"),
    "general": ("暂不影响生产，下次保养时处理即可。",),
}
IMPACT_ARRIVAL = {
    "urgent": ("东西完全没法用，要求马上换货！",),
    "important": ("担心里面的机器也被摔坏了，要求换新。", "这样的东西我不敢用，请给换一台。"),
    "general": (
        "东西看着还能用，但希望给个说法。",
        "不影响使用，就是心里不舒服。",
        "给点补偿就行。",
    ),
}
IMPACT_SERVICE = {
    "urgent": ("非常紧急，今天必须给我答复！",),
    "important": ("已经耽误了好几天，非常不满意，请尽快答复。", "严重影响了我的安排，我要投诉。"),
    "general": ("希望以后改进。", "不算太急，但希望给个说法。", "有空的时候回复一下就行。"),
}
REQUESTS = (
    "希望尽快换新。",
    "请安排维修。",
    "要求退货。",
    "请问怎么处理？",
    "麻烦尽快安排售后。",
    "",
)
PREFIX = {
    "hotline": ("客户来电反映：", "来电：", "用户致电称，"),
    "repair": ("门店接机登记：", "用户送修，描述："),
    "email": ("您好，", "你好，"),
    "survey": ("回访时客户提到：", "满意度回访反馈："),
    "ecommerce": ("", "差评！", "【追评】"),
    "app": ("", "App反馈："),
    "other": ("", "经销商转来："),
}
FEATURES = {"PX9": "NFC", "WM7": "预约洗和童锁", "SPK2": "多房间播放", "CNC500": "刀具补偿参数"}
ALARMS = {
    "spindle_vibration": (
        "主轴振动超限",
        "主轴振动超限 {reading} mm/s（阈值 4.5 mm/s），主轴转速 {rpm} rpm。",
    ),
    "spindle_overheat": ("主轴温度过高", "主轴温度 {temp}°C，超过上限 65°C。"),
    "coolant_leak": ("冷却液液位低", "冷却液液位快速下降，疑似泄漏。"),
    "servo_alarm": ("伺服报警", "伺服报警 {code}，X轴编码器通讯异常。"),
    "tool_changer_fault": ("换刀超时", "刀库换刀超时 ATC-{code}。"),
    "freeze": ("控制器无响应", "控制器心跳丢失超过 5 分钟，操作面板无响应。"),
}
ALARM_STATE = {
    "urgent": "设备已自动停机。",
    "important": "设备继续运行，请尽快检查。",
    "general": "仅预警，设备运行中。",
}
