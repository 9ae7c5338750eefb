"""Chat prompts for local GGUF models.

We build the prompt text ourselves instead of calling `create_chat_completion`, because
llama-cpp-python does not forward `enable_thinking` to the template. When the GGUF carries a
chat template in its metadata (every Gemma 4 GGUF does), that template is rendered in a sandboxed
Jinja environment with `enable_thinking`; otherwise a known family template is used (the bundled
Gemma 3 270M is a base model with no template in its metadata).
"""

from __future__ import annotations

from playground.adapters.base import ChatRequest

# Gemma 3: no system role; the system prompt goes at the top of the first user turn.
GEMMA3_STOP = ["<end_of_turn>", "<eos>"]
# Gemma 4: thinking is switched on by <|think|> at the top of the system turn; with thinking
# off the template pre-fills an empty thought block so the model answers directly.
GEMMA4_STOP = ["<turn|>", "<eos>"]


def gemma3_prompt(request: ChatRequest) -> str:
    user = request.prompt if not request.system else f"{request.system}\n\n{request.prompt}"
    return f"<start_of_turn>user\n{user}<end_of_turn>\n<start_of_turn>model\n"


def gemma4_prompt(request: ChatRequest, thinking: bool) -> str:
    parts = []
    if thinking or request.system:
        parts.append("<|turn>system\n")
        if thinking:
            parts.append("<|think|>\n")
        if request.system:
            parts.append(request.system)
        parts.append("<turn|>\n")
    parts.append(f"<|turn>user\n{request.prompt}<turn|>\n<|turn>model\n")
    if not thinking:
        parts.append("<|channel>thought\n<channel|>")
    return "".join(parts)


def render_metadata_template(template: str, request: ChatRequest, thinking: bool,
                             bos_token: str, eos_token: str, image_marker: str | None = None) -> str:
    """Render a GGUF's own chat template (sandboxed: the template is file data, not code).

    With `image_marker`, the user turn is a list of parts, the marker first, as
    llama-cpp-python's multimodal handlers render it (they replace the image part by the marker)."""
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])

    def raise_exception(message: str) -> None:
        raise ValueError(message)

    messages: list[dict] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    if image_marker is None:
        messages.append({"role": "user", "content": request.prompt})
    else:
        messages.append({"role": "user", "content": [{"type": "text", "text": image_marker},
                                                     {"type": "text", "text": request.prompt}]})
    return env.from_string(template).render(
        messages=messages, add_generation_prompt=True, enable_thinking=thinking,
        bos_token=bos_token, eos_token=eos_token, raise_exception=raise_exception,
    )


def prompt_source(family: str, metadata_template: str | None) -> str:
    """Which template build_prompt uses, in words for the "what the model saw" fold."""
    if family == "gemma3":
        return "built-in Gemma 3 turn format"
    if metadata_template and family in ("gemma4", "auto"):
        return "the GGUF's own chat template"
    if family == "gemma4":
        return "built-in Gemma 4 turn format"
    return "built-in Gemma 3 turn format (no template in the file)"


def uses_gemma_turns(stops: list[str]) -> bool:
    """Whether a prompt is in a Gemma turn format (Gemma never thinks in <think> tags)."""
    return stops in (GEMMA3_STOP, GEMMA4_STOP)


def build_prompt(family: str, request: ChatRequest, thinking: bool,
                 metadata_template: str | None, bos_token: str = "<bos>",
                 eos_token: str = "<eos>") -> tuple[str, list[str], bool]:
    """Return (prompt text, stop strings, whether the text already starts with BOS)."""
    if family == "gemma3":
        return gemma3_prompt(request), GEMMA3_STOP, False
    if metadata_template and family in ("gemma4", "auto"):
        text = render_metadata_template(metadata_template, request, thinking, bos_token, eos_token)
        stops = GEMMA4_STOP if family == "gemma4" or "<|turn>" in text else [eos_token]
        return text, stops, text.startswith(bos_token)
    if family == "gemma4":
        return gemma4_prompt(request, thinking), GEMMA4_STOP, False
    # An unknown GGUF without a template: Gemma 3's turn format is the safest guess here.
    return gemma3_prompt(request), GEMMA3_STOP, False
