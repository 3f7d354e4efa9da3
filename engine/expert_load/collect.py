"""The engine's side of the statistics: sample an answer, record its load, warn on imbalance.

``experts.stats_sample`` (policy only, default 0) is the share of local answers
that are counted. The default is off because a counted answer costs its operator
time: the routing callback runs for every graph node (about a quarter slower
decoding, docs/architecture.md) and switching it on rebuilds the context, so the
prompt cache is lost. A site that wants packs turns it on (0.05–0.2 is enough: a
few hundred answers give thousands of tokens per layer).

Nothing here may break an answer: a full disk, a locked or damaged database, an
unreadable model file end in one log line.
"""

from __future__ import annotations

import logging
import random
import sqlite3
from pathlib import Path

from engine.expert_load.identity import identify
from engine.expert_load.load import ExpertLoad
from engine.expert_load.metrics import LoadReport, report
from engine.expert_load.store import ExpertLoadStore
from engine.models.info import ModelInfo
from engine.settings import Settings

log = logging.getLogger(__name__)

SAMPLE_KEY = "experts.stats_sample"
ALERT_KEY = "experts.imbalance_alert"


class LoadCollector:
    """Decides which answers are counted and adds their load to the statistics."""

    def __init__(self, db_path: Path, rng: random.Random | None = None) -> None:
        self.store = ExpertLoadStore(db_path)
        self._rng = rng or random.Random()
        self._warned: set[str] = set()

    def sample(self, settings: Settings) -> bool:
        """Whether the next local answer is counted (a fresh draw per answer)."""
        share = settings.get_float(SAMPLE_KEY)
        return share > 0 and self._rng.random() < share

    def record(
        self, info: ModelInfo, load: ExpertLoad, settings: Settings, pointer: Path | None
    ) -> LoadReport | None:
        """Add ``load`` to the model's totals; warn once per process when imbalance is high."""
        if load.empty:
            return None
        try:
            model = identify(info, self.store, pointer)
            assert model is not None  # hashing allowed: always an identity
            self.store.record(model, load)
            totals = self.store.totals(model.sha256)
        except (OSError, sqlite3.Error) as exc:
            log.warning("expert-load statistics not recorded: %s", exc)
            return None
        if totals is None:
            return None
        result = report(totals.load.answers, totals.load.tokens, totals.load.layers,
                        settings.get_float(ALERT_KEY))
        if result.alert.raised and model.sha256 not in self._warned:
            self._warned.add(model.sha256)
            worst = result.worst
            log.warning(
                "expert load of %s is imbalanced: normalised Gini %.2f in layer %s exceeds "
                "experts.imbalance_alert %.2f (%d answers, %d tokens sampled; see "
                "`genba experts stats`)",
                info.name, result.alert.value, worst.layer if worst else "?",
                result.alert.threshold, result.answers, result.tokens,
            )
        return result
