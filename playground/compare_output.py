"""How `compare` prints a comparison: the `--json` object and the human-readable text.

Model output and ids pass `terminal.printable` (control characters escaped) before a terminal
sees them.
"""

from __future__ import annotations


def comparison_json(prompt: str, groups) -> dict:
    """The `compare --json` object. `groups`: each pane's samples (a bare result = one sample).
    A pane's own fields describe its first sample; "samples" and "summary" describe them all."""
    from playground.samples import summarize
    from playground.svg import process_answer

    panes = []
    for samples in groups:
        samples = samples if isinstance(samples, list) else [samples]
        svgs = [process_answer(r.text, r.finish_reason) for r in samples]
        r = samples[0]
        summary = summarize([s.text for s in samples], [s.finish_reason for s in samples],
                            drawings_rendered=[any(d.svg is not None for d in found) for found in svgs],
                            with_drawing=[bool(found) for found in svgs])
        panes.append({
            "model": r.model, "source": r.source, "settings": r.settings, "text": r.text,
            "thinking": r.thinking, "finish_reason": r.finish_reason, "error": r.error,
            "metrics": r.metrics.to_dict(), "cached": r.cached, "notes": r.notes, "request": r.request,
            "svgs": [s.to_json() for s in svgs[0]],
            "samples": [{"text": s.text, "thinking": s.thinking, "finish_reason": s.finish_reason,
                         "error": s.error, "cached": s.cached, "metrics": s.metrics.to_dict(),
                         "svgs": [d.to_json() for d in found], "seed": s.settings.get("seed")}
                        for s, found in zip(samples, svgs)],
            "summary": summary.to_json(),
        })
    return {"prompt": prompt, "panes": panes}


def metrics_line(metrics) -> str:
    from playground.format import format_metrics

    return format_metrics(metrics)


def print_human(groups) -> None:
    from playground.samples import summarize
    from playground.terminal import printable  # model output and ids: control characters escaped

    for samples in groups:
        samples = samples if isinstance(samples, list) else [samples]
        if len(samples) > 1:
            line = summarize([s.text for s in samples], [s.finish_reason for s in samples]).line()
            print(printable(f"##### {samples[0].model} ({samples[0].source}) — {line}"))
        for number, r in enumerate(samples, 1):
            _print_result(r, f" · sample {number} of {len(samples)}" if len(samples) > 1 else "")


def _print_result(r, which: str) -> None:
    import builtins

    from playground.terminal import printable

    def print(text: str = "") -> None:  # model output and ids: control characters escaped
        builtins.print(printable(text, keep="\n\t"))

    status = "error" if r.error else (r.finish_reason or "")
    cached = " · cached" if r.cached else ""
    print(f"=== {r.model} ({r.source}) — {status}{cached}{which}")
    print(metrics_line(r.metrics))
    for note in r.notes:
        print(f"note: {note}")
    if r.thinking:
        print("--- thinking")
        print(r.thinking.strip())
        print("--- answer")
    if r.text:
        print(r.text.strip())
    if r.error:
        print(f"error: {r.error}")
    print()
