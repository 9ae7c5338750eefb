"""The Models tab: every model, whether it can run now and why not, and a download action
for presets whose GGUF is not on disk (huggingface-hub, progress shown)."""

import html
from typing import Any

import gradio as gr

from playground.door import RequestError, web_door
from playground.download import DownloadError, download_model, files_to_download


def models_table(app: Any) -> str:
    """Every model: the short name its panes are headed with, its id, its full description (the
    label and note a pane header has no room for), source, status and facts."""
    from playground.ui.names import short_name

    rows = []
    for spec, ok, reason in app.runtime.model_statuses():
        mark = "✓" if ok else "✗"
        about = " — ".join(p for p in (spec.label, spec.entry.note) if p)
        rows.append(f"<tr><td>{mark}</td><td><b>{html.escape(short_name(spec.id, spec.label, spec.source))}</b></td>"
                    f"<td>{html.escape(spec.id)}</td><td>{html.escape(about)}</td><td>{html.escape(spec.source)}</td>"
                    f"<td>{html.escape(reason)}</td><td>{html.escape(spec.facts())}</td></tr>")
    return ("<table class='gp-models'><thead><tr><th></th><th>pane name</th><th>model</th><th>description</th>"
            f"<th>source</th><th>status</th><th>facts</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def downloadable(app: Any) -> list[tuple[str, str]]:
    out = []
    for spec, _, _ in app.runtime.model_statuses():
        try:
            files_to_download(spec)
        except DownloadError:
            continue
        if spec.path is None:
            size = f" (≈{spec.entry.size_gb:g} GB)" if spec.entry.size_gb else ""
            out.append((f"{spec.label}{size}", spec.id))
    return out


def build_models_tab(app: Any) -> None:
    with gr.Tab("Models", id="models") as tab:
        table = gr.HTML(models_table(app), elem_id="gp-models-table", js_on_load=None)
        with gr.Row():
            pick = gr.Dropdown(downloadable(app), label="Download a model (from the Hugging Face hub)",
                               elem_id="gp-download-pick", scale=3)
            start = gr.Button("Download", elem_id="gp-download", scale=1)
        status = gr.Markdown("", elem_id="gp-download-status")

    def on_download(model_id: str, progress=gr.Progress(track_tqdm=True)):
        if not app.allow_downloads:
            raise gr.Error("Downloads are off on a shared link: run `gemma-playground download MODEL` "
                           "on the machine itself.")
        if not model_id:
            raise gr.Error("Pick a model to download.")
        try:  # the door (playground/door.py): a web route names catalog entries only, never a path
            web_door(app.runtime, [spec.id for spec, _, _ in app.runtime.model_statuses()]).model(
                model_id, "Model to download")
        except RequestError as exc:
            raise gr.Error(str(exc)) from None
        spec = app.runtime.catalog.resolve(model_id)
        try:
            paths = download_model(spec, progress=lambda message: progress(0, desc=message))
        except DownloadError as exc:
            raise gr.Error(str(exc)) from None
        app.runtime.catalog.locate(spec)
        return models_table(app), f"downloaded: {', '.join(str(p) for p in paths)}: pick it in a pane"

    tab.select(lambda: models_table(app), None, table, api_visibility="private")
    start.click(on_download, [pick], [table, status], api_name="download", concurrency_limit=1,
                concurrency_id="download")
