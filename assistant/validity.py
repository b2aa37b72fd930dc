"""When a policy applies: its validity window read from the text, as 公文 write it.

One grammar, as data: the phrases that open a window (自…起施行, 自印发之日起…), the ones that close
it (有效期至…, 至…止, 有效期N年/N个月, …废止, 至…年底), labelled windows (执行期：…至…), plan periods
(2021—2025年), windows tied to an event with no date (有效期至疫情解除), and 试行/暂行.
A sentence that speaks of the document itself ("本办法…", "以上措施…") wins over one that speaks
of something else ("注册商标的有效期为十年").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .numbers import CN_NUMERALS, cn_to_int

DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
_NUM = rf"[{CN_NUMERALS}两\d]+"
_DASH = r"[—─－\-~～]"
_UNTIL = r"(?:至|到|截至|截止(?:到|至)?)"
# Windows given as a label and two dates: "执行期限：2023年1月1日—2025年12月31日".
_LABEL = r"(?:有效期|执行期|实施期|试行期|施行期|执行时间|实施时间|有效时间|政策期限|执行时限)限?"
_LABELLED = re.compile(
    _LABEL + r"[:：]?\s*(?:为|是|暂定为)?\s*(?:自|从)?" + DATE + rf"\s*(?:起)?\s*(?:{_UNTIL}|{_DASH})\s*" + DATE
)
_FROM_TO = re.compile(r"自" + DATE + r"起?(?:至|到)" + DATE + "止")
# The day it starts: a date, the day it was issued, or some days after that.
_START_DATE = re.compile(r"(?:自|从|于)(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:零时|0时|起|)\s*起?(?:施行|执行|实施|生效|试行|启用|开始执行)")
_ISSUE_DAY = r"自(?:政策|本[\u4e00-\u9fff]{0,3})?(?:正式)?(?:印发|发布|公布|颁布|下发|发文|签发)之日"
_START_ISSUED = re.compile(
    _ISSUE_DAY + rf"(?:起)?(?:({_NUM})(?:日|天)后)?(?:起)?(?:施行|执行|实施|生效|试行)"
    r"|自即日起(?:施行|执行|实施|生效|试行)"
)
# The day it ends, said after the start.
_END_DATE = re.compile(rf"(?:有效期|执行期|试行期|实施期|期限)?限?(?:为|是)?{_UNTIL}" + DATE)
_END_REPEAL = re.compile(DATE + r"(?:起)?(?:废止|失效|停止执行)")
_END_YEAR = re.compile(rf"{_UNTIL}(\d{{4}})年(?:底|末|年底|12月底)")
_END_MONTH = re.compile(rf"{_UNTIL}(\d{{4}})年(\d{{1,2}})月(?:底|末)?(?!\d)")
_SPAN = re.compile(rf"[（(](\d{{4}})\s*年?\s*{_DASH}\s*(\d{{4}})年?[）)]")
_DURATION = re.compile(
    rf"(?:有效期|执行期|试行期|实施期|施行期)限?(?:为|是|暂定为)?(?:自[^，。；]{{0,12}}之日起的?)?({_NUM})(年|个月|月|日|天)"
    rf"|期限(?:为|是)?自[^，。；]{{0,12}}之日起的?({_NUM})(年|个月|月|日|天)止?"
)
_EVENT = re.compile(
    rf"(?:有效期|执行期限?|实施期限?)?(?:为|是)?{_UNTIL}([^，。；\d]{{2,30}}?(?:解除|结束|终止|取消))(?:之日)?止?"
    r"|(?:有效期|执行期限?)(?:为|是)([^，。；\d]{2,20}期间)"
    r"|(?:截止日期|截止时间|期限)视([^，。；]{2,20})另行(?:公告|通知|确定)"
    r"|待([^，。；]{2,30}?(?:结束|解除|终止))后(?:自行)?(?:废止|失效|停止执行)"
)
# No start phrase, only an end: it runs from the day it was issued.
_END_ONLY = re.compile(rf"(?:有效期|执行期|试行期|实施期|政策期限)限?(?:为|是)?{_UNTIL}" + DATE + r"|(?:执行|实施|施行)(?:至|到)" + DATE)
_PLAN = re.compile(rf"(?:规划期|执行期|实施期|有效期|期限)限?[:：]?(?:为|是)?(\d{{4}})\s*年?\s*(?:{_DASH}|至|到)\s*(\d{{4}})年")
_TITLE_SPAN = re.compile(rf"[（(](\d{{4}})\s*{_DASH}\s*(\d{{4}})年?[）)]")
_TITLE_YEAR = re.compile(r"(\d{4})年度|下达(\d{4})年")
_SELF = re.compile(r"^(?:[一二三四五六七八九十\d]+[、.．]\s*)?(?:本|以上|上述|此)")
TRIAL = re.compile(r"试行|暂行")


@dataclass(frozen=True)
class Validity:
    valid_from: date | None = None
    valid_to: date | None = None
    sentence: str | None = None  # the words the window was read from
    ends_on: str | None = None  # an end with no date ("新冠肺炎疫情解除"): ask the issuer
    trial: bool = False  # 试行 / 暂行


def to_date(y: str | int, m: str | int, d: str | int) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def add_period(start: date, count: int, unit: str) -> date:
    """The last day of a period of ``count`` units that begins on ``start``."""
    if unit in ("日", "天"):
        return start + timedelta(days=count - 1)
    months = count * 12 if unit == "年" else count
    year, month = divmod(start.month - 1 + months, 12)
    last = _month_end(start.year + year, month + 1)
    assert last is not None
    if start.day > last.day:  # no such day in the last month: the period ends on that month's last day
        return last
    return last.replace(day=start.day) - timedelta(days=1)


def _month_end(year: int, month: int) -> date | None:
    if not 1 <= month <= 12:
        return None
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs; a sentence ends at 。 or a line break."""
    out, start = [], 0
    for m in re.finditer(r"[。\n]", text):
        if m.start() > start:
            out.append((start, text[start: m.end()]))
        start = m.end()
    if start < len(text):
        out.append((start, text[start:]))
    return out


def read_validity(text: str, title: str, issued: date | None) -> Validity:
    """The document's window. ``issued`` (its date) anchors "自印发之日起"."""
    trial = bool(TRIAL.search(title))
    candidates = [(pos, s.strip()) for pos, s in sentences(text) if _mentions_validity(s)]
    # The document speaking of itself first ("本意见…", "以上政策…"), then the rest in order.
    candidates.sort(key=lambda c: (not _SELF.match(c[1]), c[0]))
    for _, sentence in candidates:
        found = _read_sentence(sentence, issued)
        if found:
            return Validity(*found, trial=trial or bool(TRIAL.search(sentence)))
    for pattern in (_TITLE_SPAN,):
        m = pattern.search(title)
        if m:
            start = issued or date(int(m.group(1)), 1, 1)
            return Validity(start, date(int(m.group(2)), 12, 31), f"标题所载期限：{m.group(0)}", trial=trial)
    m = _TITLE_YEAR.search(title)
    if m:
        year = int(m.group(1) or m.group(2))
        return Validity(issued or date(year, 1, 1), date(year, 12, 31), f"标题所载年度：{year}年", trial=trial)
    return Validity(trial=trial)


_KEYWORDS = re.compile(r"施行|执行|实施|生效|有效期|试行|期限|废止|失效")


def _mentions_validity(sentence: str) -> bool:
    return bool(_KEYWORDS.search(sentence)) and bool(re.search(r"\d{4}年|之日|即日|期限|有效期|\d年", sentence))


def _read_sentence(s: str, issued: date | None) -> tuple[date | None, date | None, str | None, str | None] | None:
    m = _LABELLED.search(s) or _FROM_TO.search(s)
    if m:
        return to_date(*m.group(1, 2, 3)), to_date(*m.group(4, 5, 6)), s, None
    start, after = _start(s, issued)
    if after is not None:
        tail = s[after:]
        end, ends_on = _end(tail, start, s)
        if start or end:
            return start, end, s, ends_on
    m = _DURATION.search(s)
    if m and issued and re.search(_ISSUE_DAY, s):  # "执行期为自政策发布之日起的3个月"
        count, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return issued, add_period(issued, cn_to_int(count), "月" if unit in ("个月", "月") else unit), s, None
    m = _END_ONLY.search(s)
    if m and (_SELF.match(s) or re.match(r"^(?:政策)?(?:有效期|执行期|实施期|期限)", s)):
        groups = m.group(1, 2, 3) if m.group(1) else m.group(4, 5, 6)
        return issued, to_date(*groups), s, None
    m = _PLAN.search(s)
    if m and int(m.group(1)) <= int(m.group(2)):
        return date(int(m.group(1)), 1, 1), date(int(m.group(2)), 12, 31), s, None
    return None


def _start(s: str, issued: date | None) -> tuple[date | None, int | None]:
    """The start and where the rest of the sentence (its end) begins; (None, None) if none."""
    m = _START_DATE.search(s)
    if m:
        year = m.group(1) or (issued.year if issued else None)
        return (to_date(year, m.group(2), m.group(3)) if year else None), m.end()
    m = _START_ISSUED.search(s)
    if m:
        if issued and m.group(1):
            return issued + timedelta(days=cn_to_int(m.group(1))), m.end()
        return issued, m.end()
    return None, None


def _end(tail: str, start: date | None, sentence: str) -> tuple[date | None, str | None]:
    span = _SPAN.search(tail)
    if span:
        return date(int(span.group(2)), 12, 31), None
    m = _END_DATE.search(tail) or _END_REPEAL.search(tail)
    if m:
        return to_date(*m.group(1, 2, 3)), None
    m = _END_YEAR.search(tail)
    if m:
        return date(int(m.group(1)), 12, 31), None
    m = _END_MONTH.search(tail)
    if m:
        return _month_end(int(m.group(1)), int(m.group(2))), None
    # "有效期N年" may stand before the start too: "本规定有效期为2年，自2024年7月1日起施行".
    m = _DURATION.search(tail) or _DURATION.search(sentence)
    if m and start:
        count, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        return add_period(start, cn_to_int(count), "月" if unit in ("个月", "月") else unit), None
    m = _EVENT.search(tail)
    if m:
        return None, re.sub(r"^(?:有效期|执行期限?|实施期限?)?(?:为|是)?", "", m.group(0))
    return None, None
