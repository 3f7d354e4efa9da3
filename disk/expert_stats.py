"""The expert-load statistics file: what a PC exports and what ``genba-publish pack`` reads.

One JSON document, written by ``genba experts export`` / ``genba experts score`` on
the PC and read by the publisher when it builds a site pack (issue 15). It holds
nothing but counts, router-weight sums and the model's identity — never text, user
names or paths — so it is the same bytes whichever machine wrote it::

    {"format": "genba-expert-stats", "version": 1,
     "model": {"sha256": str, "name": str, "expert_count": int, "layers": int},
     "answers": int, "tokens": int,
     "layers": [{"layer": int, "count": [int] * E, "weight": [float] * E}, ...],
     "alert": {"metric": str, "threshold": float, "value": float, "raised": bool} | null}

``count[e]`` is how many token rows llama.cpp's router sent to expert ``e`` in that
layer; ``weight[e]`` sums the router's probability of ``e`` over those rows (the
``ffn_moe_weights`` tensor, before top-N renormalisation), which is the
router-weighted usage REAP-style scoring needs. ``layer`` is llama.cpp's block index;
``model.layers`` is how many MoE layers the file lists. ``tokens`` counts the token
rows routed in the fullest layer, ``answers`` the answers (or text chunks) sampled.

The leaf package holds it because the engine (writer) and the updater's publisher
(reader) must agree byte for byte and neither may import the other. Standard library
only: :func:`read_expert_stats` validates everything and raises one-line
:class:`~disk.errors.ExpertStatsError` for a bad file; :func:`merge_expert_stats`
sums the files of several PCs that ran the same model.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from disk.atomic import staged_file
from disk.errors import ExpertStatsError
from disk.regular_file import FileReadError, read_regular_file

__all__ = [
    "FORMAT",
    "VERSION",
    "ExpertStats",
    "ExpertStatsError",
    "LayerLoad",
    "LoadAlert",
    "StatsModel",
    "dump_expert_stats",
    "merge_expert_stats",
    "parse_expert_stats",
    "read_expert_stats",
    "write_expert_stats",
]

FORMAT = "genba-expert-stats"
VERSION = 1
MAX_FILE_BYTES = 64 << 20
"""Far above any real file (256 experts x 128 layers is ~1 MB); a bound so a wrong
file name (a model, a device) is refused instead of read into memory."""

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StatsModel:
    """The model the statistics were collected on (its sha256 is its version)."""

    sha256: str
    name: str
    expert_count: int
    layers: int


@dataclass(frozen=True)
class LayerLoad:
    """One MoE layer: per expert, rows routed to it and the sum of its router weight."""

    layer: int
    count: tuple[int, ...]
    weight: tuple[float, ...]


@dataclass(frozen=True)
class LoadAlert:
    """The imbalance alert as the PC evaluated it under its policy."""

    metric: str
    threshold: float
    value: float
    raised: bool


@dataclass(frozen=True)
class ExpertStats:
    """One statistics file, validated."""

    model: StatsModel
    answers: int
    tokens: int
    layers: tuple[LayerLoad, ...]
    alert: LoadAlert | None = None

    def to_json(self) -> dict[str, Any]:
        """The document as plain JSON data (the file's exact content)."""
        alert = self.alert
        return {
            "format": FORMAT,
            "version": VERSION,
            "model": {
                "sha256": self.model.sha256, "name": self.model.name,
                "expert_count": self.model.expert_count, "layers": self.model.layers,
            },
            "answers": self.answers,
            "tokens": self.tokens,
            "layers": [
                {
                    "layer": ly.layer, "count": list(ly.count),
                    "weight": [float(w) for w in ly.weight],
                }
                for ly in self.layers
            ],
            "alert": None if alert is None else {
                "metric": alert.metric, "threshold": float(alert.threshold),
                "value": float(alert.value), "raised": alert.raised,
            },
        }


def dump_expert_stats(stats: ExpertStats) -> bytes:
    """The file's bytes: validated first, so a writer can never produce a file readers refuse."""
    doc = stats.to_json()
    # One line per layer: readable and diffable, yet a few hundred lines for big models.
    fields = [
        f' "{key}": ' + (
            "[\n" + ",\n".join("  " + _compact(ly) for ly in value) + "\n ]"
            if key == "layers" and value else _compact(value)
        )
        for key, value in doc.items()
    ]
    data = ("{\n" + ",\n".join(fields) + "\n}\n").encode("utf-8")
    parse_expert_stats(data, "the statistics to write")
    return data


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_expert_stats(path: Path, stats: ExpertStats) -> None:
    """Write ``stats`` to ``path`` atomically (``OSError`` leaves ``path`` as it was).

    Readable by all (0644): it holds only counts, and IT collects it, often as another user.
    """
    data = dump_expert_stats(stats)
    with staged_file(path) as staged:
        staged.file.write(data)
        staged.commit(path, mode=0o644)


def read_expert_stats(path: Path) -> ExpertStats:
    """Read and validate a statistics file; :class:`ExpertStatsError` says what is wrong."""
    return parse_expert_stats(_read_regular_file(path), str(path))


def _read_regular_file(path: Path) -> bytes:
    try:
        return read_regular_file(path, MAX_FILE_BYTES)
    except FileReadError as exc:
        hint = ": not a statistics file" if exc.kind == "too-large" else ""
        raise ExpertStatsError(f"{exc}{hint}") from exc


def parse_expert_stats(data: bytes, source: str = "the statistics") -> ExpertStats:
    """Validate the bytes of a statistics file (``source`` names it in the error)."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ExpertStatsError(f"{source} is not a JSON file ({_first_line(exc)})") from exc
    try:
        return _parse(doc)
    except _BadFileError as exc:
        raise ExpertStatsError(f"{source} is not a valid expert-statistics file: {exc}") from None


class _BadFileError(Exception):
    """What is wrong, in a few words (wrapped into ExpertStatsError with the file's name)."""


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _parse(doc: Any) -> ExpertStats:
    if not isinstance(doc, dict):
        raise _BadFileError("not a JSON object")
    if doc.get("format") != FORMAT:
        raise _BadFileError(f"format is {doc.get('format')!r}, expected {FORMAT!r}")
    if doc.get("version") != VERSION or isinstance(doc.get("version"), bool):
        raise _BadFileError(
            f"version {doc.get('version')!r} is not supported (this genba reads {VERSION})"
        )
    model = _model(doc.get("model"))
    answers = _count(doc.get("answers"), "answers")
    tokens = _count(doc.get("tokens"), "tokens")
    raw_layers = doc.get("layers")
    if not isinstance(raw_layers, list):
        raise _BadFileError("layers is not a list")
    layers = tuple(_layer(item, model.expert_count, i) for i, item in enumerate(raw_layers))
    if len(layers) != model.layers:
        raise _BadFileError(f"model.layers is {model.layers} but {len(layers)} layers are listed")
    ids = [ly.layer for ly in layers]
    if ids != sorted(set(ids)):
        raise _BadFileError("layer numbers must be distinct and in increasing order")
    return ExpertStats(model, answers, tokens, layers, _alert(doc.get("alert")))


def _model(raw: Any) -> StatsModel:
    if not isinstance(raw, dict):
        raise _BadFileError("model is not an object")
    sha = raw.get("sha256")
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise _BadFileError("model.sha256 is not 64 lower-case hex digits")
    name = raw.get("name")
    if not isinstance(name, str):
        raise _BadFileError("model.name is not text")
    experts = _count(raw.get("expert_count"), "model.expert_count")
    if experts < 1:
        raise _BadFileError("model.expert_count must be at least 1")
    return StatsModel(sha, name, experts, _count(raw.get("layers"), "model.layers"))


def _layer(raw: Any, experts: int, index: int) -> LayerLoad:
    where = f"layers[{index}]"
    if not isinstance(raw, dict):
        raise _BadFileError(f"{where} is not an object")
    layer = _count(raw.get("layer"), f"{where}.layer")
    count, weight = raw.get("count"), raw.get("weight")
    if not isinstance(count, list) or len(count) != experts:
        raise _BadFileError(f"{where}.count is not a list of {experts} numbers")
    if not isinstance(weight, list) or len(weight) != experts:
        raise _BadFileError(f"{where}.weight is not a list of {experts} numbers")
    counts = tuple(_count(c, f"{where}.count") for c in count)
    weights = tuple(_weight(w, f"{where}.weight") for w in weight)
    return LayerLoad(layer, counts, weights)


def _alert(raw: Any) -> LoadAlert | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _BadFileError("alert is neither null nor an object")
    metric, raised = raw.get("metric"), raw.get("raised")
    if not isinstance(metric, str) or not metric:
        raise _BadFileError("alert.metric is not text")
    if not isinstance(raised, bool):
        raise _BadFileError("alert.raised is not true or false")
    return LoadAlert(
        metric, _number(raw.get("threshold"), "alert.threshold"),
        _number(raw.get("value"), "alert.value"), raised,
    )


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _BadFileError(f"{what} must be a whole number >= 0, not {value!r}")
    return int(value)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _BadFileError(f"{what} must be a finite number, not {value!r}")
    return float(value)


def _weight(value: Any, what: str) -> float:
    number = _number(value, what)
    if number < 0:
        raise _BadFileError(f"{what} must not be negative, not {value!r}")
    return number


def merge_expert_stats(files: Iterable[ExpertStats]) -> ExpertStats:
    """Sum the statistics of several PCs (or several exports) of the same model.

    Counts, weights, answers and tokens add up; a layer one file lacks counts as zero.
    The alert is dropped (``None``): each PC judged its own numbers under its own
    policy, and the sum must be judged again by whoever reads it.
    """
    items: Sequence[ExpertStats] = list(files)
    if not items:
        raise ExpertStatsError("no statistics to merge")
    first = items[0].model
    for other in items[1:]:
        m = other.model
        if m.sha256 != first.sha256:
            raise ExpertStatsError(
                f"cannot merge statistics of different models ({first.sha256[:12]}… and "
                f"{m.sha256[:12]}…): merge the files of one model version at a time"
            )
        if m.expert_count != first.expert_count:
            raise ExpertStatsError(
                f"statistics of model {first.sha256[:12]}… disagree on its expert count "
                f"({first.expert_count} and {m.expert_count})"
            )
    counts: dict[int, list[int]] = {}
    weights: dict[int, list[float]] = {}
    for item in items:
        for ly in item.layers:
            c = counts.setdefault(ly.layer, [0] * first.expert_count)
            w = weights.setdefault(ly.layer, [0.0] * first.expert_count)
            for e in range(first.expert_count):
                c[e] += ly.count[e]
                w[e] += ly.weight[e]
    layers = tuple(
        LayerLoad(i, tuple(counts[i]), tuple(weights[i])) for i in sorted(counts)
    )
    return ExpertStats(
        model=StatsModel(first.sha256, first.name, first.expert_count, len(layers)),
        answers=sum(s.answers for s in items),
        tokens=sum(s.tokens for s in items),
        layers=layers,
        alert=None,
    )
