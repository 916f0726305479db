"""``/export``: one CSV row per lead. The shell writes the rows with the csv
module, UTF-8 with a BOM so that Excel opens the Chinese correctly.

A CSV is a file format that scripts and spreadsheets rely on, like the
command line's output: its header and its words are fixed here (plain, no
emoji), not taken from the chat's catalog. Money columns are whole yuan
("5410000") so that a spreadsheet can sum them; readable columns sit beside
them."""

from __future__ import annotations

import re
from datetime import date, datetime

from .card import LeadCard, gap_yuan, stamp

EXPORT_HEADER: tuple[str, ...] = (
    "编号", "称呼", "年龄", "婚姻", "子女年龄", "赡养老人数",
    "金融资产(元)", "资产分层",
    "寿险缺口(元)", "重疾缺口(元)", "养老缺口(元)", "百万医疗",
    "年预算(元)", "建议最低(元)", "三个保险账户最低(元)",
    "关注排序", "评级", "阶段", "来源", "同意联系时间", "电话", "方便联系时间",
    "联系次数", "最近联系",
)

TIER_WORDS = {"below_20w": "20万以下", "20w_100w": "20万-100万", "100w_500w": "100万-500万", "500w_plus": "500万以上"}
RATING_WORDS = {"hot": "热", "warm": "温", "cold": "冷"}
STAGE_WORDS = {"new": "新线索", "contacted": "已联系", "proposal": "已出建议书", "won": "成交", "lost": "未成交"}
SOURCE_WORDS = {"link": "推荐链接", "offline": "线下", "direct": "未经推荐"}
MEDICAL_WORDS = {"yes": "有", "no": "没有", "unknown": "未确认"}
PRIORITY_WORDS = {"income": "收入保障", "health": "健康医疗", "education": "子女教育", "retirement": "养老",
                  "legacy": "财富传承"}
CONTACT_TIME_WORDS = {"weekday_day": "工作日白天", "weekday_evening": "工作日晚上", "weekend": "周末"}


PHONE = re.compile(r"\+?[0-9][0-9 ()-]*")


def cell(text: str) -> str:
    """Text a client typed, safe in a spreadsheet: a cell starting with = + - @
    would be read as a formula (CSV injection), so it gets a leading quote;
    a phone number (+86 138 …) stays as it is."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not PHONE.fullmatch(text):
        return "'" + text
    return text


def export_row(card: LeadCard, contacts_count: int, last_contact: datetime | date | None) -> tuple[str, ...]:
    """The row of ``card`` under ``EXPORT_HEADER`` (same order, same length)."""
    if isinstance(last_contact, datetime):
        last = stamp(last_contact)
    else:
        last = last_contact.isoformat() if last_contact else ""
    f = card.family
    return (
        str(card.lead_id),
        cell(card.name or ""),
        str(card.age),
        "已婚" if f.married else "未婚",
        "、".join(str(a) for a in f.children_ages),
        str(len(f.parents_ages)),
        gap_yuan(card.financial_assets),
        TIER_WORDS[card.tier],
        gap_yuan(card.gaps.life),
        gap_yuan(card.gaps.ci),
        gap_yuan(card.gaps.retirement),
        MEDICAL_WORDS[card.medical],
        "" if card.budget is None else gap_yuan(card.budget),
        gap_yuan(card.minimum),
        gap_yuan(card.accounts_min),
        ">".join(PRIORITY_WORDS.get(p, p) for p in card.priorities),
        RATING_WORDS[card.rating],
        STAGE_WORDS[card.stage],
        SOURCE_WORDS[card.source],
        stamp(card.consent_at),
        cell(card.phone or ""),
        CONTACT_TIME_WORDS.get(card.contact_time, card.contact_time) if card.contact_time else "",
        str(contacts_count),
        last,
    )
