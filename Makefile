# genba developer entry points. `make run` and `make test` are the two commands in the README.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.genba-installed

.PHONY: setup translations run test lint typecheck pytest bench package clean

setup: $(STAMP) translations

# Cheap (0.2 s), so always rebuilt: stale .qm files would show old strings.
translations: $(STAMP)
	@$(BIN)/python -m desktop.i18n_build >/dev/null

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "genba needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	./scripts/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[gui,test]'
	@touch $(STAMP)

# Builds the default MoE model on first use, then opens the window (or the
# terminal chat when there is no display).
run: setup
	$(BIN)/genba models build-default
	$(BIN)/python -m desktop

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	@# pytest exits 5 when it selected nothing; that is not a failure.
	$(BIN)/python -m pytest; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc

test: lint typecheck pytest

bench: setup
	$(BIN)/python bench/engine_bench.py

# A self-contained folder (PyInstaller) that the AppImage/MSI wrap; see installers/README.md.
package: setup
	$(BIN)/python -m pip install --quiet -e '.[package]'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath build/dist --workpath build/work installers/genba.spec

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
