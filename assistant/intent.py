"""What a question asks for: one grammar shared by the composer (which sentence leads the
answer) and the calculator's reader (whether to calculate at all)."""

from __future__ import annotations

import re

WHO = re.compile(r"找谁|找哪个|哪个部门|哪个单位|哪些部门|谁负责|谁来|谁管|归谁|向谁")
VALIDITY = re.compile(r"有效|到期|过期|管到|执行到|还算数|截止|期限|到哪一?年|哪年为止|正式(发|出|印发)|发了没|出台了没|废止")
# A policy document as the subject of a question ("这个文件", "那套办法"): contracts, pledges and
# agreements are 有效 or 无效 too, but their validity is a clause's answer, not a document's window.
DOCUMENT = re.compile(r"文件|政策|办法|方案|计划|措施|意见|通知|条例|规划|细则|决定|公告|文号|发文")
# Words only a document's window answers, whatever the subject.
WINDOW = re.compile(r"执行期|执行到|管到|还算数|废止|正式(发|出|印发)|发了没|出台了没|到哪一?年|哪年为止")
# A question whose answer is a time: a date, a deadline, how long it takes.
WHEN = re.compile(r"什么时候|啥时候|何时|什么时间|有效期|执行期|截止|到期|期限|哪一年|哪年|哪天|哪一天|几月|时间|"
                  r"多久|多长时间|多少天|几天|几个月|几年")
# A time in a clause's sentence: a date, a month's end, a term ("30个工作日内").
TIME_SAID = re.compile(r"\d{4}年|\d{1,2}月\d{1,2}日|\d{1,2}月(?:底|初|末|中旬|上旬|下旬)|年底|年内|"
                       r"\d+个?(?:工作日|日|天|月|年)(?:内|以内|之内)|有效期|执行期")
PROCESS = re.compile(r"材料|流程|手续|怎么申请|如何申请|去哪|哪里申请|什么时候|何时|条件是什么")
# Money in the question at all: which sentence of a clause should lead (its sums and rates).
MONEY_TOPIC = re.compile(r"多少|金额|奖励|补助|补贴|资助|奖补|奖金|钱|万元|额度|上限|最高")
# The asker's own gain: "能补多少", "可以拿多少", "帮我算一下".
GAIN = re.compile(r"能拿|能领|能补|能得|能奖|可以拿|可以领|可以补|可拿|可领|补多少|奖多少|给多少|拿多少|领多少|"
                  r"得多少|多少钱|测算|算一下|算算|怎么算|如何计算")
HOW_MUCH = re.compile(r"多少|金额|" + GAIN.pattern)
MONEY_WORD = re.compile(r"奖励|补助|补贴|资助|奖补|奖金|补偿|配套")
ASKING = re.compile(r"多少|几|吗|有没有|能不能|可不可以|是否|没[？?]?$")
# The award's sum already said ("奖励300万是一次性给吗"): a yes/no about it asks something else.
SUM_GIVEN = re.compile(rf"({MONEY_WORD.pattern})\s*\d+(?:\.\d+)?\s*[万亿]")
# Numbers that are not a sum paid to the asker: a target, a count, a share, who pays.
NOT_A_SUM = re.compile(r"目标|指标|数量|多少家|多少个|多少项|多少人|分担|占比|比重")


def asks_validity(question: str) -> bool:
    """Whether the question asks if a policy is in force or until when ("这个文件还算数吗",
    "专精特新三年行动计划有效期几年"), not whether a contract or an act is valid ("合同是否有效")."""
    said = re.sub(r"有效[的地]", "", question)  # "有效的防护措施", "合法有效的通知形式": a quality, not a window
    return bool(WINDOW.search(said) or VALIDITY.search(said) and DOCUMENT.search(said))


def asks_something_else(question: str) -> bool:
    """About materials, timing, a department or validity, and not about how much ("申请补助需要哪些材料")."""
    other = WHO.search(question) or VALIDITY.search(question) or PROCESS.search(question)
    return bool(other) and not HOW_MUCH.search(question)


def asks_amount(question: str) -> bool:
    """Whether the asker wants the sum they would get ("能补多少", "有奖金吗", "配套奖补多少"),
    or the most it could get ("补助上限分别是多少"), not a target, a count or who pays
    ("企业数量目标是多少", "市区两级怎么分担"), and not materials, timing, a department or validity."""
    if asks_something_else(question):
        return False
    if GAIN.search(question):
        return True
    if "多少" not in question and SUM_GIVEN.search(question):
        return False
    return bool(MONEY_WORD.search(question) and ASKING.search(question) and not NOT_A_SUM.search(question))
