"""A blind comparison not voted on yet says so in its History row: Restore brings it back
blind, and the row is where the user finds the judgement still to do. Before, only a voted
blind comparison said 'blind'."""

from playground.ui.history_tab import history_choices


class _Cache:
    def __init__(self, records):
        self.records = records

    def history(self, query, limit=200):
        return [{"id": r["id"], "key": r["id"], "time": 1_790_000_000 - n, "prompt": r["prompt"],
                 "models": ["gemma-3-270m", "gemini:gemma-4-31b-it"]} for n, r in enumerate(self.records)]

    def get_comparison(self, entry_id):
        return next(r for r in self.records if r["id"] == entry_id)


def _record(entry_id, blind):
    panes = [{"model": "gemma-3-270m", "settings": {"max_tokens": 64}},
             {"model": "gemini:gemma-4-31b-it", "settings": {"max_tokens": 64}}]
    return {"id": entry_id, "prompt": "pelican", "blind": blind, "panes": panes}


def test_a_pending_blind_comparison_is_marked_in_its_row():
    rows = dict((entry_id, label) for label, entry_id in
                history_choices(_Cache([_record("b", True), _record("n", False)]), ""))
    assert "blind · not voted yet" in rows["b"]
    assert "blind" not in rows["n"]
