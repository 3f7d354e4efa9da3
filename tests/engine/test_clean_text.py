"""Clean answer text (issue 13, item 3): no U+FFFD reaches the operator or history.

The decoders as units on byte and text sequences; remote answers from a
loopback server whose SSE text carries U+FFFD, lone and split surrogate escapes
and raw invalid bytes. Real local answers on the tiny model's byte-level
vocabulary are in ``test_clean_text_answers.py``.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading

import pytest

from engine.clean_text import TextPieces, Utf8Pieces
from engine.remote.client import RemoteChunk, RemoteClient, RemoteConfig, RemoteDelta, RemoteDone
from engine.remote.network import NetworkConfig
from tests.engine import remote_servers
from tests.engine.remote_servers import FaultServer

MIXED = "Torque 日本語のテキスト 😀👍🏽 ñ é ок 🇯🇵 end"


def pieces_of(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def decode_all(parts: list[bytes]) -> tuple[list[str], Utf8Pieces]:
    decoder = Utf8Pieces()
    out = [decoder.feed(part) for part in parts]
    out.append(decoder.finish())
    return out, decoder


def assert_clean(texts: list[str]) -> None:
    for text in texts:
        assert "\ufffd" not in text
        text.encode("utf-8")  # no lone surrogate: history (SQLite) could not store it


# ------------------------------------------------------------------ bytes (local)
@pytest.mark.parametrize("text", ["日本語のテキスト", "😀🇯🇵👍🏽", MIXED])
def test_characters_split_over_tokens_byte_by_byte(text: str) -> None:
    data = text.encode()
    out, decoder = decode_all([data[i : i + 1] for i in range(len(data))])
    assert_clean(out)
    assert "".join(out) == text
    assert decoder.dropped == 0
    # Nothing is shown before it is complete: every piece is whole characters.
    assert all(piece == "" or piece.encode() in data for piece in out)


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_a_four_byte_emoji_split_anywhere(cut: int) -> None:
    data = "a😀b".encode()
    out, decoder = decode_all([data[: 1 + cut], data[1 + cut :]])
    assert out[0] == "a"  # the first bytes of 😀 are held back, not replaced
    assert "".join(out) == "a😀b"
    assert decoder.dropped == 0


@pytest.mark.parametrize(
    ("parts", "expected", "dropped"),
    [
        ([b"ok\xff", b"\xfe!"], "ok!", 2),  # bytes that are never valid UTF-8
        ([b"\xc0\xaf", b"x"], "x", 2),  # an overlong encoding of "/"
        ([b"\xed\xa0\x80", b"y"], "y", 3),  # an encoded surrogate
        ([b"a\x80b"], "ab", 1),  # a stray continuation byte
        ([b"\x80\x80", "日".encode()], "日", 2),  # stray continuations, then a valid character
        ([b"\xe3\x81", b"A"], "A", 2),  # a lead byte whose sequence is interrupted
        ([b"\xf0\x9f", "語".encode()], "語", 2),  # ...by another multi-byte character
        ([b"ok\xe3\x81"], "ok", 2),  # a character cut by the end of the answer
        ([b"ok", b"\xf0\x9f\x98"], "ok", 3),  # a 4-byte one, in its own token
    ],
)
def test_invalid_bytes_are_dropped_and_counted(
    parts: list[bytes], expected: str, dropped: int
) -> None:
    out, decoder = decode_all(parts)
    assert_clean(out)
    assert "".join(out) == expected
    assert decoder.dropped_bytes == dropped


def test_a_replacement_character_the_model_encodes_is_dropped_too() -> None:
    out, decoder = decode_all([b"a\xef\xbf", b"\xbdb"])
    assert "".join(out) == "ab"
    assert (decoder.dropped_bytes, decoder.dropped_replacements) == (0, 1)


def test_random_bytes_in_random_pieces_lose_no_valid_character() -> None:
    rng = random.Random(13)
    alphabet = [*MIXED.encode(), 0x80, 0xBF, 0xC0, 0xC3, 0xE3, 0xED, 0xF0, 0xF4, 0xF8, 0xFF]
    for _ in range(500):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        cuts = rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(0, 10))) \
            if len(data) > 1 else []
        out, _ = decode_all(pieces_of(data, cuts))
        assert_clean(out)
        # Python's one-shot decoder finds the same valid characters (maximal subparts).
        assert "".join(out) == data.decode("utf-8", errors="replace").replace("\ufffd", "")


# ------------------------------------------------------------------ text (remote)
@pytest.mark.parametrize(
    ("parts", "expected", "dropped"),
    [
        (["日本", "語\ufffd", "です"], "日本語です", 1),  # U+FFFD the server sent
        (["a\ud83d", "\ude00b"], "a😀b", 0),  # an escaped pair split over two chunks
        (["\ud83d\ude00"], "😀", 0),
        (["a\ud83d", "b"], "ab", 1),  # a lone high surrogate
        (["a\ude00b"], "ab", 1),  # a lone low surrogate
        (["end\ud83d"], "end", 1),  # a high surrogate at the end of the answer
    ],
)
def test_remote_text_pieces(parts: list[str], expected: str, dropped: int) -> None:
    cleaner = TextPieces()
    out = [cleaner.feed(part) for part in parts]
    out.append(cleaner.finish())
    assert_clean(out)
    assert "".join(out) == expected
    assert cleaner.dropped == dropped


# ------------------------------------------------------------------ remote over HTTP
def remote_answer(url: str) -> list[RemoteChunk]:
    client = RemoteClient(RemoteConfig(url=url, connect_s=2.0, read_s=1.0, total_s=3.0),
                          NetworkConfig())
    chunks: list[RemoteChunk] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            chunks.extend(client.stream_chat([{"role": "user", "content": "hi"}], max_tokens=16))
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert not errors, errors
    assert isinstance(chunks[-1], RemoteDone)
    return chunks


def test_remote_answer_drops_what_the_server_could_not_decode(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # json.dumps escapes non-ASCII, so the wire carries "\ufffd" and "\ud83d" escapes.
    words = ["日本", "語\ufffd", " 😀", " \ud83d", "\ude00", " \udc80end", "\ud83d"]
    monkeypatch.setattr(remote_servers, "WORDS", words)
    caplog.set_level(logging.WARNING, logger="engine.remote.client")
    with FaultServer("ok") as server:
        chunks = remote_answer(server.url)
    texts = [c.text for c in chunks if isinstance(c, RemoteDelta)]
    assert_clean(texts)
    assert "".join(texts) == "日本語 😀 😀 end"
    lines = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(lines) == 1
    assert "2 lone surrogates and 1 U+FFFD" in lines[0]
    assert "日本" not in lines[0]  # counts, never text


def test_remote_answer_with_raw_invalid_bytes_in_its_json(monkeypatch: pytest.MonkeyPatch) -> None:
    original = remote_servers.chunk

    def raw_chunk(text: str | None = None, finish: str | None = None) -> bytes:
        if text is None:
            return original(text, finish)
        body = {"choices": [{"index": 0, "delta": {"content": "@"}, "finish_reason": None}]}
        # Not UTF-8 on the wire: a cut sequence, a never-valid byte, a stray continuation.
        bad = text.encode() + b"\xe3\x80\xff\x80"
        raw = json.dumps(body, ensure_ascii=False).encode().replace(b"@", bad)
        return b"data: " + raw + b"\n\n"

    monkeypatch.setattr(remote_servers, "chunk", raw_chunk)
    monkeypatch.setattr(remote_servers, "WORDS", ["日本", "語"])
    with FaultServer("ok") as server:
        chunks = remote_answer(server.url)
    texts = [c.text for c in chunks if isinstance(c, RemoteDelta)]
    assert_clean(texts)
    assert "".join(texts) == "日本語"
