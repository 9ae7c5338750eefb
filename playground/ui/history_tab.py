"""The History tab: search past comparisons, restore one (every pane at once, from the cache),
delete one. Layout and wiring only; the work is in Sessions.restore and the cache."""

import time
from typing import Any, Callable

import gradio as gr

from playground.ui.session import MAX_PANES


def history_choices(cache: Any, query: str) -> list[tuple[str, str]]:
    if cache is None:
        return []
    rows = []
    for entry in cache.history(query or "", limit=200):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["time"]))
        prompt = entry["prompt"].replace("\n", " ")
        prompt = prompt if len(prompt) <= 70 else prompt[:67] + "..."
        rows.append((f"{when} · {prompt} · {', '.join(m or '?' for m in entry['models'])}", entry["id"]))
    return rows


def build_history_tab(app: Any, session_id: Callable, pane_outputs: list, pickers: list, prompt: Any,
                      tabs: Any, known_models: list[str], no_model: str) -> None:
    """Create the tab (call inside the gr.Tabs block) and wire its events."""
    cache = app.runtime.cache
    with gr.Tab("History", id="history") as history_tab:
        with gr.Row():
            query = gr.Textbox(label="Search prompts", elem_id="gp-history-query", scale=3)
            search = gr.Button("Search", scale=1, elem_id="gp-history-search")
        pick = gr.Dropdown([], label="Past comparisons (newest first)", elem_id="gp-history-pick")
        with gr.Row():
            restore = gr.Button("Restore", variant="primary", elem_id="gp-history-restore")
            delete = gr.Button("Delete", variant="stop", elem_id="gp-history-delete")
        status = gr.Markdown("")

    def on_history(text: str):
        rows = history_choices(cache, text)
        return gr.update(choices=rows, value=rows[0][1] if rows else None), (
            f"{len(rows)} comparison(s)" if cache is not None else "the cache is off")

    def on_restore(request: gr.Request, entry_id: str):
        session = session_id(request)
        outputs, restored_prompt = app.sessions.restore(session, entry_id)
        # The pane pickers follow the restored panes, so Run (and the URL) mean this comparison.
        restored = [pane.model for pane in app.sessions.view(session).panes]
        models = [restored[i] if i < len(restored) and restored[i] in known_models else no_model
                  for i in range(MAX_PANES)]
        return outputs + models + [restored_prompt, gr.Tabs(selected="compare")]

    def on_delete(entry_id: str, text: str):
        if cache is not None and entry_id:
            cache.delete_comparison(entry_id)
        return on_history(text)

    outputs = [pick, status]
    history_tab.select(on_history, [query], outputs, api_visibility="private")
    search.click(on_history, [query], outputs, api_name="history")
    query.submit(on_history, [query], outputs, api_visibility="private")
    delete.click(on_delete, [pick, query], outputs, api_name="history_delete")
    restore.click(on_restore, [pick], pane_outputs + pickers + [prompt, tabs], api_name="history_restore")
