"""The Markdown reference of every setting, derived from :data:`SCHEMA`.

``docs/policy-reference.md`` is exactly :func:`render_reference`'s output; a
test fails when they differ. Regenerate with
``genba policy docs > docs/policy-reference.md``.
"""

from __future__ import annotations

import json

from engine.settings.schema import SCHEMA, SECTIONS, SettingSpec
from engine.settings.values import expected

_HEADER = """\
# Policy and settings reference

<!-- Generated from engine/settings/schema.py by `genba policy docs`; do not edit by hand. -->

genba reads its settings in three layers; a later layer wins:

1. built-in defaults (below);
2. the operator's own settings (`settings.toml` in the user configuration folder, written by
   the app);
3. the administrator's policy: `/etc/genba/policy.toml` then `/etc/genba/policy.d/*.toml` in
   name order on Linux, `%ProgramData%\\genba\\policy.toml` and `policy.d\\*.toml` on Windows.

A key set by policy is **locked**: operators cannot change it and the app shows
"set by your administrator". Check a policy before deploying it with
`genba policy check FILE` (exit code 1 on errors); `genba policy schema` prints a JSON Schema
for editors. A sample policy is in `assets/policy.sample.toml`.

Bad input never stops genba. An unknown key is a warning (with a "did you mean" hint) and is
ignored. A bad value is an error naming file and key; that key is ignored and the rest of the
file applies. A file that is not valid TOML (UTF-8) is an error and is ignored whole.

**Fail closed.** While any policy file has an error, every key with a value in the
"fail-closed" column is forced to that value and locked, whatever the other files say, until
the policy is fixed. An unknown policy key that looks like a misspelling of such a key counts
as an error. `network.offline` is deliberately not forced: the values below already keep genba
away from any server the administrator did not pin, and going offline would also stop signed
updates. Keys marked *policy only* cannot be set in a user's settings file.

**Reload.** genba re-reads the policy and settings files while it runs (it polls them), so a
changed policy takes effect without a restart, at the next safe moment: never in the middle of
an answer.
"""


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | tuple):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(spec: SettingSpec) -> str:
    allowed = expected(spec) + (f" ({spec.unit})" if spec.unit else "")
    closed = f"`{_toml(spec.restrictive)}`" if spec.security_relevant else ""
    description = spec.description + (" *Policy only.*" if spec.policy_only else "")
    cells = [f"`{spec.name}`", f"`{_toml(spec.default)}`", allowed, closed, description]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def render_reference() -> str:
    """The full Markdown reference, ending with one newline."""
    parts = [_HEADER.rstrip("\n")]
    for section in SECTIONS:
        parts.append(f"\n## `[{section}]`\n")
        parts.append("| Key | Default | Allowed | Fail-closed | Description |")
        parts.append("|---|---|---|---|---|")
        parts.extend(_row(spec) for spec in SCHEMA.values() if spec.section == section)
    return "\n".join(parts) + "\n"
