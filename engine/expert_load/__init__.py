"""Expert-load statistics: which experts the router uses on this PC (issue 15, item 1).

* :mod:`.load` — one answer's load (per layer and expert: rows routed, router-weight
  sums), as the inference worker sums it; pure data.
* :mod:`.metrics` — shares, normalised entropy, imbalance (max/mean, Gini) and the
  alert, computed from counts; pure.
* :mod:`.store` — the totals per model version in ``expert-load.sqlite3`` (WAL; a
  damaged file is moved aside, never a crash).
* :mod:`.identity` — which model version a file is (the pointer's sha256, else a
  hash remembered per file).
* :mod:`.collect` — the engine's side: whether an answer is sampled
  (``experts.stats_sample``), recording it, and the log warning.
* :mod:`.score` — route a site text through the model (``genba experts score``).

The file IT collects is :mod:`disk.expert_stats` (shared with the publisher).
"""
