"""One table of inputs for the network state, read by the engine's and the updater's tests.

The engine (``engine.remote.network.NetworkConfig``) and the updater (``updater.config``) may
not import each other, so each has its own reader of ``network.offline``; this table
is what keeps them one rule. A row is ``(network.offline, GENBA_OFFLINE, offline?)``:
the setting as a value (``MISSING``: not set), the environment variable (``None``:
unset). A value that is not a boolean is broken and fails closed.
"""

from __future__ import annotations

from typing import Final

MISSING: Final = object()

CASES: Final[list[tuple[object, str | None, bool]]] = [
    (MISSING, None, False),
    (False, None, False),
    (True, None, True),
    ("yes", None, True),  # broken: not a boolean
    ("false", None, True),  # broken too: a string, whatever it says
    ("", None, True),
    (0, None, True),
    (1, None, True),
    (MISSING, "1", True),
    (False, "true", True),
    (False, "0", False),
    (False, "off", False),
    (False, " FALSE ", False),
    (False, "", False),
    (False, "maybe", True),  # a switch nobody can read: fail closed
    (True, "0", True),  # the environment adds offline, never removes it
]


def case_id(case: tuple[object, str | None, bool]) -> str:
    """A readable pytest id for one row."""
    value, env, _ = case
    shown = "missing" if value is MISSING else repr(value)
    return f"offline={shown}-env={env!r}"
