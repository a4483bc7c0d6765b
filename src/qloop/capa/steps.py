"""The 8D steps of a corrective action plan and the fields each one holds.

D0 preparation, D1 team, D2 problem description (5W2H), D3 containment, D4 root cause,
D5 chosen permanent actions, D6 implementation and verification, D7 prevention, D8
closure. Field texts live in the plan's ``steps`` document; actions, containment counts,
the verification and the investigation's causes are shown alongside from their tables.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepField:
    key: str
    label_en: str
    label_zh: str
    #: "text" (a paragraph) or "lines" (one entry per line: team members, lessons)
    kind: str = "text"

    def label(self, chinese: bool) -> str:
        return self.label_zh if chinese else self.label_en


@dataclass(frozen=True)
class Step:
    code: str
    title_en: str
    title_zh: str
    fields: tuple[StepField, ...]

    def title(self, chinese: bool) -> str:
        return self.title_zh if chinese else self.title_en


STEPS: tuple[Step, ...] = (
    Step("D0", "Preparation", "准备", (
        StepField("symptom", "Symptom", "症状"),
        StepField("emergency_response", "Emergency response", "紧急响应措施"),
    )),
    Step("D1", "Team", "成立小组", (
        StepField("members", "Members (name — department — role)", "成员（姓名—部门—角色）",
                  "lines"),
        StepField("champion", "Champion", "倡导者"),
    )),
    Step("D2", "Problem description (5W2H)", "问题描述（5W2H）", (
        StepField("what", "What", "什么问题"),
        StepField("where", "Where", "在哪里"),
        StepField("when", "When", "何时"),
        StepField("who", "Who", "谁发现/受影响"),
        StepField("why", "Why it matters", "为什么重要"),
        StepField("how", "How", "如何发生"),
        StepField("how_many", "How many", "多少"),
    )),
    Step("D3", "Containment", "临时遏制措施", (
        StepField("containment", "Containment actions", "遏制措施"),
    )),
    Step("D4", "Root cause", "根本原因", (
        StepField("root_cause", "Root cause (occurrence)", "根本原因（发生）"),
        StepField("escape_point", "Escape point (why it was not detected)",
                  "流出点（为何未被发现）"),
    )),
    Step("D5", "Permanent corrective actions", "永久纠正措施", (
        StepField("chosen_actions", "Chosen actions and why", "选定措施及理由"),
    )),
    Step("D6", "Implementation and verification", "实施与验证", (
        StepField("implementation", "Implementation", "实施情况"),
    )),
    Step("D7", "Prevention", "预防再发", (
        StepField("fmea_updates", "FMEA rows updated", "FMEA 更新"),
        StepField("sop", "SOP / knowledge-base article to write", "需编写的 SOP / 知识库文章"),
        StepField("lessons", "Lessons learned", "经验教训", "lines"),
    )),
    Step("D8", "Closure and recognition", "结案与表彰", (
        StepField("recognition", "Recognition", "表彰"),
        StepField("closing_note", "Closing note", "结案说明"),
    )),
)  # fmt: skip
STEP_BY_CODE = {step.code: step for step in STEPS}
FIELD_LIMIT = 5000


def step_field(code: str, key: str) -> StepField | None:
    step = STEP_BY_CODE.get(code)
    if step is None:
        return None
    return next((f for f in step.fields if f.key == key), None)
