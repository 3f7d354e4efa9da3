# genba developer entry points. `make run` and `make test` are the two commands in the README.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.genba-installed

.PHONY: setup translations run test lint typecheck pytest bench package dist dist-check dist-sums clean

setup: $(STAMP) translations

# Cheap (0.2 s), so always rebuilt: stale .qm files would show old strings.
translations: $(STAMP)
	@$(BIN)/python -m desktop.i18n_build >/dev/null

# llama-cpp-python is built portable first (scripts/build-llama.sh: no -march=native, one CPU
# backend per x86 level, its own wheel cache keyed by the build flags); pip then finds it
# installed and leaves it alone.
$(STAMP): pyproject.toml scripts/build-llama.sh
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "genba needs Python 3.11 or newer (found: $$($(PYTHON) --version))"; exit 1; }
	./scripts/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	./scripts/build-llama.sh $(BIN)/python
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
	@# The build host's absolute RUNPATHs (e.g. pyenv's lib folder) must not ship.
	@if [ "$$(uname -s)" = Linux ]; then \
		$(BIN)/python installers/linux/clear_build_rpaths.py build/dist/genba | tail -1; fi

# Every artifact this machine can build, into build/dist/, with sizes and build/dist/SHA256SUMS
# (see installers/README.md): the PyInstaller folder, the .deb and the AppImage wrapping it, and
# the MSI from a *stub* Windows payload (a real Windows freeze needs a Windows build host: build-windows.ps1).
DIST         := build/dist
DEB_COMPRESS ?= xz
dist: package
	rm -f $(DIST)/*.deb $(DIST)/*.msi $(DIST)/*.AppImage $(DIST)/SHA256SUMS
	$(BIN)/python installers/linux/build_deb.py --payload $(DIST)/genba --out $(DIST) --compress $(DEB_COMPRESS)
	@if command -v wixl >/dev/null; then \
		$(BIN)/python installers/windows/build_msi.py --stub build/msi-stub --out $(DIST)/genba-stub.msi; \
	else echo "dist: no MSI (wixl missing: apt-get install wixl msitools)"; fi
	$(BIN)/python installers/linux/appimage/build_appimage.py --src $(DIST)/genba \
		--icon assets/icons/genba-256.png --out $(DIST)/genba-x86_64.AppImage
	$(MAKE) --no-print-directory dist-sums

# Sizes and sha256 of every file artifact in build/dist (the folder itself is not one file).
# Release checks on build/dist (the frozen app, slow): the AppImage answers through FUSE and
# without it, and its window renders in Xvfb (screenshot build/dist/appimage-window.png).
dist-check:
	GENBA_DIST_DIR=$(CURDIR)/$(DIST) $(BIN)/python -m pytest -q -p no:cacheprovider -rs \
		tests/installers/test_dist_release.py

dist-sums:
	@cd $(DIST) && for f in *.deb *.msi *.AppImage; do [ -f "$$f" ] || continue; \
		printf '%12s  %s\n' "$$(stat -c %s "$$f")" "$$f"; done
	@cd $(DIST) && files="$$(ls *.deb *.msi *.AppImage 2>/dev/null || true)" && [ -n "$$files" ] && \
		sha256sum -- $$files | tee SHA256SUMS

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
