"""Export one conversation to Markdown or JSON (only when policy allows export).

The JSON form is lossless (every message with its status and the engine's
stats); the Markdown form is for people. Files are written atomically.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from disk.atomic import write_bytes_atomically

from desktop.history import History

EXPORT_FORMAT_VERSION = 1


def conversation_to_json(history: History, conversation_id: int) -> dict[str, Any]:
    """Everything stored about one conversation, as plain JSON-ready data."""
    conv = history.conversation(conversation_id)
    if conv is None:
        raise KeyError(conversation_id)
    return {
        "format": "genba-conversation",
        "version": EXPORT_FORMAT_VERSION,
        "conversation": asdict(conv),
        "messages": [asdict(m) for m in history.messages(conversation_id)],
    }


def conversation_to_markdown(history: History, conversation_id: int) -> str:
    """A readable Markdown transcript; answers end with a one-line stats note."""
    conv = history.conversation(conversation_id)
    if conv is None:
        raise KeyError(conversation_id)
    lines = [f"# {conv.title}", ""]
    for msg in history.messages(conversation_id):
        when = datetime.fromtimestamp(msg.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        who = "User" if msg.role == "user" else "Assistant"
        lines += [f"## {who} ({when})", "", msg.content, ""]
        if msg.status != "complete":
            lines += [f"*[{msg.status}]*", ""]
        if msg.stats:
            lines += [f"<!-- stats: {json.dumps(msg.stats, ensure_ascii=False)} -->", ""]
    return "\n".join(lines)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\n`` line ends) to ``path`` atomically, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(path, text.encode("utf-8"))


def export_conversation(history: History, conversation_id: int, path: Path) -> None:
    """Export to ``path``; ``.json`` gives JSON, anything else Markdown."""
    if path.suffix.lower() == ".json":
        data = conversation_to_json(history, conversation_id)
        write_atomically(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        write_atomically(path, conversation_to_markdown(history, conversation_id))
