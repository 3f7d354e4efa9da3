"""``genba pilot eval``: a site's questions at each N, with all experts, and on the remote server.

Variants (in this order):

``local-N<n>``
    every N the site's policy lets the decision choose for this model
    (:attr:`~engine.decision.DecisionPolicy.experts_lowest` … ``experts_max``: the useful
    floor of :mod:`engine.models.useful` unless ``experts.allow_below_useful``, capped by
    the policy and by the N llama.cpp runs this model at on this PC), except all experts;
``all-experts``
    every expert the model has (or the safe maximum on this PC): the baseline the plan's
    relative changes are measured against;
``remote``
    the ``fallback.*`` server, when the policy enables one and the PC is online.

Every answer is greedy (temperature 0, seed 0), so a rerun on the same PC gives the
same text. Local answers go through the :class:`~engine.service.Engine` with the
decision's adaptivity, fallback and metrics switched off (the evaluation measures,
it does not adapt). Variants are interleaved question by question (so a drifting PC
load weighs on all alike), and each switch of N is an unscored one-token answer so
that the reload is not charged to a question. Latency is wall time from
the request to the first token (TTFT) and to the last (total), the same way for local
and remote. Energy is this PC's (:mod:`engine.pilot.energy`): for the remote variant
that is the PC's side only, never the server's.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from engine.answer.prompt_fit import with_system_prompt
from engine.errors import GenbaError
from engine.events import FinalEvent, TokenEvent
from engine.local.llama_adapter import Sampling
from engine.pilot.energy import EnergyMeter
from engine.pilot.measure import Cost, Measurement, this_process
from engine.pilot.questions import Question
from engine.pilot.stats import quantile, summary, wilson
from engine.remote import credentials
from engine.remote.client import RemoteClient, RemoteConfig, RemoteDelta
from engine.remote.network import NetworkConfig, remote_status
from engine.service import Engine
from engine.settings import Settings

log = logging.getLogger(__name__)

FORMAT = "genba-pilot-eval"
VERSION = 1
GREEDY = Sampling(temperature=0.0, seed=0)

EVAL_OVERRIDES: dict[str, object] = {
    "metrics.enabled": False,  # evaluation answers are not operators' answers
    "fallback.enabled": False,  # a local variant must be answered locally
    "experts.adaptive": False,
    "experts.user_can_choose": True,
    "experts.min": 1,
    "experts.max": 0,
    "experts.allow_below_useful": True,
    "resources.min_tokens_per_s": 0.0,
}
"""Settings of the evaluating engine: the variant's N exactly, on this PC, unrecorded."""

Kind = Literal["local", "all", "remote"]


@dataclass(frozen=True)
class Variant:
    """One way of answering: local at N, all experts, or the remote server."""

    name: str
    kind: Kind
    experts: int | None = None


@dataclass(frozen=True)
class AnswerResult:
    """One question answered by one variant (numbers only, no text)."""

    variant: str
    question: str
    correct: bool
    experts: int | None
    ttft_s: float | None
    total_s: float
    generated_tokens: int
    cpu_s: float | None
    energy_j: float | None
    energy_source: str | None
    stop_reason: str
    error: str = ""


@dataclass(frozen=True)
class VariantSummary:
    """A variant's accuracy (with its 95 % Wilson interval), latency and energy."""

    variant: str
    kind: str
    experts: int | None
    answers: int
    correct: int
    accuracy: float
    accuracy_low: float
    accuracy_high: float
    ttft_p50_s: float | None
    ttft_p95_s: float | None
    total_p50_s: float | None
    total_p95_s: float | None
    decode_tps_p50: float | None
    """Median decode speed: generated tokens after the first / (total − TTFT), tokens/s.
    Answers differ in length between variants; this is the speed N changes."""
    energy_mean_j: float | None
    energy_source: str
    errors: int


def allowed_experts(engine: Engine, settings: Settings) -> tuple[list[int], int]:
    """The N the site's policy allows for the engine's model, and the all-experts N.

    Reads the decision policy as :meth:`Engine.plan` builds it (with the safe N of this
    PC, which the engine must have probed: answer once first).
    """
    probe = [{"role": "user", "content": "?"}]
    evaluating = engine.settings
    try:
        engine.update_settings(settings)
        site = engine.plan(probe, max_tokens=1).policy
        engine.update_settings(settings.with_values(EVAL_OVERRIDES, source="policy:eval"))
        everything = engine.plan(probe, max_tokens=1).policy.experts_max
    finally:
        if evaluating is not None:
            engine.update_settings(evaluating)
    allowed = list(range(site.experts_lowest, site.experts_max + 1))
    return allowed, everything


def variants_for(
    allowed: Sequence[int], everything: int, remote: bool, only: Iterable[int] | None = None
) -> list[Variant]:
    """The variants to run: ``local-N<n>`` for allowed N (filtered by ``only``), all, remote."""
    wanted = set(only) if only is not None else None
    out = [
        Variant(f"local-N{n}", "local", n)
        for n in allowed
        if n != everything and (wanted is None or n in wanted)
    ]
    out.append(Variant("all-experts", "all", everything))
    if remote:
        out.append(Variant("remote", "remote"))
    return out


def remote_ready(settings: Settings) -> tuple[bool, str]:
    """Whether the policy configures a remote server this PC may use now, and why not."""
    return remote_status(settings, NetworkConfig.from_settings(settings))


@dataclass
class Evaluation:
    """Everything one ``genba pilot eval`` run produced."""

    created: str
    model: str
    model_file: str
    questions: int
    max_tokens: int
    energy_why: str
    variants: list[VariantSummary]
    answers: list[AnswerResult]

    def as_dict(self) -> dict[str, object]:
        """The JSON document saved as ``eval.json`` (and embedded in exports)."""
        return {
            "format": FORMAT, "version": VERSION, "created": self.created,
            "model": self.model, "model_file": self.model_file,
            "questions": self.questions, "max_tokens": self.max_tokens,
            "energy_why": self.energy_why,
            "variants": [dataclasses.asdict(v) for v in self.variants],
            "answers": [dataclasses.asdict(a) for a in self.answers],
        }


class Evaluator:
    """Runs the variants over the questions; ``progress`` hears each finished answer.

    It takes over ``engine``: from here on the engine answers with ``settings`` plus
    :data:`EVAL_OVERRIDES` (the site's ``settings`` stay as they are for the remote
    variant and for :func:`allowed_experts`).
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        meter: EnergyMeter,
        *,
        max_tokens: int = 128,
        progress: Callable[[AnswerResult], None] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.meter = meter
        self.max_tokens = max_tokens
        self.progress = progress or (lambda _result: None)
        engine.update_settings(settings.with_values(EVAL_OVERRIDES, source="policy:eval"))

    def run(self, questions: Sequence[Question], variants: Sequence[Variant]) -> Evaluation:
        """Answer every question with every variant, interleaved; results grouped by variant.

        Question by question, each variant in turn: a PC whose load drifts during the run
        (other programs, thermal throttling) then weighs on every variant alike instead of
        making the variants run last look faster. The switch of N before each local answer
        is an unscored warm-up, so its reload is not in the answer's latency.
        """
        answers: list[AnswerResult] = []
        for question in questions:
            for variant in variants:
                if variant.kind == "remote":
                    answers.append(self._remote(variant, question))
                else:
                    if len(variants) > 1 or question is questions[0]:
                        self.warm_up(variant.experts)
                    answers.append(self._local(variant, question))
        order = {v.name: i for i, v in enumerate(variants)}
        answers.sort(key=lambda a: order[a.variant])  # stable: question order kept
        info = self.engine.model_info
        return Evaluation(
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            model=info.name, model_file=info.path.name, questions=len(questions),
            max_tokens=self.max_tokens, energy_why=self.meter.why,
            variants=[summarise(v, answers) for v in variants], answers=answers,
        )

    def warm_up(self, experts: int | None) -> None:
        """One unscored token at N = ``experts``: the reload is not charged to a question.

        The first one also starts the worker and probes the N this PC runs the model at.
        """
        chat = [{"role": "user", "content": "Hello"}]
        for _event in self.engine.stream(chat, experts=experts, max_tokens=1, sampling=GREEDY):
            pass

    def _local(self, variant: Variant, question: Question) -> AnswerResult:
        worker = self.engine.local_model.worker
        measurement = Measurement(self.meter, worker.pid, this_process())
        first: float | None = None
        final: FinalEvent | None = None
        error = ""
        try:
            for event in self.engine.stream(
                [{"role": "user", "content": question.question}], experts=variant.experts,
                max_tokens=self.max_tokens, sampling=GREEDY,
            ):
                if isinstance(event, TokenEvent) and first is None and event.text:
                    first = time.perf_counter()
                elif isinstance(event, FinalEvent):
                    final = event
        except GenbaError as exc:
            error = str(exc)
        cost = measurement.finish(worker.pid)
        text = final.text if final is not None else ""
        if final is not None and final.error:
            error = final.error
        return self._result(
            variant, question, text, experts=final.experts if final else variant.experts,
            ttft=(first - measurement.started) if first else None, cost=cost,
            generated=final.generated_tokens if final else 0,
            stop=final.stop_reason if final else "error", error=error,
        )

    def _remote(self, variant: Variant, question: Question) -> AnswerResult:
        config = RemoteConfig.from_settings(self.settings)
        network = NetworkConfig.from_settings(self.settings)
        client = RemoteClient(config, network, token=credentials.get_token(config.url))
        chat = with_system_prompt(
            [{"role": "user", "content": question.question}],
            self.settings.get_str("assistant.system_prompt"),
        )
        measurement = Measurement(self.meter, this_process())
        first: float | None = None
        pieces: list[str] = []
        generated, stop, error = 0, "error", ""
        try:
            for chunk in client.stream_chat(chat, max_tokens=self.max_tokens,
                                            temperature=GREEDY.temperature, seed=GREEDY.seed):
                if isinstance(chunk, RemoteDelta):
                    first = first or time.perf_counter()
                    pieces.append(chunk.text)
                else:
                    generated = chunk.completion_tokens or len(pieces)
                    stop = chunk.finish_reason
        except GenbaError as exc:
            error = str(exc)
        cost = measurement.finish(this_process())
        return self._result(
            variant, question, "".join(pieces), experts=None,
            ttft=(first - measurement.started) if first else None, cost=cost,
            generated=generated, stop=stop, error=error,
        )

    def _result(
        self, variant: Variant, question: Question, text: str, *, experts: int | None,
        ttft: float | None, cost: Cost, generated: int, stop: str, error: str,
    ) -> AnswerResult:
        result = AnswerResult(
            variant=variant.name, question=question.id,
            correct=not error and question.is_correct(text), experts=experts,
            ttft_s=ttft, total_s=cost.total_s, generated_tokens=generated, cpu_s=cost.cpu_s,
            energy_j=cost.energy.joules if cost.energy else None,
            energy_source=cost.energy.source if cost.energy else None,
            stop_reason=stop, error=error,
        )
        self.progress(result)
        return result


def energy_label(sources: Iterable[str | None]) -> str:
    """``rapl``, ``battery``, ``estimate``, ``mixed:…`` or ``none``: what energy figures are."""
    found = sorted({s for s in sources if s})
    if not found:
        return "none"
    return found[0] if len(found) == 1 else "mixed:" + "+".join(found)


def summarise(variant: Variant, answers: Sequence[AnswerResult]) -> VariantSummary:
    """Accuracy with its Wilson interval, latency quantiles and mean energy of one variant."""
    mine = [a for a in answers if a.variant == variant.name]
    correct = sum(a.correct for a in mine)
    low, high = wilson(correct, len(mine))
    ttft = summary([a.ttft_s for a in mine if a.ttft_s is not None])
    total = summary([a.total_s for a in mine if not a.error])
    energy = [a.energy_j for a in mine if a.energy_j is not None]
    speeds = [
        (a.generated_tokens - 1) / (a.total_s - a.ttft_s) for a in mine
        if a.ttft_s is not None and a.generated_tokens > 1 and a.total_s > a.ttft_s
    ]
    return VariantSummary(
        variant=variant.name, kind=variant.kind, experts=variant.experts,
        answers=len(mine), correct=correct, accuracy=correct / len(mine) if mine else 0.0,
        accuracy_low=low, accuracy_high=high,
        ttft_p50_s=_f(ttft["p50"]), ttft_p95_s=_f(ttft["p95"]),
        total_p50_s=_f(total["p50"]), total_p95_s=_f(total["p95"]),
        decode_tps_p50=quantile(speeds, 0.5),
        energy_mean_j=sum(energy) / len(energy) if energy else None,
        energy_source=energy_label(a.energy_source for a in mine),
        errors=sum(1 for a in mine if a.error),
    )


def _f(value: float | int | None) -> float | None:
    return float(value) if value is not None else None


def save(evaluation: Evaluation, folder: Path) -> Path:
    """Write ``eval.json``, ``variants.csv`` and ``answers.csv`` into ``folder``; return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "eval.json").write_text(
        json.dumps(evaluation.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for name, rows in (("variants.csv", evaluation.variants), ("answers.csv", evaluation.answers)):
        dicts = [dataclasses.asdict(r) for r in rows]
        with (folder / name).open("w", newline="", encoding="utf-8") as out:
            if dicts:
                writer = csv.DictWriter(out, fieldnames=list(dicts[0]))
                writer.writeheader()
                writer.writerows(dicts)
    return folder


def load(folder_or_file: Path) -> dict[str, object]:
    """A saved ``eval.json`` (the file, or the folder holding it) as a dict."""
    path = folder_or_file / "eval.json" if folder_or_file.is_dir() else folder_or_file
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a genba pilot evaluation")
    return data
