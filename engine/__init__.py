"""genba's engine: everything about answering a question with a sparse MoE model.

Plain Python with no Qt and no updater import. Front ends use
:class:`engine.service.Engine` and the events in :mod:`engine.events`.

Module map::

    engine/
    ├── service.py        the facade: which model, the decision's state, one answer at a time
    ├── events.py         the event contract (notices, tokens, one final event)
    ├── notices.py        notice codes + English templates (the GUI translates them)
    ├── reasons.py        reason codes + English templates (why an answer ran where it ran)
    ├── errors.py         the error hierarchy (error_codes.py: codes + English templates)
    ├── clean_text.py     answer text without U+FFFD: incomplete UTF-8 held back, invalid dropped
    ├── paths.py          user folders and environment variables (from the disk/ leaf)
    ├── logging_setup.py  the rotating log file
    ├── assets.py         texts shipped with genba (calibration, evaluation, catalogue)
    ├── decision/         pure: route, N and context per query (inputs, rules, hysteresis)
    ├── answer/           one answer's flow and its fallbacks (run), prompt sizing (prompt_fit)
    ├── local/            this PC and llama.cpp: the inference worker (worker_main, its
    │                     client and protocol), the llama.cpp adapter (the only importer
    │                     of llama_cpp), CPU backend choice and self-test, routing trace,
    │                     safe N per model, the machine snapshot, child processes
    ├── remote/           the remote server: HTTP client, SSE wire format, the one
    │                     network state, keyring credentials
    ├── models/           model files: inspection and validation (info), the useful floor
    │                     of N (useful), store, catalogue, current-model pointer, access
    │                     policy, whether a model is the demonstration default (demo),
    │                     the default model's build
    ├── pilot/            pilot evidence: metrics of every answer (no text), energy
    │                     (RAPL, battery, labelled estimate), site evaluation per N,
    │                     the export file IT collects, the report's tables
    ├── settings/         defaults < user settings < policy, locks, fail-closed
    ├── cli/              the ``genba`` command line
    └── tools/            the tiny MoE builder (tests, benches and the CPU self-test)
"""

__version__ = "0.1.0"
