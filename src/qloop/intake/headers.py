"""Column names accepted in import files, in English and Chinese.

A header cell matches a field when, compared case-insensitively and with
spaces, hyphens and underscores treated alike, it equals the field name or one
of its aliases. Every other column is kept in the record's ``attributes``
under its original header text. The README's import section shows this table;
a test keeps the two in step.
"""

from __future__ import annotations

import re

FIELD_ALIASES: dict[str, list[str]] = {
    "serial": [
        "serial_no",
        "serial_number",
        "sn",
        "s/n",
        "序列号",
        "产品序列号",
        "机身序列号",
        "sn码",
    ],
    "product": ["model", "product_model", "产品", "产品型号", "型号", "机型"],
    "batch": ["batch_no", "lot", "lot_no", "production_batch", "批次", "批次号", "生产批次"],
    "production_date": ["manufacture_date", "mfg_date", "produced_on", "生产日期", "制造日期"],
    "ship_date": ["shipping_date", "shipped_on", "发货日期", "出货日期"],
    "region": ["area", "market", "区域", "地区", "销售区域"],
    "case_id": ["case_no", "ticket", "ticket_id", "ticket_no", "工单号", "工单编号", "投诉编号"],
    "received_at": ["received", "reported_at", "created_at", "受理时间", "接收时间", "反馈时间"],
    "channel": ["source_channel", "渠道", "反馈渠道", "来源渠道"],
    "title": ["subject", "summary", "标题", "主题"],
    "customer": [
        "customer_id",
        "customer name",
        "client",
        "buyer",
        "客户",
        "客户名称",
        "客户姓名",
        "客户编号",
        "客户id",
        "买家",
        "用户名",
    ],
    "description": ["details", "complaint", "problem_description", "描述", "问题描述", "详细描述"],
    "category": ["problem_category", "分类", "问题分类", "类别"],
    "failure_mode": ["failure", "fault", "fault_type", "故障模式", "失效模式", "故障类型"],
    "severity": ["severity_grade", "严重度", "严重程度", "严重等级"],
    "status": ["case_status", "状态", "处理状态"],
    "repair_id": ["repair_no", "work_order", "rma", "rma_no", "维修单号", "维修编号", "返修单号"],
    "opened_at": ["opened", "repair_start", "started_at", "开单时间", "送修时间", "维修开始时间"],
    "closed_at": ["closed", "completed_at", "finished_at", "结单时间", "完成时间", "维修完成时间"],
    "resolved": ["fixed", "is_resolved", "是否解决", "是否修复"],
    "technician": ["engineer", "repaired_by", "维修工程师", "维修人员", "技术员"],
    "action": ["repair_action", "work_done", "维修措施", "处理措施", "维修内容"],
    "parts": ["parts_replaced", "spare_parts", "更换部件", "更换配件", "备件"],
    "score": ["rating", "csat", "satisfaction", "评分", "满意度", "得分"],
    "answered_at": ["answered", "responded_at", "survey_date", "回答时间", "答卷时间", "评价时间"],
    "comment": ["comments", "feedback", "remarks", "评论", "意见", "留言"],
}

_SEPARATORS = re.compile(r"[\s\-_]+")


def header_key(text: str) -> str:
    """The comparable form of a header cell: trimmed, case-folded, separators as ``_``."""
    return _SEPARATORS.sub("_", text.strip()).strip("_").casefold()


def alias_lookup(fields: list[str]) -> dict[str, str]:
    """Map every accepted header key of ``fields`` to its field name."""
    lookup: dict[str, str] = {}
    for field in fields:
        for name in [field, *FIELD_ALIASES.get(field, [])]:
            lookup[header_key(name)] = field
    return lookup
