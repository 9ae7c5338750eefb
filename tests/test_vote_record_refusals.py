"""Every way a vote is refused, as the exact sentence the person (the page, `votes import`)
reads: which field, which pane or tie group, which character, and the odd value quoted short."""

from __future__ import annotations

import pytest

from playground.judging.vote_record import MAX_VOTE_TIME, VoteError, make_vote, parse_when

SURROGATE = "is not valid text: character {} is a lone surrogate (U+{}); remove it."


def refusal(**fields):
    base = dict(prompt="p", panes=["a", "b"], ranking=[[0], [1]], time=1_790_000_000.0)
    base.update(fields)
    with pytest.raises(VoteError) as refused:
        make_vote(**base)
    return str(refused.value)


@pytest.mark.parametrize("fields, message", [
    ({"prompt": 3}, '"prompt" must be a string.'),
    ({"prompt": None}, '"prompt" must be a string.'),
    ({"prompt": "ok\ud800"}, "the prompt " + SURROGATE.format(3, "D800")),
    ({"panes": None}, "a vote needs the panes (models) that were judged."),
    ({"panes": []}, "a vote needs the panes (models) that were judged."),
    ({"panes": "ab"}, "a vote needs the panes (models) that were judged."),
    ({"panes": ["a"], "ranking": [[0]]}, 'a ranking needs at least two models (or "all_bad": true).'),
    ({"panes": ["a"], "ranking": [[0]], "all_bad": None}, 'a ranking needs at least two models (or "all_bad": true).'),
    ({"all_bad": "yes"}, '"all_bad" must be true or false, not "yes".'),
    ({"blind": 1}, '"blind" must be true or false, not 1.'),
    ({"comparison_id": ""}, '"comparison_id" must be a non-empty string.'),
    ({"comparison_id": 5}, '"comparison_id" must be a non-empty string.'),
    ({"comparison_id": "c\udfff"}, '"comparison_id" ' + SURROGATE.format(2, "DFFF")),
    ({"id": "  "}, '"id" must be a non-empty string.'),
    ({"id": 5}, '"id" must be a non-empty string.'),
    ({"id": "\ud801v"}, '"id" ' + SURROGATE.format(1, "D801")),
    ({"time": -1}, '"time" -1 is not a time a vote was cast (1970 to 2200, UTC).'),
    ({"time": MAX_VOTE_TIME + 1}, '"time" 7258118401.0 is not a time a vote was cast (1970 to 2200, UTC).'),
    ({"time": "2200-01-02"}, '"time" "2200-01-02" is not a time a vote was cast (1970 to 2200, UTC).'),
])
def test_a_bad_vote_field_is_one_exact_sentence(fields, message):
    assert refusal(**fields) == message


@pytest.mark.parametrize("pane, message", [
    (5, 'pane 2 must be an object with a "model".'),
    (None, 'pane 2 must be an object with a "model".'),
    ({}, "pane 2 has no model name."),
    ({"model": "  "}, "pane 2 has no model name."),
    ({"model": 7}, "pane 2 has no model name."),
    ("  ", "pane 2 has no model name."),
    ({"model": "m\udc00"}, "the model name of pane 2 " + SURROGATE.format(2, "DC00")),
    ({"model": "m", "settings": [1]}, "pane 2: settings must be an object."),
    ({"model": "m", "settings": "t=1"}, "pane 2: settings must be an object."),
    ({"model": "m", "sample": 0}, "pane 2: sample must be a positive whole number."),
    ({"model": "m", "sample": -3}, "pane 2: sample must be a positive whole number."),
    ({"model": "m", "sample": 2 ** 53}, "pane 2: sample must be a positive whole number."),
    ({"model": "m", "sample": True}, "pane 2: sample must be a positive whole number."),
    ({"model": "m", "sample": 1.0}, "pane 2: sample must be a positive whole number."),
    ({"model": "m", "sample": "1"}, "pane 2: sample must be a positive whole number."),
    ({"model": "m", "key": 5}, "pane 2: key must be a string."),
    ({"model": "m", "key": "ab\ud800"}, "the cache key of pane 2 " + SURROGATE.format(3, "D800")),
    ({"model": "m", "settings": {"t": "x\ud800"}}, "the settings of pane 2 " + SURROGATE.format(9, "D800")),
    ({"model": "m", "settings": {"t": float("nan")}},
     "pane 2: settings must be plain JSON (Out of range float values are not JSON compliant)."),
    ({"model": "m", "settings": {"t": float("inf")}},
     "pane 2: settings must be plain JSON (Out of range float values are not JSON compliant)."),
    ({"model": "m", "settings": {"t": object()}},
     "pane 2: settings must be plain JSON (Object of type object is not JSON serializable)."),
    ({"model": "m", "metrics": "fast"},
     'pane 2: metrics must be an object like {"tokens_per_s": 42.0, "ttft_s": 0.3}.'),
    ({"model": "m", "metrics": [1]},
     'pane 2: metrics must be an object like {"tokens_per_s": 42.0, "ttft_s": 0.3}.'),
    ({"model": "m", "metrics": {"ttft_s": -1}}, "pane 2: metric ttft_s must be a non-negative number, not -1."),
    ({"model": "m", "metrics": {"tokens_per_s": -0.5}},
     "pane 2: metric tokens_per_s must be a non-negative number, not -0.5."),
    ({"model": "m", "metrics": {"prefill_tokens_per_s": 2e15}},
     "pane 2: metric prefill_tokens_per_s must be a non-negative number, not 2000000000000000.0."),
    ({"model": "m", "metrics": {"prefill_tokens_per_s": 1e15 + 0.5}},  # just past the cap
     "pane 2: metric prefill_tokens_per_s must be a non-negative number, not 1000000000000000.5."),
    ({"model": "m", "metrics": {"ttft_s": True}}, "pane 2: metric ttft_s must be a non-negative number, not true."),
    ({"model": "m", "metrics": {"ttft_s": "0.3"}}, 'pane 2: metric ttft_s must be a non-negative number, not "0.3".'),
])
def test_a_bad_pane_is_named_by_its_number(pane, message):
    assert refusal(panes=["a", pane]) == message


def test_settings_nested_too_deeply_are_a_sentence_not_a_crash():
    settings: dict = {}
    for _ in range(100_000):
        settings = {"x": settings}
    assert refusal(panes=["a", {"model": "m", "settings": settings}]) == "pane 2: settings are nested too deeply."


@pytest.mark.parametrize("ranking, message", [
    ("0,1", '"ranking" must be a non-empty list of tie groups, best first.'),
    (None, '"ranking" must be a non-empty list of tie groups, best first.'),
    ([], '"ranking" must be a non-empty list of tie groups, best first.'),
    ([[0], [], [1]], "tie group 2 of the ranking must be a non-empty list."),
    ([[0], 1], "tie group 2 of the ranking must be a non-empty list."),
    ([[0], [1, 3]], "tie group 2 names pane 3, which does not exist."),
    ([[0], [1, -1]], "tie group 2 names pane -1, which does not exist."),
    ([[0, 1], [True]], "tie group 2 names pane true, which does not exist."),
    ([[0, 1], [2.0]], "tie group 2 names pane 2.0, which does not exist."),
    ([[0, 1], ["2"]], 'tie group 2 names pane "2", which does not exist.'),
    ([[0], [1, 1]], "pane 2 appears twice in the ranking."),
    ([[2], [0], [2]], "pane 3 appears twice in the ranking."),
    ([[1]], "the ranking leaves out pane(s) 1, 3: rank every pane."),
    ([[0, 1]], "the ranking leaves out pane(s) 3: rank every pane."),
])
def test_a_bad_ranking_names_the_tie_group_or_the_pane(ranking, message):
    assert refusal(panes=["a", "b", "c"], ranking=ranking) == message


@pytest.mark.parametrize("tags, message", [
    ({"svg"}, '"tags" must be a list of strings, e.g. ["svg"].'),
    (7, '"tags" must be a list of strings, e.g. ["svg"].'),
    (["ok", "   "], 'tag "   " is not a non-empty string.'),
    (["ok", "b\ud800"], "tag 2 " + SURROGATE.format(2, "D800")),
    (["ok", "OK", "b\ud800"], "tag 2 " + SURROGATE.format(2, "D800")),  # counted after the duplicate went
])
def test_a_bad_tag_is_named(tags, message):
    assert refusal(tags=tags) == message


@pytest.mark.parametrize("value, message", [
    ("soon", "'soon' is not a date: use YYYY-MM-DD or an ISO 8601 time."),
    ("2026-13-45", "'2026-13-45' is not a date: use YYYY-MM-DD or an ISO 8601 time."),
    ("2026-11-28T25:00", "'2026-11-28T25:00' is not a date: use YYYY-MM-DD or an ISO 8601 time."),
    # Python reads only a capital Z as UTC; a lowercase one is refused, on 3.10 and 3.11 alike
    ("2026-11-28T12:00:00z", "'2026-11-28T12:00:00z' is not a date: use YYYY-MM-DD or an ISO 8601 time."),
    ("2026-11-28\ud80012:00:00", "the time " + SURROGATE.format(11, "D800")),
    (float("nan"), "not a time: NaN (unix seconds or an ISO 8601 date)."),
    (object(), "not a time: object."),
    (None, "not a time: null."),
    (253_402_300_800, "not a time: 253402300800 (unix seconds or an ISO 8601 date)."),  # year 10000
])
def test_a_value_that_is_no_time_is_one_exact_sentence(value, message):
    with pytest.raises(VoteError) as refused:
        parse_when(value)
    assert str(refused.value) == message
