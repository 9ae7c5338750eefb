"""Driving the app through gradio_client: the /run endpoint's inputs by field name, and a pane's
HTML as the client last received it. Shared by every test that launches the app and runs."""

from __future__ import annotations

TEXT_FIELDS = ("temperature", "top_p", "top_k", "seed")  # text boxes: empty = model default / random


def run_args(prompt, models, panes=None, **overrides):
    """The /run endpoint's inputs, built by field name (playground.ui.form.RUN_FIELDS) up to but
    not including `blind` (the last input; callers may append it). `panes` maps a pane's index to
    its own fields, e.g. {0: {"max_tokens": "5"}}."""
    from playground.ui.form import MAX_PANES, PANE_FIELDS, RUN_FIELDS, pane_field

    form = {"prompt": prompt, "system": "", "image": None, "temperature": 0.7, "top_p": 0.95,
            "top_k": 64, "max_tokens": 64, "seed": 1, "thinking": False, "samples": 1, "bypass_cache": False}
    form.update(overrides)
    for name in TEXT_FIELDS:
        form[name] = "" if form[name] is None else str(form[name])
    for i in range(MAX_PANES):
        for name in PANE_FIELDS:
            form[pane_field(name, i)] = "default" if name == "thinking" else ""
        form[pane_field("model", i)] = models[i] if i < len(models) else ""
        for name, value in (panes or {}).get(i, {}).items():
            form[pane_field(name, i)] = value
    # what a script written before min_p sends: every input before `blind` (later fields go after it)
    return [form[name] for name in RUN_FIELDS[:RUN_FIELDS.index("blind")]]


def pane_html(outputs, index):
    """The pane's HTML as the browser has it: the last value sent for that output. The client
    sees [pane html × 6, gallery, chart, status] (layout columns carry no value); a pane that did not
    change since the previous update arrives as a skip."""
    if outputs and not isinstance(outputs[0], (list, tuple)):
        outputs = [outputs]
    for output in reversed(outputs):
        if isinstance(output[index], str):
            return output[index]
    return ""
