"""``genba ask`` (one question) and ``genba chat`` (interactive terminal chat).

``ask`` streams the answer to stdout as it is generated. With ``--json``,
stdout carries exactly one JSON object, printed at the end: the answer text and
the numbers of the final event (``experts``, ``route``, ``reason``, ``ttft_s``,
``tokens``, ``tokens_per_s``; ``routing`` with ``--trace``).
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from engine.cli.common import open_engine, print_json
from engine.errors import BadInputError
from engine.events import FinalEvent, NoticeEvent, TokenEvent
from engine.local.llama_adapter import Sampling
from engine.models.demo import is_demo_model
from engine.service import Engine


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


MAX_TEMPERATURE = 5.0


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= value <= MAX_TEMPERATURE:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            f"must be between 0 (deterministic) and {MAX_TEMPERATURE:g}, got {text}"
        )
    return value


def final_as_json(final: FinalEvent) -> dict[str, Any]:
    """The ``genba ask --json`` object for a final event."""
    out: dict[str, Any] = {
        "text": final.text,
        "route": final.route,
        "experts": final.experts,
        "reason": final.reason,
        "context": final.context,
        "model": final.model,
        "prompt_tokens": final.prompt_tokens,
        "tokens": final.generated_tokens,
        "ttft_s": final.ttft_s,
        "tokens_per_s": final.tokens_per_s,
        "stop_reason": final.stop_reason,
        "switch_s": final.switch_s,
    }
    if final.reason_parts is not None:
        out["reason_parts"] = final.reason_parts
    if final.error:
        out["error"] = final.error
    if final.routing is not None:
        out["routing"] = final.routing
    if final.sources is not None:
        out["sources"] = final.sources
    return out


def _summary(final: FinalEvent) -> str:
    speed = f"{final.tokens_per_s:.1f} tok/s" if final.tokens_per_s else "- tok/s"
    ttft = f"{final.ttft_s:.2f} s" if final.ttft_s is not None else "-"
    n = f"N={final.experts}" if final.experts else "N=-"
    return f"[{final.route} · {n} · first token {ttft} · {speed} · {final.reason}]"


def stream_answer(
    engine: Engine,
    messages: list[dict[str, str]],
    args: argparse.Namespace,
    *,
    echo: bool,
    cancel: threading.Event | None = None,
) -> FinalEvent:
    """Run one answer, echoing tokens to stdout if asked; return its final event."""
    final: FinalEvent | None = None
    sampling = Sampling(temperature=args.temperature, seed=args.seed)
    for event in engine.stream(
        messages,
        experts=args.experts,
        max_tokens=args.max_tokens,
        trace=getattr(args, "trace", False),
        cancel=cancel,
        sampling=sampling,
        docs=bool(getattr(args, "docs", False)),
    ):
        if isinstance(event, TokenEvent) and echo:
            sys.stdout.write(event.text)
            sys.stdout.flush()
        elif isinstance(event, NoticeEvent):
            print(f"({event.message})", file=sys.stderr)
        elif isinstance(event, FinalEvent):
            final = event
    assert final is not None, "the engine always ends an answer with a final event"
    return final


def run_ask(args: argparse.Namespace) -> int:
    """``genba ask``."""
    engine = open_engine(args.model, args.threads)
    try:
        final = stream_answer(
            engine, [{"role": "user", "content": args.prompt}], args, echo=not args.json
        )
    finally:
        engine.close()
    if args.json:
        print_json(final_as_json(final))
    else:
        print()
        print_sources(final)
        print(_summary(final), file=sys.stderr)
    return 1 if final.stop_reason == "error" else 0


def print_sources(final: FinalEvent) -> None:
    """The documents an answer was given, numbered as the model was told to cite them."""
    if not final.sources:
        return
    print("Sources:")
    for number, source in enumerate(final.sources, 1):
        page = source.get("page")
        where = f", page {page}" if page is not None else (
            f", {source['heading']}" if source.get("heading") else ""
        )
        print(f"  [{number}] {source.get('title')}{where} — {source.get('path')}")


def run_chat(args: argparse.Namespace) -> int:
    """``genba chat``: a terminal conversation. Ctrl-C stops an answer; Ctrl-D quits."""
    engine = open_engine(args.model, args.threads)
    info = engine.model_info
    print(
        f"genba chat — {info.name}, {info.expert_count} experts. Ctrl-C stops an answer, "
        "Ctrl-D or /quit leaves, /new starts over.",
        file=sys.stderr,
    )
    if is_demo_model(info):  # like the window's demo notice: wrong answers must not look sure
        print(
            "This is a demonstration model: its answers are often wrong. To get your site's "
            "model, ask IT (or: genba models import FILE).",
            file=sys.stderr,
        )
    history: list[dict[str, str]] = []
    try:
        while True:
            try:
                line = input("> ").strip()
            except EOFError:
                print(file=sys.stderr)
                return 0
            except UnicodeDecodeError:
                print("(that line is not valid UTF-8 text; type it again)", file=sys.stderr)
                continue
            if not line:
                continue
            if line in ("/quit", "/exit"):
                return 0
            if line == "/new":
                history.clear()
                continue
            history.append({"role": "user", "content": line})
            cancel = threading.Event()
            try:
                final = stream_answer(engine, history, args, echo=True, cancel=cancel)
            except KeyboardInterrupt:
                cancel.set()
                print("\n(stopped)", file=sys.stderr)
                history.pop()
                continue
            except BadInputError as exc:  # one bad line must not end the session
                print(f"({exc})", file=sys.stderr)
                history.pop()
                continue
            print()
            print_sources(final)
            print(_summary(final), file=sys.stderr)
            history.append({"role": "assistant", "content": final.text})
    finally:
        engine.close()


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, help="GGUF file to use instead of the configured one")
    p.add_argument("--experts", type=_positive_int, help="active experts per layer (N)")
    p.add_argument("--max-tokens", type=_positive_int, default=512, help="answer length limit")
    p.add_argument("--temperature", type=_temperature, default=0.3, help="0 = deterministic")
    p.add_argument("--seed", type=int, default=0, help="sampling seed")
    p.add_argument("--threads", type=_positive_int, help="CPU threads for llama.cpp")
    p.add_argument(
        "--docs", action="store_true",
        help="answer from the indexed site documents and list the sources (genba docs index)",
    )


def register(subparsers: Any) -> None:
    """Add ``ask`` and ``chat`` to the ``genba`` parser."""
    ask = subparsers.add_parser("ask", help="answer one question, streaming to stdout")
    _common(ask)
    ask.add_argument("--trace", action="store_true", help="record the experts each token used")
    ask.add_argument("--json", action="store_true", help="print one JSON object at the end")
    ask.add_argument("prompt", help="the question")
    ask.set_defaults(func=run_ask)
    chat = subparsers.add_parser("chat", help="interactive chat in the terminal")
    _common(chat)
    chat.set_defaults(func=run_chat)
