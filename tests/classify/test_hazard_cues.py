"""Hazards told through senses and consequences, in both languages, and what must not count.

Every text here was written for this file: none comes from the benchmark sets.
"""

from __future__ import annotations

import pytest

from qloop.classify.rules import RuleClassifier
from qloop.classify.severity_rules import load_severity_rules
from qloop.taxonomy.schemas import default_taxonomy


@pytest.fixture(scope="module")
def rules() -> RuleClassifier:
    return RuleClassifier(default_taxonomy(), load_severity_rules(None)[0])


@pytest.mark.parametrize(
    "text",
    [
        # heat that marked or softened material
        "The adapter went brown and soft around the pins after an hour",
        "There is a dark ring around the plug on the outlet now",
        "the space heater left brown scorch patches on the rug overnight",
        "电暖桌底下的地毯被烤焦了一块",
        "充电底座用了一晚上，接口那里发黑了",
        "The element behind the grille was glowing bright orange and the fan had stopped",
        # sounds at the socket
        "Heard a loud crackle from the wall socket every time the fridge starts",
        "It popped when I switched it on and now the kitchen lights are out",
        "插排那边啪的一声，整个屋子跳闸了",
        # electric sensations
        "擦机器外壳的时候碰了一下，手指麻了一下",
        "When I touch the tap while the washer is running my fingers tingle",
        # cords and exposed conductors
        "the extension lead is frayed near the plug and you can see copper",
        "Lamp cord has split and the wires are showing",
        "电源线被椅子压破了，能看到铜丝露在外面",
        # injuries and their marks
        "Toaster door edge sliced my thumb, there is blood on the counter",
        "取烤盘的时候手背烫起了水泡",
        "拆包装时刀片外露，手指划了一道口子",
        "Woke up with red marks on my back from the heat pad",
        "孩子的手指被折叠椅夹到了，肿了一大块",
        # being dragged in, pinched, crushed
        "吸尘器把小女孩的头发卷进去了，扯得哇哇哭",
        "My sleeve got pulled into the drill press",
        "The gate closed on my son and did not reverse",
        "卷帘门碰到东西也不回弹，太危险了",
        # falls, collapse, near misses
        "The bar stool gave way with my father sitting on it",
        "the walker rolled into the street because the brakes would not hold",
        "吊灯一直晃，感觉随时会掉下来",
        "I am worried the shelf unit will collapse onto the cot",
        "The mitre saw kicked back and almost took my thumb off",
        "割草机差点把脚卷进去",
        "升降平台突然往下坠了半米",
        # guards gone while blades keep moving
        "The blade guard on the mower broke off and the blade kept spinning",
        "榨汁机的防护罩裂了，刀头照样转",
        # pressure vessels and scalding water
        "The air tank hisses at the seam and the gauge keeps climbing past red",
        "储气罐压力一直往上涨，安全阀没动作",
        "The kettle spat boiling water out of the spout onto my wrist",
        "水壶盖弹开，一直往外喷开水",
        # water reaching electrics
        "The dishwasher is dripping water onto the socket behind it",
        "洗衣机漏水，水一直流到后面的插排那里了",
        # a heater that will not switch off
        "After the update the oven turned itself on at night and will not switch off",
        "电热毯开关坏了，关不掉，一直加热",
        "The timer plug switched my curling iron on while I was out",
        # people made unwell, evacuation
        "The refrigerant smell in the office made two staff dizzy",
        "车间有股刺鼻的气味，工人头晕恶心",
        "Alarm went off and the building was evacuated",
        # mixed language, negation in one script and the term in the other
        "电池鼓包了还有 burning smell",
    ],
)
def test_hazards_without_the_textbook_word_are_urgent(rules: RuleClassifier, text: str) -> None:
    verdict = rules.classify(text)
    assert str(verdict.severity) == "urgent", [str(r) for r in verdict.reasons]


@pytest.mark.parametrize(
    "text",
    [
        "Assembly line 3 is stopped since the PLC update",
        "Both packing lines are down after the power blip",
        "整条装配线停了一个上午",
        "焊接线宕机，所有工位都在等",
        "The warehouse cannot ship anything until the sorter is back",
        "robot cell stopped after the licence expired",
    ],
)
def test_a_stopped_line_is_urgent(rules: RuleClassifier, text: str) -> None:
    verdict = rules.classify(text)
    assert str(verdict.severity) == "urgent"
    assert any(r.rule == "production_down" for r in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    [
        # negated in the same clause
        "The cord is not frayed and no copper is showing, it just will not charge",
        "没有烤焦也没有异味，就是加热慢",
        "插座没有发黑，也没有啪啪响",
        "防护罩没坏，刀头转得也正常",
        "压力表没有一直往上涨，很稳定",
        "产线未停，只是速度慢一点",
        "没有冒烟也没有 burning smell，就是不出风",
        "no 冒烟, no smell, it simply stopped",
        # figurative
        "this blender is fire",
        "这个价格真是炸了，赶紧囤",
        "这款吹风机真的 fire，风超大",
        "killer deal, bought two",
        "Smoking hot price on Black Friday",
        "the bass on this speaker is explosive",
        "I was shocked at how quiet it is",
        # ordinary texts that share words with the constructions
        "My phone battery keeps dropping, 100 to 20 in an hour",
        "The screen went black and it will not turn back on",
        "Hair gets wrapped around the brush roll every week",
        "手机电量往下掉得很快",
        "按键按下去不会回弹",
        "The blood pressure keeps rising on the readings, is the cuff wrong?",
        "The water tank is leaking a little at the back",
        "The heater works, it stays on high all winter and the room is cosy",
    ],
)
def test_negated_figurative_and_ordinary_texts_are_not_urgent(
    rules: RuleClassifier, text: str
) -> None:
    verdict = rules.classify(text)
    assert str(verdict.severity) != "urgent", [str(r) for r in verdict.reasons]


@pytest.mark.parametrize(
    "text",
    [
        "用完以后越想越后怕，这东西不敢给孩子用了",
        "Honestly frightening how the lid behaves, I am afraid to use it again",
    ],
)
def test_fear_alone_raises_to_important_with_its_own_reason(
    rules: RuleClassifier, text: str
) -> None:
    verdict = rules.classify(text)
    assert str(verdict.severity) == "important"
    assert verdict.reasons[0].rule == "hazard_concern"


def test_fear_words_do_not_raise_everyday_surprise(rules: RuleClassifier) -> None:
    for text in ("The kettle is so fast it is scary", "快递箱子压扁了吓我一跳，东西倒是好的"):
        assert str(rules.classify(text).severity) == "general"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("吹风机用了一周就不出热风了", "electrical"),
        ("加热管断路，已更换", "electrical"),
        ("除湿机声音有点大，别的还行", "mechanical"),
        ("The front panel has a slight yellow tint", "cosmetic"),
        ("没有冒烟也没有 burning smell，就是不出热风", "electrical"),
    ],
)
def test_new_category_words(rules: RuleClassifier, text: str, category: str) -> None:
    assert rules.classify(text).category == category


@pytest.mark.parametrize(
    "text",
    [
        # a bang together with a flash or sparks
        "There was a pop and a blue flash behind the washing machine, then the lights went out",
        "开关那边啪的一声，闪了一下，灯全灭了",
        # fragments thrown out with force
        "The grinder disc shattered and a piece shot through the guard into the wall",
        "锯齿甩出来扎在了门板上",
        # a gas appliance said to leak, the two words apart
        "煤气灶开关那里一直在漏气",
        # battery chemicals smelled
        "The garage smells of battery acid since the scooter was charging",
        # injuries named without a possessive, thrown off a vehicle
        "He came off the bike and has a grazed chin",
        "went over the bars on the first ride, the fork just folded",
        # tipped over on its side
        "The pallet truck tipped onto its side while turning with a full load",
        "搬运车转弯的时候侧翻了",
        # off the wall or ceiling, or landing where people sit
        "The bathroom cabinet came off the wall overnight",
        "The ceiling fan crashed down onto the bed",
        "The mirror landed right where my daughter usually sits",
        "吊柜整个掉下来了",
        "镜子砸到了孩子平时坐的位置",
        # running off into the road
        "The robot lawnmower drove straight into the road",
        "a cyclist had to swerve around the runaway cart",
        "割草机器人自己跑到马路上去了",
    ],
)
def test_more_hazards_without_the_textbook_word_are_urgent(
    rules: RuleClassifier, text: str
) -> None:
    verdict = rules.classify(text)
    assert str(verdict.severity) == "urgent", [str(r) for r in verdict.reasons]


@pytest.mark.parametrize(
    "text",
    [
        "Our moulding machines have been down since the night shift",
        "the press that feeds line B is down again",
        "All three chillers are offline and the plant is waiting",
        "客户的packaging line停了两个小时",
        "车间cnc全停，等备件",
        "20 operators are standing around waiting for parts",
        "20多个工人在车间干等",
        "We are losing a full day of production on this",
    ],
)
def test_more_ways_to_say_a_line_is_stopped(rules: RuleClassifier, text: str) -> None:
    verdict = rules.classify(text)
    assert str(verdict.severity) == "urgent", [str(r) for r in verdict.reasons]
    assert any(r.rule == "production_down" for r in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    [
        # negated
        "No bang, no flash, it just stopped",
        "没有砰的一声，也没有闪光，就是不转了",
        "燃气灶没有漏气，就是打不着火",
        "产线没停，只是慢",
        "客户说line没停，只是报警多",
        # figurative or hypothetical
        "Sales of this model must be on fire, sold out everywhere",
        "my head is exploding reading this manual",
        "价格简直爆炸低，先囤两台",
        "行车记录仪万一出了事故也录不下来，这个要修",
        "The hob igniter clicks a few times, the flame looks normal once lit",
        # ordinary texts sharing words with the constructions
        "The shop is down the road from my house",
        "The robot vacuum is offline in the app again",
        "The machines are down to half speed since the belt change",
        "The cushion sits where my back is, very comfortable",
    ],
)
def test_new_constructions_leave_negated_and_ordinary_texts_alone(
    rules: RuleClassifier, text: str
) -> None:
    verdict = rules.classify(text)
    assert str(verdict.severity) != "urgent", [str(r) for r in verdict.reasons]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("The timer setting is buried three menus deep", "usability"),
        ("定时设置找了半天也没找到在哪", "usability"),
        ("The last update bricked my speaker", "software"),
        ("固件升级失败，现在无法开机", "software"),
        ("Reported sparks from the socket and waited a week for a technician", "service"),
        ("热水器漏电报修五天了，一直没人来", "service"),
        ("The panel shows Err 4 and freezes", "software"),
    ],
)
def test_new_category_cues(rules: RuleClassifier, text: str, category: str) -> None:
    verdict = rules.classify(text)
    assert verdict.category == category, verdict.scores
