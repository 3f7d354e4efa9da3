"""The OpenAI streaming wire format (``engine.remote.stream``), pure: bytes in, lines, event
payloads and answer text out — split reads, every line end, comments, ``[DONE]``, garbage,
and the token never in an error message. The HTTP around it is tested in test_remote.py."""

from __future__ import annotations

import json

import pytest

from engine.errors import RemoteProtocolError
from engine.remote.stream import (
    HIDDEN,
    ChunkParser,
    LineSplitter,
    RemoteDone,
    SSEDecoder,
    error_text,
    quote,
    redact,
    status_error,
)

HOST = "llm.example"
TOKEN = "sk-test-5f2b8c9d0e1a4b7c"


def _lines(*reads: bytes) -> list[str]:
    splitter = LineSplitter()
    lines = [line for data in reads for line in splitter.feed(data)]
    return lines + splitter.flush()


def _events(lines: list[str]) -> list[str]:
    decoder = SSEDecoder()
    events = [data for line in lines if (data := decoder.feed(line)) is not None]
    last = decoder.flush()
    return events if last is None else [*events, last]


def _chunk(content: str | None = None, finish: str | None = None, **extra: object) -> str:
    delta = {} if content is None else {"content": content}
    return json.dumps({"choices": [{"delta": delta, "finish_reason": finish}], **extra})


# -------------------------------------------------------------------------- LineSplitter
@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_end(end: bytes) -> None:
    assert _lines(b"data: a" + end + end + b"data: b" + end) == ["data: a", "", "data: b"]


def test_lines_split_anywhere_across_reads() -> None:
    stream = b"data: one\r\n\r\ndata: two\n\ndata: three\r\r"
    whole = _lines(stream)
    # A \r at the very end may be half a \r\n: the last blank line is left to flush().
    assert whole == ["data: one", "", "data: two", "", "data: three"]
    assert _events(whole) == ["one", "two", "three"]
    for cut in range(len(stream) + 1):
        assert _lines(stream[:cut], stream[cut:]) == whole, cut
    assert _lines(*(stream[i : i + 1] for i in range(len(stream)))) == whole  # byte by byte


def test_a_crlf_split_across_reads_is_one_line_end() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"data: a\r") == []  # maybe the first half of \r\n: wait
    assert splitter.feed(b"\n") == ["data: a"]  # no empty line from the \n
    assert splitter.feed(b"data: b\r") == []
    assert splitter.feed(b"data: c\n") == ["data: b", "data: c"]  # it was a lone \r


def test_a_character_split_across_reads_is_decoded_whole() -> None:
    raw = "data: 日本語\n".encode()
    assert _lines(raw[:8], raw[8:10], raw[10:]) == ["data: 日本語"]


def test_bytes_that_are_not_utf8_become_replacement_characters() -> None:
    assert _lines(b"data: \xff\xfeok\n") == ["data: \ufffd\ufffdok"]


def test_the_last_line_without_a_line_end() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"data: a\ndata: [DONE]") == ["data: a"]
    assert splitter.flush() == ["data: [DONE]"]
    assert splitter.flush() == []  # nothing twice
    assert _lines(b"data: x\r") == ["data: x"]
    assert _lines(b"") == []


def test_a_long_line_in_many_reads_is_one_line() -> None:
    splitter = LineSplitter()
    got = [line for _ in range(1000) for line in splitter.feed(b"x" * 7)]
    assert got == []
    assert splitter.feed(b"\n") == ["x" * 7000]


# ---------------------------------------------------------------------------- SSEDecoder
def test_one_event_per_blank_line() -> None:
    assert _events(["data: a", "", "data: b", ""]) == ["a", "b"]


def test_data_lines_of_one_event_are_joined() -> None:
    assert _events(["data: {", "data: }", ""]) == ["{\n}"]


@pytest.mark.parametrize(
    ("line", "data"),
    [
        ("data: x", "x"),
        ("data:x", "x"),  # the space is optional
        ("data:  x", " x"),  # only one space is removed
        ("data: a: b", "a: b"),  # only the first colon separates
        ("data:", ""),
        ("data", ""),  # a field name alone has an empty value
        ("data: [DONE]", "[DONE]"),  # the end marker is the caller's to recognise
    ],
)
def test_data_field(line: str, data: str) -> None:
    assert _events([line, ""]) == [data]


def test_comments_and_other_fields_are_ignored() -> None:
    lines = [": keep-alive", "event: message", "id: 7", "retry: 100", "foo: bar", "", ":", ""]
    assert _events(lines) == []  # no data, so no event at all
    lines = [": keep-alive", "event: message", "data: a", "id: 7", "", ": ping", "data: b", ""]
    assert _events(lines) == ["a", "b"]


def test_blank_lines_without_data_are_no_events() -> None:
    decoder = SSEDecoder()
    assert [decoder.feed(line) for line in ["", "", "data: a", "", ""]] == [
        None, None, None, "a", None,
    ]  # fmt: skip
    assert decoder.flush() is None


def test_the_last_event_without_its_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("data: tail") is None
    assert decoder.flush() == "tail"
    assert decoder.flush() is None


# ---------------------------------------------------------------------------- ChunkParser
def test_a_whole_stream_from_bytes_to_text() -> None:
    body = (
        ": keep-alive\r\n\r\n"
        f"data: {_chunk('Hel')}\r\n\r\n"
        f"data: {_chunk('lo', model='m-1')}\r\n\r\n"
        f"data: {_chunk(None, 'stop')}\r\n\r\n"
        'data: {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 2}}\r\n\r\n'
        "data: [DONE]\r\n\r\n"
    ).encode()
    parser = ChunkParser()
    texts = []
    for data in _events(_lines(body[:40], body[40:41], body[41:])):
        if data == "[DONE]":
            break
        texts.append(parser.take(data, HOST))
    assert "".join(texts) == "Hello"
    assert parser.done() == RemoteDone("stop", 12, 2, "m-1")


@pytest.mark.parametrize(
    ("chunk", "text"),
    [
        (_chunk("a"), "a"),
        (_chunk(""), ""),
        (_chunk(None), ""),  # a role-only first delta
        ('{"choices": [{"delta": {"content": null}}]}', ""),
        ('{"choices": [{"delta": {"content": 5}}]}', ""),
        ('{"choices": [{"delta": "text"}]}', ""),
        ('{"choices": [{"message": {"content": "whole"}}]}', "whole"),  # a non-streamed answer
        ('{"choices": []}', ""),  # usage-only chunk at the end
        ('{"choices": ["x"]}', ""),
    ],
)
def test_the_text_of_a_chunk(chunk: str, text: str) -> None:
    assert ChunkParser().take(chunk, HOST) == text


@pytest.mark.parametrize(
    ("finish", "cancel", "expected"),
    [
        (None, None, "stop"),
        ("stop", None, "stop"),
        ("length", None, "length"),
        ("content_filter", None, "stop"),
        ("length", "cancelled", "cancelled"),
    ],
)
def test_how_the_answer_ended(finish: str | None, cancel: str | None, expected: str) -> None:
    parser = ChunkParser()
    parser.take(_chunk("x", finish), HOST)
    parser.take(_chunk("y"), HOST)  # a later chunk without a finish reason does not undo it
    assert parser.done("cancelled" if cancel else None).finish_reason == expected


def test_usage_that_is_not_a_count_is_unknown() -> None:
    parser = ChunkParser()
    parser.take(json.dumps({"choices": [], "usage": {"prompt_tokens": True,
                                                     "completion_tokens": "3"}}), HOST)  # fmt: skip
    assert (parser.done().prompt_tokens, parser.done().completion_tokens) == (None, None)
    parser.take(json.dumps({"choices": [], "usage": "lots"}), HOST)
    assert parser.done().prompt_tokens is None


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("not json", "not JSON"),
        ("", "not JSON"),  # an empty data field
        ("[DONE", "not JSON"),
        ("[" * 100_000, "not JSON"),  # too deep for the parser: not a RecursionError
        ("[1, 2]", "unexpected chunk"),
        ('"text"', "unexpected chunk"),
        ("{}", "without 'choices'"),
        ('{"choices": {"delta": {}}}', "without 'choices'"),
        ('{"error": {"message": "model overloaded"}}', "reported an error: model overloaded"),
        ('{"error": "plain words"}', "reported an error: plain words"),
    ],
)
def test_garbage_is_a_protocol_error_naming_the_server(data: str, says: str) -> None:
    with pytest.raises(RemoteProtocolError, match=says) as caught:
        ChunkParser().take(data, HOST)
    assert HOST in str(caught.value)
    assert len(str(caught.value)) < 400


def test_the_token_never_reaches_an_error_message() -> None:
    parser = ChunkParser(TOKEN)
    for data in (
        f"oops {TOKEN} oops",
        f"Authorization: Bearer {TOKEN}",
        json.dumps({"error": {"message": f"bad key {TOKEN}"}}),
        json.dumps({"error": f"header was 'Bearer {TOKEN}'"}),
    ):
        with pytest.raises(RemoteProtocolError) as caught:
            parser.take(data, HOST)
        assert HIDDEN in str(caught.value)
        assert TOKEN[:8] not in str(caught.value) and TOKEN[-8:] not in str(caught.value)


# ---------------------------------------------------------------- errors and redaction
@pytest.mark.parametrize(
    ("status", "hint"),
    [(401, "token"), (403, "token"), (404, "fallback.url"), (500, "try again later"),
     (503, "try again later"), (429, "fallback.model")],
)  # fmt: skip
def test_a_status_error_says_what_to_do(status: int, hint: str) -> None:
    error = status_error(status, "<html>not json</html>", HOST, None)
    assert isinstance(error, RemoteProtocolError)
    assert f"{HOST} answered HTTP {status}." in str(error)  # no detail from a non-JSON body
    assert hint in str(error)


def test_a_status_error_quotes_the_servers_own_words_without_the_token() -> None:
    body = json.dumps({"error": {"message": f"invalid key {TOKEN}", "type": "auth"}})
    message = str(status_error(401, body, HOST, TOKEN))
    assert f"HTTP 401: invalid key {HIDDEN}. " in message
    assert TOKEN not in message
    assert "HTTP 400. " in str(status_error(400, "[" * 100_000, HOST, None))


def test_redact_hides_the_secret_and_any_credential() -> None:
    assert redact(f"key={TOKEN}", TOKEN) == f"key={HIDDEN}"
    header = "Authorization: Bearer abc.def-ghi, next"
    assert redact(header) == f"Authorization: Bearer {HIDDEN}, next"
    assert redact('{"auth": "basic dXNlcjpwdw=="}') == f'{{"auth": "basic {HIDDEN}"}}'
    assert redact("bearer\tXYZ") == f"bearer\t{HIDDEN}"
    assert redact("no secrets here", None) == "no secrets here"


def test_quote_hides_before_it_shortens() -> None:
    text = "x" * 20 + TOKEN
    for limit in range(20, len(text)):
        quoted = quote(text, limit, TOKEN)
        assert len(quoted) <= limit
        assert TOKEN[:4] not in quoted  # a cut never leaves the start of the secret


def test_error_text_is_bounded() -> None:
    assert error_text({"message": "m" * 1000}) == "m" * 200
    assert error_text({"code": 7}) == "{'code': 7}"
