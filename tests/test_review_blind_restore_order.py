"""Restoring a blind comparison not yet voted on fills the pickers as a set, not in the shown
(shuffled) pane order. Two panes of one model (t 1 and t 0.2) sorted by model id alone kept
their shuffled order, so the pickers told which blind pane was the t 0.2 twin."""

from types import SimpleNamespace

from playground.config import AppConfig
from playground.pane import PaneRequest
from playground.sampling import GenerationSettings
from playground.ui.history_tab import restored_form


class _Runtime:
    config = AppConfig()

    def sampling_defaults(self, model):
        raise KeyError(model)  # every value stays explicit


def _pickers(order):
    app = SimpleNamespace(runtime=_Runtime(), known_models=["gemma-3-270m", "gemini:gemma-4-31b-it"])
    panes = {"cold": PaneRequest("gemma-3-270m", GenerationSettings(temperature=0.2)),
             "warm": PaneRequest("gemma-3-270m", GenerationSettings(temperature=1.0)),
             "api": PaneRequest("gemini:gemma-4-31b-it", GenerationSettings(temperature=1.0))}
    view = SimpleNamespace(panes=[panes[name] for name in order], hidden=True, request=None)
    return restored_form(app, view, None)


def test_blind_restore_fills_the_pickers_the_same_whatever_the_shuffle():
    first = _pickers(["cold", "warm", "api"])
    second = _pickers(["api", "warm", "cold"])
    assert first == second
    # both twins are still there, each with its own temperature
    temps = {first.get(f"temperature_{i}") for i in range(3)}
    assert {"0.2", "1.0"} <= {str(t) for t in temps}
