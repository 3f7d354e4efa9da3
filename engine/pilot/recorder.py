"""Watch one answer's events and store its numbers: the engine's only tie to the metrics.

:meth:`MetricsRecorder.watch` passes every event through unchanged and, at the
final event, writes one :class:`~engine.pilot.store.AnswerMetrics` row. It reads
numbers only: the token texts and the final text never reach the store. A
failing store is logged and ignored; metrics never break an answer.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from engine.events import Event, FinalEvent, NoticeEvent
from engine.pilot.energy import EnergyMeter
from engine.pilot.measure import Cost, Measurement, this_process
from engine.pilot.store import AnswerMetrics, MetricsStore

log = logging.getLogger(__name__)

FALLBACK_NOTICES = frozenset({"remote_failed", "local_failed", "local_crashed", "fallback"})
"""Notice kinds that mean the answer did not go the way it was decided: route ``degraded``."""


def route_class(final: FinalEvent, fell_back: bool) -> str:
    """``local``, ``remote``, ``degraded`` (a fallback happened) or ``refused``."""
    if final.route == "refuse":
        return "refused"
    if fell_back:
        return "degraded"
    return final.route


def reason_codes(final: FinalEvent) -> str:
    """The reason's codes, comma-separated (parameters left out: they may quote files)."""
    parts = final.reason_parts or []
    return ",".join(str(p.get("code", "")) for p in parts if p.get("code"))


def metrics_of(final: FinalEvent, cost: Cost, fell_back: bool) -> AnswerMetrics:
    """The row for one finished answer."""
    return AnswerMetrics(
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        route=route_class(final, fell_back),
        final_route=final.route,
        experts=final.experts,
        reasons=reason_codes(final),
        stop_reason=final.stop_reason,
        ttft_s=final.ttft_s,
        total_s=cost.total_s,
        prompt_tokens=final.prompt_tokens,
        generated_tokens=final.generated_tokens,
        tokens_per_s=final.tokens_per_s,
        cpu_s=cost.cpu_s,
        energy_j=cost.energy.joules if cost.energy else None,
        energy_source=cost.energy.source if cost.energy else None,
        model=final.model,
    )


class MetricsRecorder:
    """Records every answer the engine streams into one :class:`MetricsStore`."""

    def __init__(self, store: MetricsStore, meter: EnergyMeter) -> None:
        self.store = store
        self.meter = meter

    def watch(
        self, events: Iterator[Event], worker_pid: Callable[[], int | None]
    ) -> Iterator[Event]:
        """Yield ``events`` unchanged; store the answer's numbers at its final event.

        ``worker_pid`` reads the inference worker's PID (None while none runs); a local
        answer's CPU time is the worker's, any other answer's is this process's.
        """
        measurement = Measurement(self.meter, worker_pid(), this_process())
        fell_back = False
        for event in events:
            if isinstance(event, NoticeEvent) and event.kind in FALLBACK_NOTICES:
                fell_back = True
            elif isinstance(event, FinalEvent):
                pid = worker_pid() if event.route == "local" else this_process()
                self._store(metrics_of(event, measurement.finish(pid), fell_back))
            yield event

    def _store(self, row: AnswerMetrics) -> None:
        try:
            self.store.add(row)
        except (sqlite3.Error, OSError) as exc:
            log.warning("pilot metrics not stored: %s", exc)
