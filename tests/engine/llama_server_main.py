"""`python -m tests.engine.llama_server_main ARGS`: llama_cpp.server on the portable build.

llama-cpp-python registers no CPU backend of a ``GGML_BACKEND_DL`` build (see
:mod:`engine.local.llama_cpu`), so its server would exit with "no backends are loaded".
This registers the self-tested backend the way genba's worker does, then runs
``llama_cpp.server`` unchanged. A real site server is someone else's build.
"""

import runpy

from engine.local.llama_adapter import prepare

prepare()
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
