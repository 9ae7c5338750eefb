"""What a valid vote keeps, at the edges of what is accepted: names and ids trimmed, tags
trimmed and de-duplicated in any case, settings stored as plain JSON, metrics as floats up to
1e15 (unknown ones dropped), sample numbers up to 2**53 − 1, times from 1970 to 2200, and dates
and ISO times read as UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from playground.judging.vote_record import MAX_VOTE_TIME, Pane, Vote, make_vote, parse_when

UTC = dt.timezone.utc


def vote(**fields):
    base = dict(prompt="p", panes=["a", "b"], ranking=[[0], [1]], time=1_790_000_000.0)
    base.update(fields)
    return make_vote(**base)


def test_model_names_and_ids_are_trimmed():
    v = vote(panes=[" a ", {"model": "\tb\n"}], id=" v1 ")
    assert v.models == ["a", "b"] and v.id == "v1"
    assert v.model_ranking() == [["a"], ["b"]]


def test_a_pane_object_is_taken_as_it_is():
    pane = Pane("a", {"seed": 1}, sample=3, metrics={"ttft_s": 0.5}, key="k")
    assert vote(panes=[pane, "b"]).panes[0] == pane


def test_settings_are_kept_as_plain_json():
    v = vote(panes=[{"model": "a", "settings": {1: (2, 3), "name": "é"}}, {"model": "b", "settings": None}])
    assert v.panes[0].settings == {"1": [2, 3], "name": "é"}
    assert v.panes[1].settings == {}


@pytest.mark.parametrize("sample", [1, 2 ** 53 - 1, None])
def test_sample_numbers_from_1_to_2_to_the_53_minus_1(sample):
    assert vote(panes=[{"model": "a", "sample": sample}, "b"]).panes[0].sample == sample


def test_metrics_are_floats_and_unknown_or_infinite_ones_are_dropped():
    metrics = {"tokens_per_s": 3, "ttft_s": 0, "prefill_tokens_per_s": 1e15, "load_s": 9.0}
    kept = vote(panes=[{"model": "a", "metrics": metrics}, "b"]).panes[0].metrics
    assert kept == {"tokens_per_s": 3.0, "ttft_s": 0.0, "prefill_tokens_per_s": 1e15}
    assert all(type(v) is float for v in kept.values())
    dropped = {"tokens_per_s": float("inf"), "ttft_s": float("nan"), "prefill_tokens_per_s": None}
    assert vote(panes=[{"model": "a", "metrics": dropped}, "b"]).panes[0].metrics == {}
    for empty in (None, {}):
        assert vote(panes=[{"model": "a", "metrics": empty}, "b"]).panes[0].metrics == {}


def test_tags_are_trimmed_and_kept_once_in_the_first_spelling():
    assert vote(tags=[" SVG ", "svg", "Birds", "birds ", "Σ", "σ"]).tags == ("SVG", "Birds", "Σ")
    assert vote(tags="svg").tags == ("svg",)
    assert vote(tags=None).tags == () and vote(tags=("a", "b")).tags == ("a", "b")


def test_flags_are_true_false_or_none():
    v = vote(all_bad=True, blind=True)
    assert (v.all_bad, v.blind) == (True, True)
    v = vote(all_bad=None, blind=None)
    assert (v.all_bad, v.blind) == (False, False)


def test_one_pane_all_bad_and_one_model_twice():
    assert vote(panes=["a"], ranking=[[0]], all_bad=True).panes == (Pane("a"),)
    assert vote(panes=["a", "a"], ranking=[[0, 1]]).models == ["a", "a"]


@pytest.mark.parametrize("when", [0, 0.0, MAX_VOTE_TIME, "1970-01-01", "2200-01-01T00:00:00Z"])
def test_times_from_1970_to_2200_are_accepted(when):
    assert vote(time=when).time == parse_when(when)


def test_a_time_given_as_text_is_read_as_utc():
    assert vote(time="2026-11-28T12:00:00Z").time == dt.datetime(2026, 11, 28, 12, tzinfo=UTC).timestamp()
    assert vote(time=" 2026-11-28 ").time == dt.datetime(2026, 11, 28, tzinfo=UTC).timestamp()


def test_the_id_of_a_vote_without_one_sorts_by_its_time():
    v = vote(time=1_790_000_000.5)
    assert v.id.startswith(f"{1_790_000_000_500:012x}-")


def test_a_vote_without_a_time_is_cast_now(monkeypatch):
    import playground.judging.vote_record as vr

    monkeypatch.setattr(vr._time, "time", lambda: 1_790_000_123.25)
    v = vote(time=None)
    assert v.time == 1_790_000_123.25 and v.id.startswith(f"{1_790_000_123_250:012x}-")


def test_a_stored_vote_comes_back_with_its_comparison_and_tags():
    record = vote(comparison_id="cmp-9", tags=["x"], all_bad=True, blind=True).to_dict()
    back = Vote.from_dict(record)
    assert (back.comparison_id, back.tags, back.all_bad, back.blind, back.prompt) == (
        "cmp-9", ("x",), True, True, "p")


@pytest.mark.parametrize("text, expected", [
    ("2026-11-28", dt.datetime(2026, 11, 28, tzinfo=UTC)),
    ("2026-11-28T12:00:00", dt.datetime(2026, 11, 28, 12, tzinfo=UTC)),
    ("2026-11-28T12:00:00Z", dt.datetime(2026, 11, 28, 12, tzinfo=UTC)),
    ("2026-11-28T12:00:00+02:00", dt.datetime(2026, 11, 28, 10, tzinfo=UTC)),
    ("2026-11-28 12:00", dt.datetime(2026, 11, 28, 12, tzinfo=UTC)),
    (" 2026-11-28 ", dt.datetime(2026, 11, 28, tzinfo=UTC)),
])
def test_iso_text_is_read_as_utc_unless_it_says_otherwise(text, expected):
    assert parse_when(text) == expected.timestamp()


def test_until_a_bare_date_means_the_end_of_that_day():
    end = dt.datetime(2026, 11, 28, 23, 59, 59, 999999, tzinfo=UTC).timestamp()
    assert parse_when("2026-11-28", end_of_day=True) == end
    assert parse_when(" 2026-11-28 ", end_of_day=True) == end
    # a time of day is exact either way
    noon = dt.datetime(2026, 11, 28, 12, tzinfo=UTC).timestamp()
    assert parse_when("2026-11-28T12:00:00", end_of_day=True) == noon


def test_a_naive_datetime_is_utc_and_an_aware_one_keeps_its_zone():
    assert parse_when(dt.datetime(2026, 11, 28, 12)) == dt.datetime(2026, 11, 28, 12, tzinfo=UTC).timestamp()
    plus2 = dt.timezone(dt.timedelta(hours=2))
    assert parse_when(dt.datetime(2026, 11, 28, 12, tzinfo=plus2)) == dt.datetime(
        2026, 11, 28, 10, tzinfo=UTC).timestamp()


@pytest.fixture
def far_from_utc(monkeypatch):
    """The machine's clock in UTC+14: local time is not UTC there, even on a date."""
    import time

    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    assert time.localtime(1_790_000_000).tm_gmtoff == 14 * 3600
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_time_without_a_zone_is_utc_whatever_the_machines_zone(far_from_utc):
    noon = dt.datetime(2026, 11, 28, 12, tzinfo=UTC).timestamp()
    assert parse_when("2026-11-28T12:00:00") == noon
    assert parse_when(dt.datetime(2026, 11, 28, 12)) == noon
    assert parse_when("2026-11-28") == dt.datetime(2026, 11, 28, tzinfo=UTC).timestamp()
    assert vote(time="2026-11-28T12:00:00").time == noon


def test_the_last_second_of_year_9999_utc_is_a_time_whatever_the_machines_zone(far_from_utc):
    # in UTC+14 that second is already in year 10000 locally: the check reads it as UTC
    assert parse_when(253_402_300_799) == 253_402_300_799.0
    assert Vote.from_dict({"panes": ["a", "b"], "ranking": [[0], [1]], "time": 253_402_300_799}).time == 253_402_300_799.0


def test_numbers_are_unix_seconds_as_floats():
    assert parse_when(1_790_000_000) == 1_790_000_000.0 and type(parse_when(5)) is float
    assert parse_when(-86400.5) == -86400.5  # a date before 1970 is still a date
