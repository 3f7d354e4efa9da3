"""genba's engine: everything about answering a question with a sparse MoE model.

Plain Python with no Qt: the settings layer, model inspection, the per-query
decision, the llama.cpp adapter (the only importer of ``llama_cpp``), the
routing trace, the remote client and the ``genba`` command line. Front ends use
:class:`engine.service.Engine` and the events in :mod:`engine.events`.
"""

__version__ = "0.1.0"
