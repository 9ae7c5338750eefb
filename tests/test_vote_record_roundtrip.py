"""A vote as plain JSON and back (the store, `votes export`/`import`): every field kept, the
defaults of a minimal record, a stored vote's time trusted as written, and odd values quoted
short in the sentence that refuses them."""

from __future__ import annotations

import json

import pytest

from playground.judging.vote_record import Vote, VoteError, make_vote, parse_when

WHEN = 1_790_000_000.0


def full_vote(**extra):
    fields = dict(prompt="Draw a pelican", panes=[{"model": "a", "settings": {"temperature": 0.5}, "sample": 2,
                                                   "metrics": {"tokens_per_s": 12.5}, "key": "k1"}, "b", "c"],
                  ranking=[[2], [0, 1]], blind=True, tags=["svg", "birds"], comparison_id="cmp-1",
                  time=WHEN, id="vote-1")
    fields.update(extra)
    return make_vote(**fields)


def test_a_vote_as_json():
    assert full_vote().to_dict() == {
        "id": "vote-1", "time": WHEN, "prompt": "Draw a pelican",
        "panes": [{"model": "a", "settings": {"temperature": 0.5}, "sample": 2, "metrics": {"tokens_per_s": 12.5},
                   "key": "k1"},
                  {"model": "b", "settings": {}, "sample": None, "metrics": {}, "key": None},
                  {"model": "c", "settings": {}, "sample": None, "metrics": {}, "key": None}],
        "ranking": [[2], [0, 1]], "all_bad": False, "blind": True, "tags": ["svg", "birds"],
        "comparison_id": "cmp-1",
    }


@pytest.mark.parametrize("extra", [{}, {"all_bad": True, "blind": False, "tags": []}])
def test_a_vote_comes_back_from_its_json_unchanged(extra):
    vote = full_vote(**extra)
    assert Vote.from_dict(json.loads(json.dumps(vote.to_dict()))) == vote


def test_a_minimal_record_gets_the_defaults():
    vote = Vote.from_dict({"panes": ["a", "b"], "ranking": [[0], [1]], "time": WHEN})
    assert (vote.prompt, vote.all_bad, vote.blind, vote.tags, vote.comparison_id, vote.time) == (
        "", False, False, (), None, WHEN)
    assert vote.id  # a new id


def test_a_stored_vote_keeps_a_time_a_new_vote_may_not_have():
    far = parse_when("2300-01-01")  # past 2200: not a time a vote was cast, but a date
    record = {"panes": ["a", "b"], "ranking": [[0], [1]], "time": far}
    assert Vote.from_dict(record).time == far  # read back from the store: trusted as written
    with pytest.raises(VoteError, match='"time" .* is not a time a vote was cast'):
        make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]], time=far)


@pytest.mark.parametrize("data", [None, [], "vote", 3])
def test_a_record_that_is_not_an_object_is_refused(data):
    with pytest.raises(VoteError) as refused:
        Vote.from_dict(data)
    assert str(refused.value) == "a vote must be a JSON object."


@pytest.mark.parametrize("tag, shown", [
    (7, "7"),
    ("", '""'),
    (["x" * 60], '["' + "x" * 35 + "…"),
    (object(), "object"),
])
def test_a_bad_tag_is_quoted_short(tag, shown):
    with pytest.raises(VoteError) as refused:
        make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]], tags=[tag])
    assert str(refused.value) == f"tag {shown} is not a non-empty string."


def test_a_40_character_value_is_quoted_whole():
    value = ["y" * 36]  # json: ["yyy…"] is exactly 40 characters
    assert len(json.dumps(value)) == 40
    with pytest.raises(VoteError) as refused:
        make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]], tags=[value])
    assert str(refused.value) == f"tag {json.dumps(value)} is not a non-empty string."


def test_a_41_character_value_is_cut():
    value = ["y" * 37]  # 41 characters as JSON
    with pytest.raises(VoteError) as refused:
        make_vote(prompt="p", panes=["a", "b"], ranking=[[0], [1]], tags=[value])
    assert str(refused.value) == f'tag {json.dumps(value)[:37]}… is not a non-empty string.'


def test_a_vote_id_sorts_by_time():
    import re

    from playground.judging.vote_record import new_vote_id

    given = new_vote_id(WHEN)
    assert re.fullmatch(f"{int(WHEN * 1000):012x}-[0-9a-f]{{8}}", given), given
    assert new_vote_id(WHEN) != given  # the random part
    now = new_vote_id()
    assert re.fullmatch("[0-9a-f]{12}-[0-9a-f]{8}", now) and now[:12] > given[:12]  # now is after 2026-09


def test_times_read_from_dates_datetimes_and_numbers():
    import datetime as dt

    utc = dt.timezone.utc
    assert parse_when(dt.datetime(2026, 11, 28, 12, 30, tzinfo=utc)) == dt.datetime(2026, 11, 28, 12, 30, tzinfo=utc).timestamp()
    assert parse_when(dt.date(2026, 11, 28)) == dt.datetime(2026, 11, 28, tzinfo=utc).timestamp()
    assert parse_when(dt.date(2026, 11, 28), end_of_day=True) == dt.datetime(2026, 11, 28, 23, 59, 59, 999999,
                                                                              tzinfo=utc).timestamp()
    assert parse_when(WHEN) == WHEN and parse_when(7) == 7.0


@pytest.mark.parametrize("value, message", [
    (True, "not a time: True."),
    (10 ** 400, "not a time: " + str(10 ** 400)[:37] + "… (unix seconds or an ISO 8601 date)."),
    (1e300, "not a time: 1e+300 (unix seconds or an ISO 8601 date)."),
    ([2026], "not a time: [2026]."),
])
def test_a_value_that_is_no_time_is_a_sentence(value, message):
    with pytest.raises(VoteError) as refused:
        parse_when(value)
    assert str(refused.value) == message
