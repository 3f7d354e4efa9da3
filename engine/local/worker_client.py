"""The engine's side of the inference worker: start it, talk to it, notice when it dies.

:class:`LlamaWorker` starts :mod:`engine.local.worker_main` on first use and sends it
one request at a time. Two reader threads drain its stdout (answers, streamed
tokens and forwarded log records) and its stderr (kept, last lines only, for
the crash report). When the process ends, whatever request is waiting raises
:class:`~engine.errors.LocalCrashError` saying how it ended (``killed by
SIGSEGV``, ``exit code 134``…) and the last line it printed; the next request
starts a fresh process. The app and the CLI never see llama.cpp crash.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import os
import queue
import subprocess
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from engine.errors import LocalCrashError
from engine.local.child_command import module_command
from engine.local.llama_cpu import describe_exit
from engine.local.worker_protocol import Message, ProtocolError, encode, raise_error, read_message

log = logging.getLogger(__name__)

CANCEL_POLL_S = 0.05
"""How often a waiting stream checks the caller's cancel flag (tokens come faster anyway)."""
CLOSE_WAIT_S = 3.0
"""How long a closing worker may take to exit before it is killed."""


@dataclass(frozen=True)
class _Exited:
    """The worker process ended; ``returncode`` as subprocess reports it."""

    returncode: int


@dataclass(frozen=True)
class WorkerInfo:
    """What a freshly started worker reports about itself."""

    pid: int
    llama_cpp: str
    backend: str
    backend_text: str
    tried: tuple[tuple[str, str], ...] = ()
    """Self-tests run to choose the backend in this worker (empty when remembered)."""

    @property
    def build(self) -> str:
        """The llama.cpp build as far as crashes and safe N are concerned."""
        return f"llama-cpp-python {self.llama_cpp}, CPU {self.backend}"


def _hang_up(proc: subprocess.Popen[bytes]) -> None:
    if proc.stdin is not None:
        with contextlib.suppress(OSError):
            proc.stdin.close()
    # Reap it once it has gone (a zombie and an unwaited Popen warn otherwise).
    threading.Thread(target=proc.wait, name="worker-reaper", daemon=True).start()


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def worker_env() -> dict[str, str]:
    """The environment of a llama.cpp child process.

    ``GGML_NO_BACKTRACE``: on an abort ggml would otherwise attach gdb to print a
    backtrace, which takes seconds and buries the one line that says what failed.
    """
    return {**os.environ, "GGML_NO_BACKTRACE": "1"}


class LlamaWorker:
    """One inference worker process (started lazily, restarted after a crash)."""

    def __init__(self, *, cpu_cache: Path | None = None) -> None:
        self._cpu_cache = cpu_cache
        self._proc: subprocess.Popen[bytes] | None = None
        self._inbox: queue.Queue[Message | _Exited] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._ids = itertools.count(1)
        self._busy = threading.RLock()
        self._write_lock = threading.Lock()
        self._info: WorkerInfo | None = None
        self._stderr_reader: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def running(self) -> bool:
        """True while a worker process is up (not started yet or crashed: False)."""
        return self.pid is not None

    def info(self) -> WorkerInfo:
        """Start the worker if needed and return what it reported."""
        with self._busy:
            self._ensure_started()
            assert self._info is not None
            return self._info

    def _ensure_started(self) -> None:
        if self._proc is not None and self._proc.poll() is None and self._info is not None:
            return
        self._discard()
        self._inbox = queue.Queue()
        self._stderr.clear()
        try:
            proc = subprocess.Popen(
                module_command("engine.local.worker_main"), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=worker_env(),
            )
        except OSError as exc:
            raise LocalCrashError("could not start", str(exc)) from exc
        self._proc = proc
        # An engine dropped without close() must not leave its worker behind: closing
        # the worker's stdin makes it exit (it stops mid-answer too).
        weakref.finalize(self, _hang_up, proc)
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(
            target=self._read_answers, args=(proc, proc.stdout, self._inbox),
            name="worker-answers", daemon=True,
        ).start()
        self._stderr_reader = threading.Thread(
            target=self._read_stderr, args=(proc.stderr, self._stderr), name="worker-stderr",
            daemon=True,
        )
        self._stderr_reader.start()
        hello = self._request_locked(
            "hello", cpu_cache=str(self._cpu_cache) if self._cpu_cache else None
        )
        self._info = WorkerInfo(
            pid=int(hello["pid"]), llama_cpp=str(hello["llama_cpp"]),
            backend=str(hello["backend"]), backend_text=str(hello["backend_text"]),
            tried=tuple((str(a), str(b)) for a, b in hello.get("tried", [])),
        )
        log.info("inference worker %d started (%s)", self._info.pid, self._info.backend_text)

    def close(self) -> None:
        """Stop the worker (it frees its model); kill it if it does not exit promptly."""
        with self._busy:
            self._discard()

    def _discard(self) -> None:
        proc, self._proc, self._info = self._proc, None, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                self._write(proc, {"op": "shutdown"})
                assert proc.stdin is not None
                proc.stdin.close()
                proc.wait(CLOSE_WAIT_S)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        _close_pipes(proc)

    # -- readers (their own threads) -------------------------------------------
    @staticmethod
    def _read_answers(
        proc: subprocess.Popen[bytes], out: IO[bytes], inbox: queue.Queue[Message | _Exited]
    ) -> None:
        try:
            while (message := read_message(out)) is not None:
                if message.get("op") == "log":
                    logging.getLogger(str(message.get("name", "worker"))).log(
                        int(message.get("level", logging.INFO)), "%s", message.get("msg", "")
                    )
                else:
                    inbox.put(message)
        except (OSError, ValueError, ProtocolError) as exc:
            log.error("inference worker output broken: %s", exc)
            proc.kill()
        # Each reader closes its own pipe at the end: a worker dropped without
        # close() must leave no open file behind.
        with contextlib.suppress(OSError):
            out.close()
        inbox.put(_Exited(proc.wait()))

    @staticmethod
    def _read_stderr(err: IO[bytes], lines: collections.deque[str]) -> None:
        # Static, like _read_answers: a thread holding ``self`` would keep a dropped
        # LlamaWorker (and so its process) alive.
        try:
            for raw in iter(err.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    lines.append(line)
                    log.info("worker: %s", line)
        except (OSError, ValueError):
            pass
        with contextlib.suppress(OSError):
            err.close()

    # -- requests ------------------------------------------------------------
    def _write(self, proc: subprocess.Popen[bytes], message: Message) -> None:
        assert proc.stdin is not None
        with self._write_lock:
            proc.stdin.write(encode(message))
            proc.stdin.flush()

    def _send(self, op: str, args: dict[str, Any]) -> int:
        request_id = next(self._ids)
        assert self._proc is not None
        # A dead process cannot be written to: its reader reports how it ended.
        with contextlib.suppress(OSError, ValueError):
            self._write(self._proc, {"op": op, "id": request_id, **args})
        return request_id

    def _crash(self, exited: _Exited) -> LocalCrashError:
        # The stderr reader may lag behind the exit by a moment.
        if self._stderr_reader is not None:
            self._stderr_reader.join(1.0)
        detail = next((line for line in reversed(self._stderr) if line.strip()), "")
        how = describe_exit(exited.returncode)
        log.error("inference worker ended (%s): %s", how, " | ".join(self._stderr))
        if self._proc is not None:
            _close_pipes(self._proc)
        self._proc, self._info = None, None
        return LocalCrashError(how, detail[:300])

    def _next(self, timeout: float | None = None) -> Message | None:
        try:
            item = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, _Exited):
            raise self._crash(item)
        return item

    def _request_locked(self, op: str, **args: Any) -> Message:
        request_id = self._send(op, args)
        while True:
            message = self._next()
            assert message is not None
            if message.get("id") != request_id:
                continue  # leftovers of an abandoned stream
            if "error" in message:
                raise_error(message["error"])
            result: Message = message.get("ok", {})
            return result

    def request(self, op: str, **args: Any) -> Message:
        """Send one request and return its answer; the worker's errors are re-raised here."""
        with self._busy:
            self._ensure_started()
            return self._request_locked(op, **args)

    def stream(
        self, op: str, cancel: threading.Event | None = None, **args: Any
    ) -> Iterator[Message]:
        """Send a streaming request and yield its items; ``cancel`` stops it between tokens."""
        with self._busy:
            self._ensure_started()
            request_id = self._send(op, args)
            cancel_sent = False
            finished = False
            try:
                while True:
                    if cancel is not None and cancel.is_set() and not cancel_sent:
                        self._cancel(request_id)
                        cancel_sent = True
                    message = self._next(CANCEL_POLL_S if cancel is not None else None)
                    if message is None or message.get("id") != request_id:
                        continue
                    if "error" in message:
                        finished = True
                        raise_error(message["error"])
                    if "ok" in message:
                        finished = True
                        return
                    if cancel_sent:
                        continue  # decoded ahead before the worker saw the cancel: not shown
                    yield message
                    # The worker runs one item ahead and waits for this before the next.
                    if cancel is not None and cancel.is_set():
                        if not cancel_sent:
                            self._cancel(request_id)
                            cancel_sent = True
                    else:
                        self._ask_more(request_id)
            finally:
                if not finished and self._proc is not None:
                    self._abandon(request_id, cancel_sent)

    def _ask_more(self, request_id: int) -> None:
        if self._proc is not None:
            with contextlib.suppress(OSError, ValueError):
                self._write(self._proc, {"op": "more", "id": request_id})

    def _cancel(self, request_id: int) -> None:
        if self._proc is not None:
            with contextlib.suppress(OSError, ValueError):
                self._write(self._proc, {"op": "cancel", "id": request_id})

    def _abandon(self, request_id: int, cancel_sent: bool) -> None:
        """The caller stopped reading a stream: cancel it and drain to its end."""
        if not cancel_sent:
            self._cancel(request_id)
        try:
            while (message := self._next()) is not None:
                if message.get("id") == request_id and ("ok" in message or "error" in message):
                    return
        except LocalCrashError as exc:
            log.warning("inference worker died while a stream was abandoned: %s", exc)
