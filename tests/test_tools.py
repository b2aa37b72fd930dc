"""The LangChain tools wrap the same engine and retrieval the CLI uses."""

from datetime import date

from assistant.tools import answer_prompt, calculate_subsidy, calculate_tool, lookup_tool


def test_calculator_tool_runs_the_engine():
    result = calculate_subsidy.invoke({"facts": {"recognition_level": "单项冠军"}, "as_of": "2024-05-01"})
    assert result["total_yuan"] == 3000000


def test_calculator_tool_reports_bad_facts_instead_of_raising():
    assert "error" in calculate_subsidy.invoke({"facts": {"no_such_fact": 1}})


def test_lookup_tool_and_prompt(assistant):
    clauses = lookup_tool(assistant).invoke({"query": "首台（套）装备补助"})
    prompt = answer_prompt("首台套补助多少", clauses, date(2024, 5, 1))
    assert "200万元、150万元、50万元和20万元" in prompt and "2024-05-01" in prompt


def test_the_api_types_describe_exactly_what_the_core_returns(assistant):
    """The endpoints' published schema and the JSON the core builds are one shape."""
    from typing import get_type_hints

    from assistant.api_types import AskJSON, CalcItemJSON, CalculationJSON, CitationJSON
    from assistant.calculate import calculate

    answer = assistant.ask("我们厂数字化改造投了800万，已经验收了，能补多少？", as_of=date(2024, 5, 1)).to_json()
    assert set(answer) == set(get_type_hints(AskJSON))
    assert set(answer["citations"][0]) == set(get_type_hints(CitationJSON))
    assert set(answer["calculation"]) <= set(get_type_hints(CalculationJSON))
    result = calculate({"recognition_level": "隐形冠军"}, date(2024, 5, 1)).to_json()
    assert set(result) <= set(get_type_hints(CalculationJSON))
    item_fields = get_type_hints(CalcItemJSON)
    required = {k for k in item_fields if k in CalcItemJSON.__required_keys__}
    assert required <= set(result["items"][0]) <= set(item_fields)


def test_the_calculate_tool_of_an_assistant_uses_its_index(assistant):
    result = calculate_tool(assistant).invoke({"facts": {"recognition_level": "单项冠军"}, "as_of": "2024-05-01"})
    assert result["total_yuan"] == 3000000 and result["items"][0]["policy_status"] == "current"
    assert "error" in calculate_tool(assistant).invoke({"facts": {"no_such_fact": 1}})
