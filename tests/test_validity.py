"""Validity windows as policy texts write them: one phrasing a row, with the window it means."""

from datetime import date

import pytest

from assistant.structure import extract_validity

ISSUED = date(2024, 2, 20)
D = date


@pytest.mark.parametrize("sentence, start, end", [
    ("本意见自2024年3月1日起施行，有效期至2027年12月31日。", D(2024, 3, 1), D(2027, 12, 31)),
    ("本办法自2024年3月1日起施行，至2026年2月28日止。", D(2024, 3, 1), D(2026, 2, 28)),
    ("本通知自2024年4月1日起实施，有效期3年。", D(2024, 4, 1), D(2027, 3, 31)),
    ("本措施自2024年4月1日起执行，有效期为两年。", D(2024, 4, 1), D(2026, 3, 31)),
    ("本实施方案自7月1日起执行，有效期为一年。", D(2024, 7, 1), D(2025, 6, 30)),
    ("本意见自印发之日起施行，有效期5年。", ISSUED, D(2029, 2, 19)),
    ("本计划执行期为2023年6月15日至2025年12月31日。", D(2023, 6, 15), D(2025, 12, 31)),
    ("执行期限：2023年1月1日—2025年12月31日。", D(2023, 1, 1), D(2025, 12, 31)),
    ("有效期自2022年1月1日起至2024年12月31日。", D(2022, 1, 1), D(2024, 12, 31)),
    ("本政策有效期至2027年12月31日。", ISSUED, D(2027, 12, 31)),
    ("本工作措施自印发之日起实施，有效期为3年（2023—2025年）。", ISSUED, D(2025, 12, 31)),
    ("规划期限为2016─2020年。", D(2016, 1, 1), D(2020, 12, 31)),
    ("本办法自发布之日起施行。", ISSUED, None),
])
def test_validity_phrasings(sentence, start, end):
    got_start, got_end, quoted = extract_validity("关于某某的通知\n" + sentence, "关于某某的通知", ISSUED)
    assert (got_start, got_end) == (start, end)
    assert quoted
