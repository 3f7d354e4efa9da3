"""What the real local model is asked: a test helper shared by the prompt tests."""

from __future__ import annotations

from typing import Any

from engine.service import Engine


def record_requests(engine: Engine) -> list[list[dict[str, str]]]:
    """Record the messages of every request ``engine``'s real local model is given."""
    seen: list[list[dict[str, str]]] = []
    model = engine.local_model
    real_stream = model.stream

    def stream(request: Any, cancel: Any = None) -> Any:
        seen.append([dict(m) for m in request.messages])
        return real_stream(request, cancel)

    model.stream = stream  # type: ignore[method-assign]
    return seen
