"""Run-time language switching for the window (Japanese and English).

Installing a new ``QTranslator`` makes Qt send ``LanguageChange`` to every
widget; each widget re-reads its texts in ``retranslate()``. The compiled
``.qm`` files come from :mod:`desktop.i18n_build`; when they are missing (a
source checkout where setup has not run) they are compiled on the fly into the
cache folder, so a fresh checkout still shows Japanese.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop import i18n_build

LANGUAGES = i18n_build.LANGUAGES


def resolve_language(setting: str, system: QLocale | None = None) -> str:
    """``ja`` or ``en`` for a ``ui.language`` value (``system`` follows the OS locale)."""
    if setting in LANGUAGES:
        return setting
    locale = system or QLocale.system()
    return "ja" if locale.language() == QLocale.Language.Japanese else "en"


def _bundled_dirs() -> list[Path]:
    dirs = [i18n_build.TS_DIR]
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller puts assets beside the code
    if frozen:
        dirs.insert(0, Path(frozen) / "assets" / "i18n")
    return dirs


def find_qm(lang: str, cache_dir: Path | None) -> Path | None:
    """The compiled translation for ``lang``, compiling it into ``cache_dir`` if needed."""
    for folder in _bundled_dirs():
        qm = folder / f"genba_{lang}.qm"
        ts = folder / f"genba_{lang}.ts"
        if qm.exists() and (not ts.exists() or qm.stat().st_mtime >= ts.stat().st_mtime):
            return qm
    if cache_dir is None:
        return None
    for folder in _bundled_dirs():
        if i18n_build.ts_file(lang, folder).exists():
            try:
                i18n_build.compile_translations(folder, cache_dir / "i18n")
            except (OSError, FileNotFoundError) as exc:
                print(f"genba: cannot compile translations: {exc}", file=sys.stderr)
                return None
            return cache_dir / "i18n" / f"genba_{lang}.qm"
    return None


class Translations:
    """Owns the installed translators; :meth:`switch` changes the language at run time."""

    def __init__(self, app: QCoreApplication, cache_dir: Path | None) -> None:
        self._app = app
        self._cache_dir = cache_dir
        self._installed: list[QTranslator] = []
        self.language = "en"
        self.installed = False

    def clear(self) -> None:
        """Remove this object's translators (back to the English source texts)."""
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed = []
        self.language = "en"
        self.installed = False

    def switch(self, lang: str) -> bool:
        """Install ``lang``'s translations (genba's and Qt's own); False if none were found."""
        for translator in self._installed:
            self._app.removeTranslator(translator)
        self._installed = []
        self.language = lang
        self.installed = True
        ok = True
        qm = find_qm(lang, self._cache_dir)
        genba = QTranslator(self._app)
        if qm is not None and genba.load(str(qm)):
            self._installed.append(genba)
        else:
            ok = lang == "en"  # English is the source language: nothing to load
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        qtbase = QTranslator(self._app)
        if lang != "en" and qtbase.load(f"qtbase_{lang}", qt_dir):
            self._installed.append(qtbase)
        # Installing or removing a translator makes Qt send LanguageChange to every widget.
        for translator in self._installed:
            self._app.installTranslator(translator)
        return ok
