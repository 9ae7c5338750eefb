"""The History tab: search past comparisons, restore one (every pane at once, from the cache),
delete one; see, change or delete its vote. Layout and wiring only; the work is in
Sessions.restore, the cache and the vote store.

A comparison's models are listed as a sorted set, never in pane order: for a blind comparison
not voted on yet, the pane order is the secret.
"""

import json
import time
from collections import Counter
from typing import Any, Callable

import gradio as gr

from playground.ui.form import RESTORED_FIELDS, form_values


def models_summary(models: list[str | None]) -> str:
    """The set of models, sorted, with a count when one is in several panes."""
    counts = Counter(m or "?" for m in models)
    return ", ".join(f"{m} ×{n}" if n > 1 else m for m, n in sorted(counts.items()))


def entry_key(cache: Any, entry: dict[str, Any]) -> str:
    """What defines the comparison (cache.keys.comparison_key): identical re-runs share it. The
    index row has it; its summary does not return it yet, so it is made from the record."""
    if entry.get("key"):
        return entry["key"]
    from playground.cache.keys import comparison_key

    record = cache.get_comparison(entry["id"]) if hasattr(cache, "get_comparison") else None
    if not record:
        return entry["id"]
    return comparison_key(prompt=record["prompt"], system=record.get("system"), image_sha=record.get("image_sha"),
                          panes=record.get("panes") or [])


def history_choices(cache: Any, query: str, votes: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """One row per comparison, newest first; identical re-runs (same prompt, system prompt, image,
    models and settings) are one row, "· run N times", restoring the newest."""
    if cache is None:
        return []
    votes = votes or {}
    groups: dict[str, list[dict[str, Any]]] = {}
    for entry in cache.history(query or "", limit=200):
        groups.setdefault(entry_key(cache, entry), []).append(entry)  # dicts keep the newest first
    rows = []
    records = [_record(cache, entries[0]) for entries in groups.values()]
    traits = row_traits(records)
    for entries, record, own in zip(groups.values(), records, traits):
        entry = entries[0]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(entry["time"]))
        prompt = entry["prompt"].replace("\n", " ")
        prompt = prompt if len(prompt) <= 70 else prompt[:67] + "..."
        vote = next((votes[e["id"]] for e in entries if e["id"] in votes), None)
        parts = [when, prompt, models_summary(entry["models"]), *own]
        if len(entries) > 1:
            parts.append(f"run {len(entries)} times")
        if vote is not None:
            parts.append(("blind · " if vote.blind else "") + ("✗ all bad" if vote.all_bad else "✓ ranked"))
        elif (record or {}).get("blind") or any((_record(cache, e) or {}).get("blind") for e in entries[1:]):
            parts.append("blind · not voted yet")  # Restore brings it back blind: a judgement to do
        rows.append((" · ".join(parts), entry["id"]))
    return rows


def _record(cache: Any, entry: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return cache.get_comparison(entry["id"]) if hasattr(cache, "get_comparison") else None
    except Exception:  # noqa: BLE001 - a row without its details still lists the comparison
        return None


def _traits(record: dict[str, Any] | None) -> dict[str, str]:
    """What a comparison asked, as words by setting: "3 samples", "max 256", "thinking on/off"."""
    from playground.ui.names import settings_words

    if not record:
        return {}
    panes = record.get("panes") or []
    out: dict[str, str] = {}
    samples = max((len(p.get("samples") or []) for p in panes), default=1)
    out["samples"] = f"{samples} samples" if samples > 1 else "1 sample"
    keys = sorted({k for p in panes for k in (p.get("settings") or {})})
    for key in keys:
        words: list[str] = []
        for p in panes:
            word = " ".join(settings_words(p.get("settings") or {}, [key]))
            if word and word not in words:
                words.append(word)
        out[key] = " / ".join(words)
    return out


def row_traits(records: list[dict[str, Any] | None]) -> list[list[str]]:
    """Per row, what sets it apart from the other rows: its samples and the settings whose
    value is not the same in every row (a setting all rows share says nothing)."""
    traits = [_traits(r) for r in records]
    keys = {k for t in traits for k in t}
    differing = [k for k in (["samples"] + sorted(keys - {"samples"}))
                 if len({t.get(k, "") for t in traits}) > 1]
    rows = []
    for t in traits:
        words = [t[k] for k in differing if t.get(k)]
        if "samples" not in differing and t.get("samples", "1 sample") != "1 sample":
            words.insert(0, t["samples"])  # k samples are worth saying even when every row has them
        rows.append(words)
    return rows


def vote_summary(vote: Any) -> str:
    """One vote in words: the ranking best first (ties joined by '='), blind or not, tags."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(vote.time))
    if vote.all_bad:
        ranking = "all bad (" + ", ".join(vote.models) + ")"
    else:
        ranking = " > ".join(" = ".join(group) for group in vote.model_ranking())
    tags = f" · tags: {', '.join(vote.tags)}" if vote.tags else ""
    return (f"**Vote** ({when}, {'blind' if vote.blind else 'names shown'}{tags}): {ranking}  \n"
            "To change it: *Restore*, set new ranks under the panes, press *Update ranking*.")


def latest_votes(store: Any) -> dict[str, Any]:
    """comparison id → its newest vote."""
    if store is None:
        return {}
    return {v.comparison_id: v for v in store.list() if v.comparison_id}


def restored_form(app: Any, view: Any, entry: dict[str, Any] | None) -> dict[str, Any]:
    """Every Compare field as the restored comparison had it, so Run means it again (and is a
    cache hit). While blind the models go to the pickers as a sorted set, not in pane order,
    each with its own settings."""
    panes = [(p.model, p.settings.model_dump(), p.samples) for p in view.panes]
    if view.hidden:
        # By everything a picker shows, not the model alone: a stable sort keeps twins (one model,
        # t 1 and t 0.2) in their shuffled pane order, which would say which blind pane is which.
        panes = sorted(panes, key=lambda p: (p[0], json.dumps(p[1], sort_keys=True, default=str), p[2]))
    known = set(app.known_models)
    panes = [(m if m in known else "", s, k) for m, s, k in panes]
    request = view.request
    return form_values(app.runtime, prompt=request.prompt if request else "",
                       system=request.system if request else None, panes=panes,
                       defaults=app.runtime.config.defaults)


def add_facts(app: Any, view: Any) -> bool:
    """The facts line (parameters, quantization, size) of restored panes, as a run shows it."""
    added = False
    for state in view.states:
        if state.facts:
            continue
        try:
            state.facts = app.runtime.catalog.resolve(state.model).facts()
            state.version = getattr(state, "version", 0) + 1
            added = True
        except Exception:  # noqa: BLE001 - a model no longer in the catalog: no facts
            continue
    return added


def build_history_tab(app: Any, session_id: Callable, pane_outputs: list, form: Any, tabs: Any,
                      blind: Any = None) -> None:
    """Create the tab (call inside the gr.Tabs block) and wire its events. `form` is the Compare
    form (form.Form): Restore sets every field of it. `blind` is the Compare tab's blind toggle:
    a comparison not voted on comes back blind when it is on."""
    cache = app.runtime.cache
    sessions = app.sessions
    with gr.Tab("History", id="history") as history_tab:
        with gr.Row():
            query = gr.Textbox(label="Search prompts", elem_id="gp-history-query", scale=3)
            search = gr.Button("Search", scale=1, elem_id="gp-history-search")
        pick = gr.Dropdown([], label="Past comparisons (newest first)", elem_id="gp-history-pick")
        with gr.Row():
            restore = gr.Button("Restore", variant="primary", elem_id="gp-history-restore")
            delete = gr.Button("Delete", variant="stop", elem_id="gp-history-delete")
            delete_vote = gr.Button("Delete vote", elem_id="gp-history-delete-vote")
        vote_info = gr.Markdown("", elem_id="gp-history-vote")
        status = gr.Markdown("")

    def store():
        try:
            return sessions.vote_store()
        except Exception:  # noqa: BLE001 - History works without votes
            return None

    def vote_of(entry_id: str | None):
        s = store()
        if s is None or not entry_id:
            return None
        found = s.for_comparison(entry_id)
        return found[-1] if found else None

    def on_history(text: str):
        rows = history_choices(cache, text, latest_votes(store()))
        return gr.update(choices=rows, value=rows[0][1] if rows else None), (
            f"{len(rows)} comparison(s)" if cache is not None else "the cache is off")

    def on_pick(entry_id: str | None):
        vote = vote_of(entry_id)
        return vote_summary(vote) if vote is not None else ("No vote on this comparison yet." if entry_id else "")

    def on_restore(request: gr.Request, entry_id: str, blind_on: bool = False):
        session = session_id(request)
        outputs, _ = sessions.restore(session, entry_id, blind=bool(blind_on), vote=vote_of(entry_id))
        view = sessions.view(session)
        if add_facts(app, view):
            outputs = sessions.outputs(view, True, outputs[-1])
        # Every field follows the restored comparison, so Run (and the link) mean it again.
        values = restored_form(app, view, None)
        return outputs + [values[name] for name in RESTORED_FIELDS] + [gr.Tabs(selected="compare")]

    def on_delete(entry_id: str, text: str):
        if cache is not None and entry_id:
            cache.delete_comparison(entry_id)
        return on_history(text)

    def on_delete_vote(request: gr.Request, entry_id: str, text: str):
        vote, s = vote_of(entry_id), store()
        if vote is None or s is None:
            raise gr.Error("This comparison has no vote to delete.")
        for v in s.for_comparison(entry_id):
            s.delete(v.id)
        view = sessions.view(session_id(request))
        if view.vote_id == vote.id:  # the same comparison is on the Compare tab: rank it again there
            view.vote_id, view.ranks, view.vote_tags = None, {}, []
            view.judge_epoch += 1
        picked, count = on_history(text)
        return picked, count, "Vote deleted."

    outputs = [pick, status]
    history_tab.select(on_history, [query], outputs, api_visibility="private")
    search.click(on_history, [query], outputs, api_name="history")
    query.submit(on_history, [query], outputs, api_visibility="private")
    pick.change(on_pick, [pick], [vote_info], api_visibility="private", queue=False)
    delete.click(on_delete, [pick, query], outputs, api_name="history_delete")
    delete_vote.click(on_delete_vote, [pick, query], outputs + [vote_info], api_name="history_delete_vote")
    restore.click(on_restore, [pick] + ([blind] if blind is not None else []),
                  pane_outputs + form.inputs(RESTORED_FIELDS) + [tabs], api_name="history_restore")
