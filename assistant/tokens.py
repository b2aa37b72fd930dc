"""Chinese word tokens for keyword retrieval and sentence scoring (jieba).

Shared by the index builder and the retriever so that both cut text the same
way. Question words (什么、多少、怎么) and function words carry no evidence
and are dropped.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

_lock = threading.Lock()
_ready = False

# General industrial-policy vocabulary jieba's dictionary cuts apart (no names of one
# document's projects: a new document must be read as well as the bundled ones).
DOMAIN_WORDS = [
    "专精特新", "小巨人", "单项冠军", "隐形冠军", "首台套", "首台（套）", "首批次", "数字化改造", "智能化技术改造",
    "绿色化改造", "示范样本", "生产性投入", "设备投资额", "实际利用外资", "世界500强", "区域总部", "外资研发中心",
    "特色小镇", "融资租赁", "责任单位", "就高不重复",
    "征求意见稿", "高新技术企业", "加计扣除", "研发费用", "配套奖补",
    "新认定", "标准煤", "二氧化碳", "节水改造", "资源综合利用", "第三方检测机构",
]

STOPWORDS = set(
    """的 了 和 与 及 或 等 是 在 对 为 由 把 被 将 从 向 于 以 之 其 该 此 这 那 这个 那个 我们 我 你 您 他 她 它 他们
    公司 企业的 什么 多少 怎么 怎样 如何 吗 呢 吧 啊 哪些 哪个 哪 有 没有 能 能够 可以 可 会 要 想 请问 一下 请 问 一个
    一些 有关 关于 相关 规定 具体 情况 方面 就 都 也 还 又 并 且 而 则 但 如果 如 按 按照 给 给予 拿 领 申请 享受 可否
    是否 几 多 少 时候 时间 怎么办 为什么 哪里 一共 总共 到底 能拿 啥 咋 呀 嘛 搞 弄 花 花了 厂 咱 咱们 有啥 没 不 啊
    领钱 钱 政府 补 奖 多久""".split()
)
# Colloquial or abbreviated forms → the words policy texts use. Applied to questions and
# clauses alike, so both sides meet on one form.
SYNONYMS = {"外企": "外资企业", "标煤": "标准煤", "技改": "技术改造"}
_AMOUNT_WORD = re.compile(r"^[\d.]+[%‰]?$|^[\d.零一二两三四五六七八九十百千万亿]+(万|亿|元|美元|吨|年)?$")
_PUNCT = re.compile(r"^[\W_]+$", re.UNICODE)


def _init() -> None:
    global _ready
    with _lock:
        if _ready:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        for word in DOMAIN_WORDS:
            jieba.add_word(word, freq=200000)
        _ready = True


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters (專精特新) read as simplified (专精特新)."""
    return _t2s().convert(text)


def normalise(text: str) -> str:
    text = to_simplified(text).lower()
    # "首台（套）装备" reads as "首台套装备": a single bracketed character inside a word belongs
    # to it; a unit after a word ("小升规（家）：") does not.
    text = re.sub(r"(?<=[\u4e00-\u9fff])[（(]([\u4e00-\u9fff])[）)](?=[\u4e00-\u9fff])", r"\1", text)
    for short, full in SYNONYMS.items():
        text = text.replace(short, full)
    return text.replace("（", "(").replace("）", ")").replace("“", "").replace("”", "")


# Spacing and punctuation of either width, quotes and brackets of every kind.
_NOT_WORDS = re.compile(r"[\s!-/:-@\[-`{-~\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’·…—─]")


def bare(text: str) -> str:
    """Text as compared literally: simplified, lower case, without spacing or punctuation of
    either width ("（含）" and "(含)", "《标题》" and "标题" are the same words). One definition for
    quoting a rule's clause, a searched phrase and a repealed title."""
    return _NOT_WORDS.sub("", to_simplified(text or "").lower())


@lru_cache(maxsize=4096)
def tokenize(text: str) -> tuple[str, ...]:
    """Search-mode jieba tokens without punctuation and stopwords."""
    _init()
    import jieba

    words = jieba.lcut_for_search(normalise(text))
    return tuple(w for w in (w.strip() for w in words) if w and not _PUNCT.match(w) and w not in STOPWORDS)


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """Precise-mode jieba words: each word of the question once, for measuring coverage."""
    _init()
    import jieba

    cut = jieba.lcut(normalise(text))
    return tuple(
        w for w in (w.strip() for w in cut)
        if w and not _PUNCT.match(w) and w not in STOPWORDS and not _AMOUNT_WORD.match(w)
    )


def char_bigrams(text: str) -> list[str]:
    """Overlapping character pairs of the normalised text: they match where the words
    differ but share characters (投了/投入, 拖欠工资/拖欠劳动报酬), whatever jieba cut."""
    letters = re.sub(r"[^\u4e00-\u9fffa-z0-9]", "", normalise(text))
    return [letters[i: i + 2] for i in range(len(letters) - 1)]


def parts(word: str) -> tuple[str, ...]:
    """The shorter words inside a long one (国际级 → 国际), for partial matches."""
    _init()
    import jieba

    return tuple(p for p in jieba.lcut_for_search(word) if p != word and len(p) >= 2)
