"""``genba-publish pack``: statistics files + base model → a site pack and a short report.

Glue between the statistics file (:mod:`disk.expert_stats`, written by ``genba experts
export``/``score`` on a PC), the choice rule (:mod:`updater.pack_choice`) and the
pruner (:mod:`updater.pack_prune`). Statistics must come from the very base model
(same sha256): expert ids of another version need not mean the same experts.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from disk.errors import ExpertStatsError
from disk.expert_stats import ExpertStats, merge_expert_stats, read_expert_stats

from updater.errors import BadInputError
from updater.files import sha256_file
from updater.pack_choice import LayerLoad, PackChoice, choose_pack
from updater.pack_prune import PackInfo, PackResult, base_shape, prune_gguf


@dataclass(frozen=True)
class PackReport:
    """What was built: the choice (K, per-layer coverage) and the file sizes."""

    name: str
    out: Path
    choice: PackChoice
    result: PackResult
    answers: int
    tokens: int


def read_stats(paths: Sequence[Path]) -> ExpertStats:
    """Read and sum the statistics files; ``BadInputError`` (one line) for a bad one."""
    if not paths:
        raise BadInputError("Give at least one statistics file (--stats FILE).")
    try:
        return merge_expert_stats([read_expert_stats(p) for p in paths])
    except ExpertStatsError as exc:
        raise BadInputError(f"{exc}.") from exc


def score_text(base: Path, text: Path, out: Path) -> Path:
    """Route ``text`` through ``base`` with ``genba experts score`` (the engine, run as its
    own process: the updater never imports it) and return the statistics file ``out``."""
    if not text.is_file():
        raise BadInputError(f"{text} does not exist; give the site's text file with --text.")
    cmd = [sys.executable, "-m", "engine.cli", "experts", "score", "--quiet",
           "--text", str(text), "--out", str(out), "--model", str(base)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not out.is_file():
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        raise BadInputError(f"Scoring {text.name} failed: {lines[-1]}")
    return out


def layer_loads(
    stats: ExpertStats, base_sha256: str, expert_count: int, moe_layers: Sequence[int]
) -> list[LayerLoad]:
    """The statistics as the choice rule's input, in the base's MoE-layer order."""
    if stats.model.sha256 != base_sha256:
        raise BadInputError(
            f"The statistics were collected on model {stats.model.sha256[:12]}… but the base "
            f"is {base_sha256[:12]}…; collect or score statistics on this base version."
        )
    if stats.model.expert_count != expert_count:
        raise BadInputError(
            f"The statistics count {stats.model.expert_count} experts but the base has "
            f"{expert_count}; use statistics of this base model."
        )
    by_layer = {ly.layer: ly for ly in stats.layers}
    missing = [layer for layer in moe_layers if layer not in by_layer]
    if missing:
        raise BadInputError(
            f"The statistics lack MoE layer(s) {', '.join(map(str, missing[:5]))}; "
            "collect them again with the current genba."
        )
    return [LayerLoad(layer, by_layer[layer].count, by_layer[layer].weight) for layer in moe_layers]


def build_pack(
    base: Path,
    out: Path,
    stats_paths: Sequence[Path],
    *,
    name: str,
    coverage: float,
    min_k: int,
    text: Path | None = None,
) -> PackReport:
    """Choose the experts from the statistics (or from ``text``, scored first) and write
    the pack to ``out``; its ``genba.pack.source`` says which."""
    if not base.is_file():
        raise BadInputError(f"{base} does not exist; give the base model with --base.")
    if out.resolve() == base.resolve():
        raise BadInputError("--out must not be the base model itself; name a new file.")
    if text is not None:
        with tempfile.TemporaryDirectory(prefix="genba-pack-") as tmp:
            stats = read_stats([score_text(base, text, Path(tmp) / "text-stats.json")])
    else:
        stats = read_stats(stats_paths)
    source = "text" if text is not None else "stats"
    expert_count, moe_layers = base_shape(base)
    base_sha = sha256_file(base)
    loads = layer_loads(stats, base_sha, expert_count, moe_layers)
    choice = choose_pack(loads, expert_count, coverage=coverage, min_k=min_k)
    info = PackInfo(name=name, coverage=coverage, source=source, base_sha256=base_sha)
    result = prune_gguf(base, out, choice.kept, info)
    return PackReport(name, out, choice, result, stats.answers, stats.tokens)


def describe(report: PackReport) -> str:
    """The report ``genba-publish pack`` prints: K, coverage per layer, size vs base."""
    c, r = report.choice, report.result
    lines = [
        f'Pack "{report.name}": keeps K = {c.k} of {c.expert_count} experts per layer '
        f"(coverage target {c.target:.2f}, --min-k {c.min_k}; statistics of "
        f"{report.answers} answers, {report.tokens} tokens).",
        "layer  needed  covered  kept experts",
    ]
    lines += [
        f"{lc.layer:>5}  {lc.needed:>6}  {lc.coverage:>7.1%}  {','.join(map(str, lc.kept))}"
        for lc in c.layers
    ]
    lines.append(
        f"Lowest covered share {c.min_coverage:.1%}. Size {r.length:,} bytes vs base "
        f"{r.base_length:,} ({r.length / r.base_length:.1%}). Wrote {report.out}."
    )
    return "\n".join(lines)
