"""The loaded model's name as the status area shows it, in the window's language.

A model's name (``general.name``) is a proper name and stays as written, but
genba's own default-model build appends an English description of what it did
("… (16 experts, MoEfied)", :mod:`engine.models.default_model.build`). That
description is recognised here and shown in the window's language; any other
name is shown as it is.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

_BUILT = re.compile(r"^(?P<name>.+?)\s*\((?P<n>\d+) experts, MoEfied\)$")


def model_label(name: str | None) -> str | None:
    """``name`` with genba's own English description in the current language (None stays)."""
    if not name:
        return name
    match = _BUILT.match(name)
    if match is None:
        return name
    template = QCoreApplication.translate(
        "ModelLabel", "{name} ({n} experts, converted to Mixture-of-Experts)"
    )
    return template.format(name=match["name"], n=int(match["n"]))
