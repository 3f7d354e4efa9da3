"""Clean answer text: no U+FFFD and no lone surrogate ever reaches the operator or history.

A model's tokens are bytes, and a byte-level tokenizer can emit bytes that never
form valid UTF-8 (a lead byte without its continuation, a stray continuation
byte, a byte that is never valid, a character cut by the end of the answer).
Decoding them with ``errors="replace"`` put U+FFFD into what the window showed
and history stored. Instead:

* :class:`Utf8Pieces` (the local model's tokens, in the adapter) decodes bytes
  incrementally: an incomplete sequence at the end of a piece is held back until
  the next piece completes it; bytes that never form valid UTF-8 are **dropped**
  and counted (``dropped_bytes``); at the end of the answer an unfinished
  sequence is dropped and counted too.
* :class:`TextPieces` (the remote server's text, in :mod:`engine.remote.client`)
  cleans text that is already decoded. SSE chunks are JSON, so bytes the server
  could not decode arrive either as U+FFFD (the server replaced them, or genba's
  line decoder did for raw invalid bytes) or as JSON ``\\udXXX`` escapes that
  make lone surrogates in Python. A high surrogate at the end of a piece is held
  back in case the next piece starts with its low half (an escaped pair split
  over two chunks); any other lone surrogate is dropped and counted.

**U+FFFD, whoever produced it, is dropped and counted** (``dropped_replacements``),
both from the local model (which can emit its valid encoding ``EF BF BD``) and
from a server that sent it itself. U+FFFD carries no content: it only says that
text was lost before genba saw it. Showing it tells the operator nothing they can
act on and stores the damage in history, while the log line keeps the fact.

Cleaning happens *before* a piece becomes a token event, so "the final text
equals the concatenation of the token events" holds unchanged. Each answer logs
one line with the counts (never the text) when anything was dropped:
:func:`log_dropped`.
"""

from __future__ import annotations

import codecs
import logging
import re

REPLACEMENT = "\ufffd"
# surrogateescape turns each byte that is not valid UTF-8 into U+DC80..U+DCFF;
# the UTF-8 decoder never produces a surrogate otherwise.
_ESCAPED = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


class Utf8Pieces:
    """Bytes in, clean text out, one piece at a time (the local model's tokens)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        self.dropped_bytes = 0
        self.dropped_replacements = 0

    def feed(self, data: bytes) -> str:
        """The text ``data`` completes; an incomplete trailing sequence is held back."""
        return self._clean(self._decoder.decode(data, final=False))

    def finish(self) -> str:
        """The end of the answer: a held-back sequence that never completed is dropped."""
        return self._clean(self._decoder.decode(b"", final=True))

    @property
    def dropped(self) -> int:
        """Everything dropped so far: invalid bytes and U+FFFD characters."""
        return self.dropped_bytes + self.dropped_replacements

    def _clean(self, text: str) -> str:
        if REPLACEMENT in text:
            self.dropped_replacements += text.count(REPLACEMENT)
            text = text.replace(REPLACEMENT, "")
        text, escaped = _ESCAPED.subn("", text)
        self.dropped_bytes += escaped
        return text


class TextPieces:
    """Decoded text in, clean text out, one piece at a time (the remote server's text)."""

    def __init__(self) -> None:
        self._held = ""
        self.dropped_surrogates = 0
        self.dropped_replacements = 0

    def feed(self, text: str) -> str:
        """``text`` without U+FFFD and lone surrogates; a trailing high surrogate waits."""
        text = self._held + text
        self._held = ""
        if text and "\ud800" <= text[-1] <= "\udbff":
            text, self._held = text[:-1], text[-1]
        return self._clean(text)

    def finish(self) -> str:
        """The end of the answer: a held high surrogate that found no partner is dropped."""
        text, self._held = self._held, ""
        return self._clean(text)

    @property
    def dropped(self) -> int:
        """Everything dropped so far: lone surrogates and U+FFFD characters."""
        return self.dropped_surrogates + self.dropped_replacements

    def _clean(self, text: str) -> str:
        if REPLACEMENT in text:
            self.dropped_replacements += text.count(REPLACEMENT)
            text = text.replace(REPLACEMENT, "")
        if _SURROGATE.search(text) is None:
            return text
        # Escaped pairs become their character; what is left alone is dropped.
        text = _PAIR.sub(
            lambda m: m.group().encode("utf-16", "surrogatepass").decode("utf-16"), text
        )
        text, lone = _SURROGATE.subn("", text)
        self.dropped_surrogates += lone
        return text


def log_dropped(log: logging.Logger, where: str, cleaner: Utf8Pieces | TextPieces) -> None:
    """One line per answer with what was dropped (counts only, never text); none if nothing."""
    if isinstance(cleaner, Utf8Pieces):
        invalid, kind = cleaner.dropped_bytes, "bytes that are not UTF-8"
    else:
        invalid, kind = cleaner.dropped_surrogates, "lone surrogates"
    if invalid or cleaner.dropped_replacements:
        log.warning(
            "%s answer: dropped %d %s and %d U+FFFD from the text",
            where, invalid, kind, cleaner.dropped_replacements,
        )
