"""Pilot evidence: per-answer metrics, energy, site evaluation and the file IT collects.

genba's rollout is judged on latency, energy and accuracy per site. This package
produces that evidence on each PC, never with question or answer text:

* :mod:`~engine.pilot.energy` — energy from a real counter (Linux RAPL, laptop
  battery discharge) or, labelled as such, an estimate from CPU time × a policy watt figure;
* :mod:`~engine.pilot.measure` — one answer's wall time, CPU time and energy;
* :mod:`~engine.pilot.store` — the metrics database (SQLite, WAL, its own file);
* :mod:`~engine.pilot.recorder` — watches an answer's events and stores one row;
* :mod:`~engine.pilot.questions` — a site's question file and how an answer is scored;
* :mod:`~engine.pilot.stats` — Wilson intervals, quantiles, histograms;
* :mod:`~engine.pilot.evaluate` — ``genba pilot eval``: each N, all experts, remote;
* :mod:`~engine.pilot.export_file` — ``genba pilot export``: the file format and its reader;
* :mod:`~engine.pilot.report` — ``genba pilot report``: the plan's three metrics as CSV/JSON;
* :mod:`~engine.pilot.html_report`, :mod:`~engine.pilot.plots` — ``report.html`` (one
  self-contained page, English or Japanese, matplotlib plots embedded);
* :mod:`~engine.pilot.report_extras` — expert load, the speed curve, the page's language;
* :mod:`~engine.pilot.fleet` — ``genba pilot merge``: exports per site and for the fleet.
* :mod:`~engine.pilot.speed` — ``genba pilot speed``: decode speed and memory per N of a
  catalogue shape with random weights, before downloading the model;
* :mod:`~engine.pilot.speed_file` — its result file (format, writer, reader, doctor's line).
"""
