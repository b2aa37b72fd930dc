"""What a question asks for: one grammar shared by the composer (which sentence leads the
answer) and the calculator's reader (whether to calculate at all)."""

from __future__ import annotations

import re

WHO = re.compile(r"找谁|找哪个|哪个部门|哪个单位|哪些部门|谁负责|谁来|谁管|归谁|向谁")
VALIDITY = re.compile(r"有效|到期|过期|管到|执行到|还算数|截止|期限|到哪一?年|哪年为止|正式(发|出|印发)|发了没|出台了没|废止")
PROCESS = re.compile(r"材料|流程|手续|怎么申请|如何申请|去哪|哪里申请|什么时候|何时|条件是什么")
HOW_MUCH = re.compile(r"多少|金额|测算|算一下|算算|能拿|能补|能领|能得|给多少")


def asks_something_else(question: str) -> bool:
    """About materials, timing, a department or validity, and not about how much ("申请补助需要哪些材料")."""
    other = WHO.search(question) or VALIDITY.search(question) or PROCESS.search(question)
    return bool(other) and not HOW_MUCH.search(question)
