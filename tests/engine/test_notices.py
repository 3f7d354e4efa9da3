"""Notices as template codes: the English message is exactly what the engine always said."""

from __future__ import annotations

import string

import pytest

from engine.events import NoticeEvent
from engine.notices import ENGLISH, kind_of, notice, render

# Every notice code with sample parameters and the message the engine printed before
# notices had templates (copied from the old f-strings in answer_run and local_model).
_CASES = {
    "reload": ({"experts": 11, "seconds": 0.1912}, "Loaded the model with 11 experts in 0.19 s."),
    "trimmed": (
        {"dropped": 4},
        "The conversation is too long for this PC: the 4 oldest messages were left out "
        "of this answer.",
    ),
    "local_failed": ({"error": "bad file"}, "The model on this PC failed: bad file"),
    "local_failed.again": ({"error": "bad file"}, "The model on this PC failed too: bad file"),
    "local_crashed": (
        {"why": "killed by SIGSEGV"},
        "The model on this PC stopped unexpectedly (killed by SIGSEGV); the server answers "
        "instead.",
    ),
    "local_crashed.no_remote": (
        {"why": "exit code 134: GGML_ASSERT(x) failed"},
        "The model on this PC stopped unexpectedly (exit code 134: GGML_ASSERT(x) failed). It "
        "starts again with the next question; if this keeps happening, ask IT to check this PC "
        "with `genba doctor`.",
    ),
    "remote_failed": ({"error": "HTTP 500."}, "HTTP 500."),
    "remote_failed.kept": (
        {"error": "HTTP 500.", "chars": 12},
        "HTTP 500. The 12 characters that arrived are kept.",
    ),
    "remote_failed.no_local": (
        {"error": "HTTP 500."}, "HTTP 500. No local answer is possible now.",
    ),
    "remote_failed.kept.no_local": (
        {"error": "HTTP 500.", "chars": 3},
        "HTTP 500. The 3 characters that arrived are kept. No local answer is possible now.",
    ),
    "fallback": ({}, "Answering on this PC instead."),
    "refused": (
        {"reason": "remote fallback is off"},
        "genba cannot answer this now: remote fallback is off.",
    ),
}


def test_every_code_has_a_case_and_a_template() -> None:
    assert set(_CASES) == set(ENGLISH)


@pytest.mark.parametrize("code", sorted(_CASES))
def test_builder_gives_todays_message(code: str) -> None:
    params, message = _CASES[code]
    event = notice(code, **params)
    assert event.message == message
    assert event.kind == code.split(".", maxsplit=1)[0] == kind_of(code)
    assert event.code == code
    assert dict(event.params) == params
    fields = {f for _, f, _, _ in string.Formatter().parse(ENGLISH[code]) if f}
    assert fields == set(params)
    assert render(event, ENGLISH) == message
    hash(event)  # frozen and hashable, like every event


def test_kinds_are_the_ones_front_ends_know() -> None:
    kinds = {kind_of(code) for code in ENGLISH}
    assert kinds == {
        "reload", "trimmed", "local_failed", "local_crashed", "remote_failed", "fallback",
        "refused",
    }


def test_render_uses_other_templates_and_falls_back_to_the_message() -> None:
    event = notice("trimmed", dropped=2)
    assert render(event, {"trimmed": "{dropped} weg"}) == "2 weg"
    # Unknown code, a template with a field the notice lacks, no code at all: English.
    assert render(event, {}) == event.message
    assert render(event, {"trimmed": "{count} weg"}) == event.message
    plain = NoticeEvent("custom", "Something happened.")
    assert render(plain, {"custom": "x"}) == "Something happened."


def test_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        notice("no.such.code")


def test_a_quoted_coded_error_brings_its_code_and_keeps_the_message() -> None:
    from engine.errors import GenbaError, ModelLoadError
    from engine.notices import error_params

    exc = ModelLoadError.of("cpu.load_failed", file="libggml-cpu-zen4.so")
    event = notice("local_failed", **error_params(exc))
    assert event.message == f"The model on this PC failed: {exc}"
    assert dict(event.params) == {
        "error": str(exc), "error_code": "cpu.load_failed", "error.file": "libggml-cpu-zen4.so",
    }
    assert error_params(GenbaError("plain")) == {"error": "plain"}
    assert error_params(ValueError("foreign")) == {"error": "foreign"}
