#!/bin/sh
# Install llama-cpp-python built *portable* into the given venv python (default .venv/bin/python).
#
# llama.cpp's default build (GGML_NATIVE=ON) targets the build machine's CPU: it crashes with
# SIGILL on older shop-floor PCs and used AMX kernels that segfaulted on a Xeon. This build has
# no -march=native code: GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS compile the CPU backend once per
# x86 level (sse42 ... sapphirerapids) and genba picks the one that passes a self-test at run
# time (engine/llama_cpu.py).
#
# pip's own wheel cache is keyed by name and version only, so a wheel built once with other
# flags (e.g. native) would be reused silently. This script therefore builds with
# --no-cache-dir and keeps its own cache, keyed by version, flags, Python and compiler:
#   ${GENBA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/genba/wheels}/<key>/
set -eu
PY=${1:-.venv/bin/python}
VERSION=0.3.36
FLAGS="-DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON"

tag=$("$PY" -c 'import sys, sysconfig; print(f"cp{sys.version_info[0]}{sys.version_info[1]}-{sysconfig.get_platform()}")')
cc=$( (cc --version 2>/dev/null || echo none) | head -n 1)
key=$(printf '%s\n' "$VERSION" "$FLAGS" "$tag" "$cc" | sha256sum | cut -c1-16)
cache=${GENBA_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/genba/wheels}/$key
venv_stamp=$(dirname "$(dirname "$PY")")/.llama-build-key

if [ -f "$venv_stamp" ] && [ "$(cat "$venv_stamp")" = "$key" ]; then
  exit 0  # this venv already has exactly this build
fi
wheel=$(ls "$cache"/llama_cpp_python-"$VERSION"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  echo "build-llama: compiling llama-cpp-python $VERSION, portable (about 10 minutes on 2 cores, once)" >&2
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  CMAKE_ARGS="$FLAGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}" \
    "$PY" -m pip wheel --quiet --no-cache-dir --no-deps "llama-cpp-python==$VERSION" -w "$tmp"
  mkdir -p "$cache"
  for f in "$tmp"/*.whl; do mv "$f" "$cache/"; done
  wheel=$(ls "$cache"/llama_cpp_python-"$VERSION"-*.whl | head -n 1)
fi
"$PY" -m pip install --quiet --force-reinstall --no-deps "$wheel"
"$PY" -m pip install --quiet "llama-cpp-python==$VERSION"  # its own dependencies, from the index
# Refuse a build without the per-CPU backends: it would be a native (non-portable) one.
"$PY" - <<'PYEOF'
import pathlib, sys, importlib.util
spec = importlib.util.find_spec("llama_cpp")
pkg = pathlib.Path(spec.origin).parent
libs = list(pkg.parent.joinpath("bin").glob("libggml-cpu-*.so")) + list(pkg.joinpath("lib").glob("libggml-cpu-*.so"))
if not any("sse42" in p.name for p in libs):
    sys.exit("build-llama: the installed llama-cpp-python has no portable CPU backends")
PYEOF
echo "$key" > "$venv_stamp"
