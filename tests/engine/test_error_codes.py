"""Errors as template codes: the English message is exactly what the engine always said."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from engine import errors
from engine.answer.prompt_fit import check_messages
from engine.error_codes import ENGLISH, ErrorMessage, english, render
from engine.errors import BadInputError, GenbaError, LocalCrashError, ModelLoadError
from engine.local.worker_protocol import error_payload, raise_error
from engine.models.access import ModelNotAllowedError, explicit_model, require_user_models
from engine.paths import Paths
from engine.settings import Settings, load_settings

_POLICY = (
    " is turned off on this PC by policy (model.allow_user_models = false{}): only the model IT "
    "set or installed is used. Ask IT to install the model."
)
_BROKEN = " (a policy file has an error, so it is off for safety)"

# Every error code with sample parameters and the message the engine printed before
# errors had codes (copied from the old f-strings at each raise).
_CASES: dict[str, tuple[dict[str, str | int], str]] = {
    "local_crashed": (
        {"why": "killed by SIGSEGV: GGML_ASSERT(x) failed"},
        "The local model stopped unexpectedly (killed by SIGSEGV: GGML_ASSERT(x) failed). It "
        "starts again with the next question; if this keeps happening, ask IT to check the "
        "model with `genba doctor`.",
    ),
    "refused": (
        {"reason": "remote fallback is off"},
        "genba cannot answer this now: remote fallback is off.",
    ),
    "question.missing": ({}, "There is no question to answer. Type a question first."),
    "question.empty": ({}, "The question is empty. Type a question first."),
    "question.not_utf8": (
        {},
        "The question contains bytes that are not valid UTF-8 text. Save or paste it as UTF-8 "
        "text and try again.",
    ),
    "context.too_long": (
        {"tokens": 700, "n_ctx": 512},
        "The conversation is 700 tokens long but the context holds 512. Start a new "
        "conversation or shorten the question.",
    ),
    "experts.fixed": (
        {"file": "m.gguf", "fixed": 2, "experts": 4},
        "m.gguf fixes N=2 in every layer; llama.cpp cannot run it with 4 experts.",
    ),
    "model.none": (
        {},
        "No model is installed yet. Build the built-in default with `genba models "
        "build-default`, or import a GGUF file with `genba models import PATH`.",
    ),
    "model.none_in_folder": (
        {"folder": "/media/usb"},
        "No .gguf model file was found in /media/usb. Choose the folder that holds the model "
        "file, or import the file itself.",
    ),
    "model_file.missing": (
        {"path": "/m/x.gguf"},
        "Model file /m/x.gguf does not exist. Check the path, or run `genba models list`.",
    ),
    "model_file.unreadable": (
        {"path": "/m/x.gguf", "error": "Permission denied"},
        "Cannot read model file /m/x.gguf: Permission denied. Check its permissions.",
    ),
    "model_file.unreadable.copy": (
        {"path": "/m/x.gguf", "error": "Input/output error"},
        "Cannot read model file /m/x.gguf: Input/output error. Copy it to a local disk.",
    ),
    "model_file.folder": (
        {"path": "/m"}, "/m is a folder; give the path of a .gguf file inside it.",
    ),
    "model_file.not_regular": (
        {"path": "/m/fifo"},
        "/m/fifo is not a regular file (a pipe, device or socket); give the path of a .gguf "
        "model file.",
    ),
    "model_file.empty": (
        {"path": "/m/x.gguf"}, "/m/x.gguf is empty (0 bytes). Download or copy the model again.",
    ),
    "model_file.header_cut": (
        {"path": "/m/x.gguf"},
        "/m/x.gguf is incomplete: it ends inside its header. Download or copy the model again.",
    ),
    "model_file.not_gguf": (
        {"path": "/m/x.txt"},
        "/m/x.txt is not a GGUF model file (it does not start with 'GGUF'). Use a .gguf file "
        "made for llama.cpp.",
    ),
    "model_file.unknown_architecture": (
        {"path": "/m/x.gguf", "arch": "mamba9"},
        "/m/x.gguf uses architecture 'mamba9', which this genba's llama.cpp does not know. "
        "Update genba or pick a model from `genba models list`.",
    ),
    "model_file.dense": (
        {"path": "/m/x.gguf", "arch": "llama"},
        "/m/x.gguf is a dense 'llama' model with no experts, so genba cannot choose top-N "
        "experts. Use a Mixture-of-Experts GGUF (see `genba models list`).",
    ),
    "model.not_allowed.import": ({}, "Importing a model" + _POLICY.format("")),
    "model.not_allowed.import.fail_closed": ({}, "Importing a model" + _POLICY.format(_BROKEN)),
    "model.not_allowed.download": ({}, "Downloading a model" + _POLICY.format("")),
    "model.not_allowed.download.fail_closed": (
        {}, "Downloading a model" + _POLICY.format(_BROKEN),
    ),
    "model.not_allowed.file": (
        {"file": "mine.gguf"}, "Using the model file mine.gguf" + _POLICY.format(""),
    ),
    "model.not_allowed.file.fail_closed": (
        {"file": "mine.gguf"}, "Using the model file mine.gguf" + _POLICY.format(_BROKEN),
    ),
    "llama.load_failed": (
        {"path": "/m/x.gguf", "experts": 4, "error": "failed to load model"},
        "llama.cpp could not load /m/x.gguf with 4 experts (failed to load model). Check the "
        "file with `genba inspect`, or free some memory and try again.",
    ),
    "cpu.forced_missing": (
        {"forced": "no-such-cpu", "installed": "x64, haswell"},
        "GENBA_LLAMA_CPU names the CPU backend 'no-such-cpu', which is not installed "
        "(installed: x64, haswell). Unset it or pick one of these.",
    ),
    "cpu.none_runs": (
        {"detail": "haswell: killed by SIGILL"},
        "llama.cpp cannot run on this PC's processor (haswell: killed by SIGILL). Ask IT to "
        "check the installation; answers can still come from the remote server.",
    ),
    "cpu.ggml_missing": (
        {"error": "libggml.so.0: cannot open"},
        "llama.cpp's ggml library is not loaded (libggml.so.0: cannot open). Reinstall genba.",
    ),
    "cpu.no_backend": (
        {}, "llama.cpp has no CPU backend installed. Reinstall genba (`make setup`).",
    ),
    "cpu.load_failed": (
        {"file": "libggml-cpu-haswell.so"},
        "llama.cpp could not load its CPU backend libggml-cpu-haswell.so. Reinstall genba.",
    ),
}


def test_every_code_has_a_case() -> None:
    assert set(_CASES) == set(ENGLISH)


@pytest.mark.parametrize("code", sorted(_CASES))
def test_a_coded_error_says_todays_message(code: str) -> None:
    params, message = _CASES[code]
    exc = GenbaError.of(code, **params)
    assert str(exc) == english(code, params) == message
    assert exc.code == code and exc.params == params
    fields = {f for _, f, _, _ in string.Formatter().parse(ENGLISH[code]) if f}
    assert fields == set(params)
    assert render(code, params, ENGLISH, "fallback") == message


def test_plain_errors_keep_working_without_a_code() -> None:
    exc = ModelLoadError("Something broke. Reinstall genba.")
    assert str(exc) == "Something broke. Reinstall genba."
    assert exc.code == "" and exc.params == {}
    assert ErrorMessage.of(exc) == ErrorMessage("Something broke. Reinstall genba.")
    assert ErrorMessage.of(ValueError("foreign")) == ErrorMessage("foreign")


def test_render_falls_back_to_the_english_message() -> None:
    assert render("", {}, ENGLISH, "plain") == "plain"
    assert render("no.such.code", {}, ENGLISH, "plain") == "plain"
    assert render("experts.fixed", {"file": "x"}, ENGLISH, "plain") == "plain"  # missing fields
    assert render("question.empty", {}, {"question.empty": "leer"}, "plain") == "leer"


def test_local_crash_carries_its_code() -> None:
    exc = LocalCrashError("killed by SIGSEGV", "GGML_ASSERT(x) failed")
    assert exc.code == "local_crashed"
    assert exc.params == {"why": "killed by SIGSEGV: GGML_ASSERT(x) failed"}
    assert str(exc) == _CASES["local_crashed"][1]


@pytest.mark.parametrize(
    ("messages", "code"),
    [
        ([], "question.missing"),
        ([{"role": "user", "content": "  \n"}], "question.empty"),
        ([{"role": "user", "content": "bad \udcff byte"}], "question.not_utf8"),
    ],
)
def test_the_question_checks_raise_coded_errors(messages: list[dict[str, str]], code: str) -> None:
    with pytest.raises(BadInputError) as caught:
        check_messages(messages)
    assert caught.value.code == code
    assert str(caught.value) == _CASES[code][1]


def _locked_off(tmp_path: Path, *, broken: bool = False) -> Settings:
    """Settings whose policy turns operators' own models off (and, if ``broken``, is damaged)."""
    paths = Paths.under(tmp_path)
    policy = tmp_path / "policy.toml"
    policy.write_text("[model]\nallow_user_models = false\n")
    files = [policy]
    if broken:
        files.append(tmp_path / "bad.toml")
        files[-1].write_text("not = [toml")
    return load_settings(paths, policy_files=files)


def test_policy_refusals_carry_codes(tmp_path: Path) -> None:
    settings = _locked_off(tmp_path)
    for what, code in (("Importing a model", "import"), ("Downloading a model", "download")):
        with pytest.raises(ModelNotAllowedError) as caught:
            require_user_models(settings, what)
        assert caught.value.code == f"model.not_allowed.{code}"
        assert str(caught.value) == _CASES[f"model.not_allowed.{code}"][1]
    with pytest.raises(ModelNotAllowedError) as caught:
        explicit_model(settings, tmp_path / "mine.gguf")
    assert caught.value.code == "model.not_allowed.file"
    assert str(caught.value) == _CASES["model.not_allowed.file"][1]
    broken = _locked_off(tmp_path, broken=True)
    assert broken.fail_closed
    with pytest.raises(ModelNotAllowedError) as caught:
        require_user_models(broken, "Importing a model")
    assert caught.value.code == "model.not_allowed.import.fail_closed"
    assert str(caught.value) == _CASES["model.not_allowed.import.fail_closed"][1]
    # An action without a code still reads the same, in English.
    with pytest.raises(ModelNotAllowedError) as caught:
        require_user_models(settings, "Renaming a model")
    assert caught.value.code == ""
    assert str(caught.value) == "Renaming a model" + _POLICY.format("")


def test_model_file_checks_raise_coded_errors(tmp_path: Path) -> None:
    from engine.models.info import inspect_model

    empty, text = tmp_path / "empty.gguf", tmp_path / "notes.gguf"
    empty.write_bytes(b"")
    text.write_text("hello there")
    for path, code in (
        (tmp_path / "gone.gguf", "model_file.missing"), (tmp_path, "model_file.folder"),
        (empty, "model_file.empty"), (text, "model_file.not_gguf"),
    ):
        with pytest.raises(errors.ModelFileError) as caught:
            inspect_model(path)
        assert caught.value.code == code
        assert str(caught.value) == english(code, {"path": str(path)})


def test_codes_cross_the_worker_pipe() -> None:
    sent = ModelLoadError.of("cpu.forced_missing", forced="zen9", installed="x64")
    with pytest.raises(ModelLoadError) as caught:
        raise_error(error_payload(sent))
    assert (str(caught.value), caught.value.code, caught.value.params) == (
        str(sent), sent.code, sent.params,
    )
    # What the engine never sends is dropped, not trusted: the message stays.
    bad = {"type": "ModelLoadError", "message": "m", "code": "x", "params": {"a": [1]}}
    with pytest.raises(ModelLoadError) as caught:
        raise_error(bad)
    assert (str(caught.value), caught.value.code, caught.value.params) == ("m", "", {})
    with pytest.raises(errors.GenerationError):
        raise_error({"type": "NoSuchError", "message": "m"})
