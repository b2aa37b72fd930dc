"""The LangChain tools wrap the same engine and retrieval the CLI uses."""

from datetime import date

from assistant.tools import answer_prompt, calculate_subsidy, lookup_tool


def test_calculator_tool_runs_the_engine():
    result = calculate_subsidy.invoke({"facts": {"recognition_level": "单项冠军"}, "as_of": "2024-05-01"})
    assert result["total_yuan"] == 3000000


def test_calculator_tool_reports_bad_facts_instead_of_raising():
    assert "error" in calculate_subsidy.invoke({"facts": {"no_such_fact": 1}})


def test_lookup_tool_and_prompt(assistant):
    clauses = lookup_tool(assistant).invoke({"query": "首台（套）装备补助"})
    prompt = answer_prompt("首台套补助多少", clauses, date(2024, 5, 1))
    assert "200万元、150万元、50万元和20万元" in prompt and "2024-05-01" in prompt
