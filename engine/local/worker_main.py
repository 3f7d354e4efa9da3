"""The inference worker: the one process of the app that runs llama.cpp.

Started by :class:`engine.local.worker_client.LlamaWorker` as ``python -m
engine.local.worker_main`` (or the frozen equivalent). It reads requests from stdin and
answers on stdout (:mod:`engine.local.worker_protocol`); llama.cpp's own prints and
``GGML_ASSERT`` messages go to stderr, which the engine keeps for the crash
report. When llama.cpp crashes, aborts or is killed, only this process dies.

One request runs at a time on the main thread; a reader thread takes requests
off the pipe so that ``cancel`` reaches a running ``generate`` between tokens,
and a closed stdin (the engine went away) ends the worker. A stream runs at
most one item ahead of its reader: the worker decodes token *k* + 1 while the
engine handles token *k* (so the pipe's round trip hides behind the decode),
then waits for ``more`` (or ``cancel``). A Stop pressed while the window shows
token *k* therefore wastes at most one decode, and the engine drops that token.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from collections.abc import Callable, Generator
from pathlib import Path
from typing import IO, Any

from engine.errors import GenbaError
from engine.local.worker_protocol import Message, ProtocolError, encode, error_payload, read_message


class _Channel:
    """The protocol's output side, shared by the main thread and the log handler."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        data = encode(message)
        with self._lock:
            self._out.write(data)
            self._out.flush()


class _ForwardLogs(logging.Handler):
    """Send log records to the engine, which writes them to genba's rotating log file."""

    def __init__(self, channel: _Channel) -> None:
        super().__init__(logging.DEBUG)
        self._channel = channel

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._channel.send(
                {"op": "log", "level": record.levelno, "name": record.name,
                 "msg": record.getMessage()}
            )
        except Exception:  # a broken pipe while logging must not kill an answer
            return


class WorkerServer:
    """Executes requests against at most one loaded model (plus vocabularies for counting)."""

    def __init__(self, channel: _Channel) -> None:
        self._channel = channel
        self._model: Any = None  # engine.local.llama_adapter.LlamaModel
        self._vocabs: dict[str, Any] = {}
        self._cancelled: set[int] = set()
        self._current = -1
        self._cancel = threading.Event()
        self._credit = threading.Semaphore(1)
        self._lock = threading.Lock()

    # -- called from the reader thread --------------------------------------
    def cancel(self, request_id: int) -> None:
        """Cancel request ``request_id``, running or still queued."""
        with self._lock:
            self._cancelled.add(request_id)
            if request_id == self._current:
                self._cancel.set()
                self._credit.release()

    def hang_up(self) -> None:
        """The engine closed the pipe (or died): stop whatever runs, at once."""
        with self._lock:
            self._cancelled.add(self._current)
            self._cancel.set()
            self._credit.release()

    def more(self, request_id: int) -> None:
        """The reader of stream ``request_id`` took an item and wants the next."""
        with self._lock:
            if request_id == self._current:
                self._credit.release()

    # -- main thread ---------------------------------------------------------
    def handle(self, message: Message) -> None:
        """Run one request and send its answer (or its error)."""
        request_id = int(message.get("id", -1))
        op = str(message.get("op", ""))
        with self._lock:
            self._current = request_id
            self._cancel.clear()
            self._credit = threading.Semaphore(1)  # one item ahead of the reader
            if request_id in self._cancelled:
                self._cancel.set()
        try:
            handler: Callable[[Message], Message | Generator[Message, None, None]] | None = getattr(
                self, f"op_{op}", None
            )
            if handler is None:
                raise ProtocolError(f"unknown request {op!r}")
            result = handler(message)
            if isinstance(result, dict):
                self._channel.send({"id": request_id, "ok": result})
            else:
                for item in result:
                    self._channel.send({"id": request_id, **item})
                    self._credit.acquire()
                    if self._cancel.is_set():
                        result.close()  # frees llama.cpp's generator at once
                        break
                self._channel.send({"id": request_id, "ok": {"done": True}})
        except (GenbaError, ProtocolError) as exc:
            self._channel.send({"id": request_id, "error": error_payload(exc)})
        finally:
            with self._lock:
                self._cancelled.discard(request_id)
                self._current = -1

    def _loaded(self) -> Any:
        if self._model is None:
            raise ProtocolError("no model is loaded")
        return self._model

    def op_hello(self, message: Message) -> Message:
        """Configure the worker; report the llama.cpp build and CPU backend."""
        from importlib.metadata import PackageNotFoundError, version

        from engine.local import llama_adapter

        cache = message.get("cpu_cache")
        llama_adapter.set_cpu_backend_cache(Path(cache) if cache else None)
        llama_adapter.prepare()
        backend = llama_adapter.cpu_backend()
        try:
            build = version("llama-cpp-python")
        except PackageNotFoundError:  # pragma: no cover - frozen builds without metadata
            build = "unknown"
        return {
            "pid": os.getpid(),
            "llama_cpp": build,
            "backend": backend.variant if backend else "unknown",
            "backend_text": backend.describe() if backend else "unknown",
            "tried": [list(t) for t in backend.tried] if backend else [],
        }

    def op_load(self, message: Message) -> Message:
        """Load a model (freeing the previous one first)."""
        from engine.local.llama_adapter import LlamaModel, load_dense

        self.op_unload(message)
        path = Path(message["path"])
        n_threads = message.get("n_threads")
        if message.get("dense"):
            self._model = load_dense(
                path, n_ctx=int(message["n_ctx"]), n_threads=n_threads,
                logits_all=bool(message.get("logits_all")),
            )
        else:
            self._model = LlamaModel.load(
                path, architecture=str(message["architecture"]),
                expert_count=int(message["expert_count"]), experts=int(message["experts"]),
                n_ctx=int(message["n_ctx"]), n_threads=n_threads,
                n_batch=int(message.get("n_batch", 256)),
                logits_all=bool(message.get("logits_all")), fixed=bool(message.get("fixed")),
            )
        return {"n_ctx": self._model.n_ctx}

    def op_unload(self, _message: Message) -> Message:
        """Free the loaded model."""
        if self._model is not None:
            self._model.close()
            self._model = None
        return {}

    def op_count_chat(self, message: Message) -> Message:
        """Prompt tokens of a chat, with only the vocabulary of the model at ``path``."""
        from engine.local.llama_adapter import load_vocab_only

        path = str(message["path"])
        vocab = self._vocabs.get(path)
        if vocab is None:
            for old in self._vocabs.values():
                old.close()
            self._vocabs.clear()
            vocab = self._vocabs[path] = load_vocab_only(Path(path))
        return {"tokens": len(vocab.chat_prompt_tokens(message["messages"]))}

    def op_tokenize_file(self, message: Message) -> Message:
        """Tokens of a text with only the vocabulary of the model at ``path``."""
        from engine.local.llama_adapter import tokenize_with_vocab

        return {"tokens": tokenize_with_vocab(
            Path(message["path"]), str(message["text"]),
            add_bos=bool(message.get("add_bos")), special=bool(message.get("special")),
        )}

    def op_chat_tokens(self, message: Message) -> Message:
        """Tokens of a chat under the loaded model's template."""
        return {"tokens": self._loaded().chat_prompt_tokens(message["messages"])}

    def op_tokenize(self, message: Message) -> Message:
        """Tokens of a text in the loaded model's vocabulary."""
        return {"tokens": self._loaded().tokenize(
            str(message["text"]), add_bos=bool(message.get("add_bos", True)),
            special=bool(message.get("special")),
        )}

    def op_generate(self, message: Message) -> Generator[Message, None, None]:
        """Stream ``{"token", "text"}`` items until EOG, ``max_tokens`` or cancel."""
        from engine.local.llama_adapter import Sampling

        model = self._loaded()
        sampling = Sampling(**message.get("sampling", {}))
        for token, text in model.generate(
            message["prompt"], max_tokens=int(message["max_tokens"]), sampling=sampling,
            cancel=self._cancel, fresh=bool(message.get("fresh")),
        ):
            yield {"token": token, "text": text}

    def op_set_tracing(self, message: Message) -> Message:
        """Turn the routing trace on or off (``keep_tokens``: also the per-token lists)."""
        self._loaded().set_tracing(
            bool(message["enabled"]), keep_tokens=bool(message.get("keep_tokens", True))
        )
        return {}

    def op_take_routing(self, _message: Message) -> Message:
        """Routing recorded since the last call."""
        return {"routing": self._loaded().take_routing()}

    def op_take_load(self, _message: Message) -> Message:
        """Expert load (per layer and expert: rows, router-weight sums) since the last call.

        Summed here, in the worker, so that only E numbers per layer cross the pipe.
        """
        return {"layers": self._loaded().take_load()}

    def op_evaluate(self, message: Message) -> Message:
        """Prompt pass over ``tokens`` from an empty context (routes a text, samples nothing)."""
        self._loaded().evaluate(message["tokens"])
        return {}

    def op_perplexity(self, message: Message) -> Message:
        """Perplexity of a token sequence (model loaded with ``logits_all``)."""
        return {"value": self._loaded().perplexity(message["tokens"])}

    def op_selftest(self, message: Message) -> Message:
        """The short quantized test decode of :mod:`engine.local.llama_selftest`."""
        from engine.local.llama_selftest import run_selftest

        result = run_selftest(n_threads=message.get("n_threads"))
        return {
            "backend": result.backend, "tokens": result.tokens,
            "prompt_tokens": result.prompt_tokens, "seconds": result.seconds,
        }


def _protocol_streams() -> tuple[IO[bytes], IO[bytes]]:
    """Take stdin/stdout for the protocol; anything else printed goes to stderr."""
    proto_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # C-level prints can't corrupt the wire
    sys.stdout = sys.stderr
    return sys.stdin.buffer, proto_out


def serve(proto_in: IO[bytes], proto_out: IO[bytes]) -> int:
    """Serve requests until the engine closes the pipe."""
    channel = _Channel(proto_out)
    root = logging.getLogger()
    root.handlers[:] = [_ForwardLogs(channel)]
    root.setLevel(logging.DEBUG)
    server = WorkerServer(channel)
    inbox: queue.Queue[Message | None] = queue.Queue()

    def read() -> None:
        try:
            while (message := read_message(proto_in)) is not None:
                if message.get("op") == "cancel":
                    server.cancel(int(message.get("id", -1)))
                elif message.get("op") == "more":
                    server.more(int(message.get("id", -1)))
                else:
                    inbox.put(message)
        except (OSError, ProtocolError) as exc:
            logging.getLogger(__name__).error("worker input broken: %s", exc)
        server.hang_up()
        inbox.put(None)

    threading.Thread(target=read, name="worker-reader", daemon=True).start()
    while (message := inbox.get()) is not None:
        if message.get("op") == "shutdown":
            break
        server.handle(message)
    server.op_unload({})
    return 0


def main() -> int:
    """Entry point of the worker process."""
    proto_in, proto_out = _protocol_streams()
    return serve(proto_in, proto_out)


if __name__ == "__main__":
    raise SystemExit(main())
