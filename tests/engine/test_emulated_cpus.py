"""The same installed llama.cpp build answers on an SSE4.2-only CPU, an AVX2 CPU and natively.

``qemu-x86_64 -cpu MODEL`` (Debian's qemu-user) runs the Python interpreter on an
emulated CPU: ``cpuid`` reports that CPU's features, and an instruction it lacks
raises SIGILL. llama.cpp runs in-process here, because a child process (the
inference worker, or a self-test) started by exec escapes the emulation: the
CPU variant is chosen by its scores under emulation, exactly as on such a PC.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("qemu-x86_64") is None,
        reason="qemu-user is not installed (apt-get install qemu-user; .ci/run installs it)",
    ),
    pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86 CPU emulation"),
]

ANSWER = """
import sys
from pathlib import Path
from engine.local.llama_adapter import LlamaModel, Sampling, cpu_backend
model = LlamaModel.load(Path(sys.argv[1]), architecture="llama", expert_count=8, experts=2,
                        n_ctx=256, n_threads=1)
tokens = [t for t, _ in model.generate(model.tokenize("Hello"), max_tokens=8,
                                        sampling=Sampling(temperature=0.0))]
print("answer", cpu_backend().variant, len(tokens))
"""


def run_emulated(
    cpu: str, tmp_path: Path, *args: str, force: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GENBA_LLAMA_CPU"}
    env["GENBA_HOME"] = str(tmp_path / cpu)
    env["GGML_NO_BACKTRACE"] = "1"
    if force:
        env["GENBA_LLAMA_CPU"] = force
    return subprocess.run(
        ["qemu-x86_64", "-cpu", cpu, sys.executable, *args], env=env, capture_output=True,
        text=True, timeout=600, check=False,
    )


@pytest.mark.parametrize(("cpu", "variant"), [("Nehalem", "sse42"), ("Haswell", "haswell")])
def test_the_tiny_model_answers_on_an_emulated_cpu(
    cpu: str, variant: str, tmp_path: Path, tiny_moe_path: Path
) -> None:
    done = run_emulated(cpu, tmp_path, "-c", ANSWER, str(tiny_moe_path))
    assert done.returncode == 0, done.stderr[-2000:]
    word, used, tokens = done.stdout.split()
    assert (word, used) == ("answer", variant)
    assert int(tokens) > 0


def test_the_quantized_self_test_passes_on_an_sse42_only_cpu(tmp_path: Path) -> None:
    done = run_emulated("Nehalem", tmp_path, "-m", "engine.local.llama_selftest")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("selftest ok sse42 ")


def test_an_avx2_backend_is_refused_on_an_sse42_only_cpu(tmp_path: Path) -> None:
    """The control: the emulated CPU really lacks AVX2, and forcing it fails in one clear line."""
    done = run_emulated("Nehalem", tmp_path, "-m", "engine.local.llama_selftest", force="haswell")
    assert done.returncode == 1
    assert "could not load its CPU backend libggml-cpu-haswell" in done.stderr
    assert "Traceback" not in done.stderr


DOCUMENTS = """
import sys
from pathlib import Path
from engine.docs.extract import extract
from engine.docs.index import DocIndex
from engine.docs.model import DocSource
from engine.docs.render import render_page
folder, db = Path(sys.argv[1]), Path(sys.argv[2])
kinds = sorted({extract(f, max_bytes=1 << 26).kind for f in folder.iterdir()})
page = render_page(folder / "line3_tightening_ja.pdf", 2)
index = DocIndex(db)
index.update([DocSource("policy", folder, "set")], max_bytes=1 << 26)
best = index.search("ライン3のM8フランジボルトの締付トルクは？")[0]
print("docs", ",".join(kinds), page.width > 0, Path(best.path).name, best.page)
"""


def test_documents_are_read_rendered_and_indexed_on_an_sse42_only_cpu(tmp_path: Path) -> None:
    # pypdfium2 and SQLite are binary wheels/libraries built elsewhere: an instruction the
    # oldest shop-floor CPUs lack would crash extraction (in its child) and the viewer.
    from bench.docs_set import make_docset

    folder = tmp_path / "set"
    make_docset(folder)
    done = run_emulated("Nehalem", tmp_path, "-c", DOCUMENTS, str(folder), str(tmp_path / "i.db"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [
        "docs", "docx,html,markdown,pdf,text", "True", "line3_tightening_ja.pdf", "2"
    ]
