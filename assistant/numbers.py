"""Numbers as people write them in Chinese: one grammar for numerals, sums of money and
exchange rates, shared by the clause parser and the calculator's question reader.

"1,200万元", "1亿2千万美元", "八百万", "0.8亿", "4千万美金", "1200万人民币", "按1美元兑7.1元",
"美元兑人民币7.1". A sum this grammar cannot read is left out (the calculator then asks);
nothing is guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUMERALS = "一二三四五六七八九十百零两"  # the characters of a clause number (第十二条, （三）)
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = (("亿", Decimal(100_000_000)), ("万", Decimal(10_000)))
_CN = "零〇一二两三四五六七八九十百千"


def cn_to_int(text: str) -> int:
    """'十二' → 12, '二十' → 20, '一百零五' → 105; Arabic digits pass through."""
    if text.isdigit():
        return int(text)
    return int(_below_ten_thousand(text))


def _below_ten_thousand(text: str) -> Decimal:
    """'八百' → 800, '2千' → 2000, '1,200' → 1200, '0.8' → 0.8, '三千五' → 3500 (the last digit
    after a unit counts in the next unit down, as people say it)."""
    text = text.replace(",", "").replace("，", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text)
    total, current, last_unit = Decimal(0), None, None
    for i, ch in enumerate(text):
        if ch.isdigit() or ch == ".":
            match = re.match(r"\d+(?:\.\d+)?", text[i:])
            if match and (i == 0 or not (text[i - 1].isdigit() or text[i - 1] == ".")):
                current = Decimal(match.group(0))
            continue
        if ch in CN_DIGITS:
            current = Decimal(CN_DIGITS[ch])
        elif ch in _SMALL_UNITS:
            total += (current if current is not None else Decimal(1)) * _SMALL_UNITS[ch]
            current, last_unit = None, _SMALL_UNITS[ch]
        else:
            raise ValueError(text)
    if current is not None:
        # "三千五" = 3500: a trailing digit after a unit is in the next unit down
        total += current * (Decimal(last_unit) / 10 if last_unit and text[-1] in CN_DIGITS and text[-2] not in "零〇" else 1)
    return total


def read_number(text: str) -> Decimal:
    """A whole written number, with 万 and 亿: '1亿2千万' → 120000000. Raises ValueError."""
    text = text.strip()
    if not text:
        raise ValueError(text)
    total = Decimal(0)
    rest = text
    for unit, size in _BIG_UNITS:
        if unit in rest:
            head, rest = rest.split(unit, 1)
            total += (_below_ten_thousand(head) if head else Decimal(1)) * size
    if rest.lstrip("零〇"):
        total += _below_ten_thousand(rest.lstrip("零〇"))
    return total.quantize(Decimal(1)) if total == total.to_integral_value() else total.normalize()


Currency = Literal["yuan", "usd"]


@dataclass(frozen=True)
class Money:
    """A sum of money found in a text."""

    start: int
    end: int
    amount: Decimal  # in the currency's unit (yuan, US dollars)
    currency: Currency
    text: str
    bound: bool = False  # "不到100万", "100万以下": a limit the sum stays under, not the sum


@dataclass(frozen=True)
class Rate:
    value: Decimal  # yuan per US dollar
    start: int
    end: int


_NUMBER = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|[{_CN}]+"
_AMOUNT = re.compile(rf"(?:{_NUMBER})(?:亿(?:[零〇]?(?:{_NUMBER})(?:千万|百万|万)?)?|千万|百万|万)?")
_NOT_MONEY_AFTER = "吨人家个项%％平亩年月日天档倍级类台套次名位条"
_BOUND_BEFORE = re.compile(r"(不到|达不到|不足|低于|少于|不超过|未达到|没到|没有达到)\s*$")
_BOUND_AFTER = re.compile(r"^\s*(以下|以内|之内)")
_RATE = re.compile(
    r"(?:(?:1|一)\s*美元\s*(?:兑换?|=|＝|折合|换)\s*(?:人民币)?\s*(?P<a>\d+(?:\.\d+)?)\s*元?"
    r"|美元兑人民币(?:汇率)?\s*(?:为|是|按)?\s*(?P<b>\d+(?:\.\d+)?)"
    r"|汇率\s*(?:为|是|按|取)?\s*(?:1\s*[:：]\s*)?(?P<c>\d+(?:\.\d+)?)"
    r"|(?P<d>\d+(?:\.\d+)?)\s*的汇率)"
)


def exchange_rate(text: str) -> Rate | None:
    match = _RATE.search(text)
    if not match:
        return None
    value = next(g for g in (match.group("a"), match.group("b"), match.group("c"), match.group("d")) if g)
    return Rate(Decimal(value), match.start(), match.end())


def money_mentions(text: str) -> list[Money]:
    """Every sum of money in the text, in order. A number counts as money when it carries 万/亿
    or a currency; one inside an exchange-rate phrase ("1美元兑7.1元") does not."""
    rate = exchange_rate(text)
    found: list[Money] = []
    for match in _AMOUNT.finditer(text):
        start, end = match.start(), match.end()
        if rate and rate.start <= start < rate.end:
            continue
        if start > 0 and (text[start - 1].isdigit() or text[start - 1] == "."):
            continue
        written = match.group(0)
        tail = text[end:end + 4]
        currency_match = re.match(r"\s*(万元|亿元)?(美元|美金|人民币|块钱|元|块)?", tail)
        currency_word = currency_match.group(2) if currency_match else None
        big = "万" in written or "亿" in written
        if not (big or currency_word):
            continue
        after = text[end + (currency_match.end() if currency_match else 0):][:1]
        if not currency_word and after and after in _NOT_MONEY_AFTER:
            continue
        try:
            amount = read_number(written)
        except (ValueError, InvalidOperation):
            continue
        currency: Currency = "usd" if currency_word in ("美元", "美金") else "yuan"
        stop = end + (currency_match.end() if currency_match else 0)
        bound = bool(_BOUND_BEFORE.search(text[max(0, start - 5): start]) or _BOUND_AFTER.match(text[stop:]))
        found.append(Money(start, stop, amount, currency, text[start:stop], bound))
    return found
