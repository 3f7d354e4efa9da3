"""Every genba setting, declared once: name, type, default, bounds and description.

:data:`SCHEMA` is the single source of truth. Validation (``values``), the JSON
Schema for administrators' editors (``json_schema``), the reference table in
``docs/policy-reference.md`` (``docs``) and the desktop settings dialog are all
derived from it, so adding a key here is the whole job of adding a key.

Invariants (checked by the tests):

* keys are ``section.name``, lower case, unique, and grouped by section in
  declaration order;
* every default passes its own validation;
* ``restrictive`` is set exactly for the security-relevant keys and is the value
  applied when any policy file has errors (fail closed, never open);
* ``policy_only`` keys (the update trust anchors) may be set by an administrator
  but never by a user settings file.

Key names are a public contract with administrators: once released, never
rename one; add a new key and deprecate the old one instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Kind = Literal["bool", "int", "float", "str", "enum", "url", "path", "window", "texts"]

#: The update repository genba trusts when no policy names another one. The
#: signed TUF metadata, not the URL, is what makes downloads trustworthy; the
#: URL is still pinned so that a broken policy cannot send the PC elsewhere.
PINNED_UPDATE_REPOSITORY = "https://huggingface.co/genba-project/genba-models/resolve/main/"

#: An empty ``updates.trusted_root`` means the TUF root metadata built into genba.
BUILTIN_TRUSTED_ROOT = ""


@dataclass(frozen=True)
class SettingSpec:
    """One setting: what it is, what it may hold, and what it means.

    ``minimum``/``maximum`` bound ``int`` and ``float`` values (inclusive).
    ``choices`` lists the allowed words of an ``enum``. ``schemes`` lists the
    URL schemes a ``url`` accepts. ``allow_empty`` lets ``url``/``path``/
    ``window`` be ``""``, meaning "not set" (each description says what that
    means). A ``texts`` key holds a list of strings (a TOML array).
    ``restrictive`` is the value used when a policy file has errors, for
    security-relevant keys; ``None`` otherwise.
    """

    key: str
    kind: Kind
    default: object
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    restrictive: object | None = None
    label: str = ""
    unit: str = ""
    schemes: tuple[str, ...] = ()
    allow_empty: bool = False
    policy_only: bool = False

    @property
    def section(self) -> str:
        """The TOML table the key lives in (``"model"`` for ``model.path``)."""
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The key's name inside its table (``"path"`` for ``model.path``)."""
        return self.key.split(".", 1)[1]

    @property
    def security_relevant(self) -> bool:
        """True when a broken policy forces this key to its ``restrictive`` value."""
        return self.restrictive is not None


_WEB = ("https", "http")

_SPECS: tuple[SettingSpec, ...] = (
    # -- model -----------------------------------------------------------------
    SettingSpec(
        "model.path", "path", "",
        "Model file (GGUF) to answer with. Empty: the model named by the current-model "
        "pointer in the model store (kept up to date by the updater).",
        label="Model file", allow_empty=True,
    ),
    SettingSpec(
        "model.allow_user_models", "bool", True,
        "Operators may add and select their own model files. Off: only the model set by "
        "policy or installed by the updater is used.",
        restrictive=False, label="Allow own models",
    ),
    SettingSpec(
        "model.store", "enum", "user",
        "Where the current model comes from: user (each operator's own model store) or "
        "machine (the machine-wide store that the update service keeps up to date; "
        "operators can only read it).",
        choices=("user", "machine"), label="Model store", policy_only=True,
    ),
    # -- experts ---------------------------------------------------------------
    SettingSpec(
        "experts.mode", "enum", "balanced",
        "Preset the operator picks: fast (fewest experts that still answer well), balanced, "
        "or thorough (most experts), always inside the model's useful range and "
        "experts.min..experts.max.",
        choices=("fast", "balanced", "thorough"), label="Answer mode",
    ),
    SettingSpec(
        "experts.default", "int", 0,
        "Active experts per token when nothing else decides. 0: the model's own default "
        "(the N its file recommends, else its expert_used_count).",
        minimum=0, maximum=1024, label="Default experts",
    ),
    SettingSpec(
        "experts.min", "int", 1,
        "Fewest active experts genba may use, even on a slow or busy PC.",
        minimum=1, maximum=1024, label="Minimum experts",
    ),
    SettingSpec(
        "experts.max", "int", 0,
        "Most active experts genba may use. 0: all the experts the model has.",
        minimum=0, maximum=1024, label="Maximum experts",
    ),
    SettingSpec(
        "experts.allow_below_useful", "bool", False,
        "A slow PC or battery power may lower the number of experts below the model's "
        "useful minimum (its file's, else max(2, half its trained top-k)). Off: genba "
        "keeps the useful minimum and goes remote, or says why, instead.",
        label="Allow fewer than useful experts",
    ),
    SettingSpec(
        "experts.user_can_choose", "bool", True,
        "Operators may choose the answer mode (number of experts) themselves.",
        label="Operator chooses experts",
    ),
    SettingSpec(
        "experts.adaptive", "bool", True,
        "Choose the number of experts per question from free memory, speed and battery.",
        label="Adaptive experts",
    ),
    SettingSpec(
        "experts.stats_sample", "float", 0.0,
        "Share of local answers (0 to 1) whose expert routing is counted for the expert-load "
        "statistics (genba experts stats). Only counts per expert are kept, never text. A "
        "counted answer decodes about a quarter slower. 0: nothing is collected.",
        minimum=0.0, maximum=1.0, label="Expert statistics sample", policy_only=True,
    ),
    SettingSpec(
        "experts.imbalance_alert", "float", 0.7,
        "Warn when the expert load of a layer is this unequal: the Gini coefficient of its "
        "routing counts, scaled so that 0 is an even load and 1 is the same experts for "
        "every token. The warning goes to the log, genba doctor and the statistics export. "
        "0: never warn.",
        minimum=0.0, maximum=1.0, label="Expert imbalance alert", policy_only=True,
    ),
    # -- resources -------------------------------------------------------------
    SettingSpec(
        "resources.reserve_ram_mb", "int", 1024,
        "Memory kept free for other programs; genba never plans to use it.",
        minimum=0, maximum=1_048_576, label="Reserved memory", unit="MB",
    ),
    SettingSpec(
        "resources.max_context_tokens", "int", 0,
        "Largest context (prompt + answer) genba runs locally. 0: as large as the model "
        "and free memory allow.",
        minimum=0, maximum=1_048_576, label="Maximum context", unit="tokens",
    ),
    SettingSpec(
        "resources.min_tokens_per_s", "float", 3.0,
        "Below this decoding speed genba uses fewer experts, then the remote server if "
        "allowed. 0: never react to speed.",
        minimum=0.0, maximum=1000.0, label="Minimum speed", unit="tokens/s",
    ),
    SettingSpec(
        "resources.on_battery", "enum", "fewer_experts",
        "On battery power: keep working as usual, use fewer experts, or prefer the "
        "remote server (when fallback is enabled).",
        choices=("keep", "fewer_experts", "remote"), label="On battery",
    ),
    # -- fallback --------------------------------------------------------------
    SettingSpec(
        "fallback.enabled", "bool", False,
        "Questions may go to the remote server when the PC cannot answer them well "
        "(low memory, too slow, context too long).",
        restrictive=False, label="Remote fallback",
    ),
    SettingSpec(
        "fallback.url", "url", "",
        "Base URL of an OpenAI-compatible server (llama.cpp server, vLLM, Ollama), e.g. "
        "https://llm.example.com/v1. Empty: no remote server. Never put a password "
        "here; the token lives in the OS keyring.",
        schemes=_WEB, allow_empty=True, label="Remote server URL",
    ),
    SettingSpec(
        "fallback.model", "str", "",
        "Model name sent to the remote server. Empty: the server's default model.",
        label="Remote model",
    ),
    SettingSpec(
        "fallback.ca_bundle", "path", "",
        "Extra CA certificates (PEM) trusted for the remote server, in addition to the "
        "system trust store. Empty: the system trust store only.",
        allow_empty=True, label="Remote CA bundle",
    ),
    SettingSpec(
        "fallback.timeout_s", "float", 60.0,
        "Longest wait for the remote server to answer before genba answers locally.",
        minimum=1.0, maximum=3600.0, label="Remote timeout", unit="s",
    ),
    SettingSpec(
        "fallback.allow_when_offline_local_fails", "bool", True,
        "When the local model fails (cannot load, out of memory, crashed), retry the "
        "question on the remote server. Needs fallback.enabled.",
        restrictive=False, label="Remote when local fails",
    ),
    # -- network ---------------------------------------------------------------
    SettingSpec(
        "network.proxy", "url", "",
        "Proxy for every connection genba makes, e.g. http://proxy.example.com:8080. "
        "Empty: the system's proxy environment variables, if any.",
        schemes=("http", "https", "socks5", "socks5h"), allow_empty=True, label="Proxy",
    ),
    SettingSpec(
        "network.offline", "bool", False,
        "Never use the network: no remote fallback, no update checks.",
        label="Force offline",
    ),
    # -- updates ---------------------------------------------------------------
    SettingSpec(
        "updates.enabled", "bool", True,
        "Check for and download signed model updates in the background.",
        label="Updates",
    ),
    SettingSpec(
        "updates.repository_url", "url", PINNED_UPDATE_REPOSITORY,
        "Where signed updates come from (a static HTTPS host or a Hugging Face repo). "
        "Every file is verified against the trusted root before use.",
        schemes=_WEB, restrictive=PINNED_UPDATE_REPOSITORY, label="Update repository",
        policy_only=True,
    ),
    SettingSpec(
        "updates.trusted_root", "path", BUILTIN_TRUSTED_ROOT,
        "TUF root metadata (root.json) that update signatures must chain to. Empty: the "
        "root built into genba.",
        allow_empty=True, restrictive=BUILTIN_TRUSTED_ROOT, label="Trusted root",
        policy_only=True,
    ),
    SettingSpec(
        "updates.check_interval_h", "int", 24,
        "Hours between update checks.",
        minimum=1, maximum=720, label="Check interval", unit="h",
    ),
    SettingSpec(
        "updates.window", "window", "",
        "Local time window for downloading and applying updates, e.g. \"22:00-05:00\" "
        "(may cross midnight). Empty: any time.",
        allow_empty=True, label="Update window",
    ),
    SettingSpec(
        "updates.auto_apply", "bool", True,
        "Switch to a verified update at the next idle moment without asking. Off: the "
        "operator or `genba update apply` switches.",
        label="Apply automatically",
    ),
    SettingSpec(
        "updates.operator_apply", "bool", True,
        "When updates are not applied automatically, the operator may switch to a verified "
        "update from the window (the \"Apply now\" button). Off: only IT or the update "
        "service switches.",
        restrictive=False, label="Operator may apply updates",
    ),
    SettingSpec(
        "updates.allow_offline_bundles", "bool", True,
        "Updates may be imported from an offline bundle (USB). Bundles are verified "
        "like downloads.",
        restrictive=False, label="Offline bundles",
    ),
    SettingSpec(
        "updates.site_pack", "str", "",
        "The site pack this PC follows: a smaller copy of the model that keeps only the "
        "experts this site uses, published by IT under this name. Empty: the full model.",
        label="Site pack", policy_only=True,
    ),
    SettingSpec(
        "updates.site_pack_fallback", "enum", "full",
        "When the site pack is not published on the update server: full (update the "
        "full model instead) or none (keep the current model).",
        choices=("full", "none"), label="If the site pack is missing", policy_only=True,
    ),
    SettingSpec(
        "updates.doc_packs", "texts", (),
        "Document packs this PC follows: signed sets of site documents published by IT "
        "under these names, installed by genba update and indexed like docs.folders.",
        label="Document packs", policy_only=True,
    ),
    # -- history ---------------------------------------------------------------
    SettingSpec(
        "history.enabled", "bool", True,
        "Keep a history of questions and answers on this PC.",
        label="History",
    ),
    SettingSpec(
        "history.retention_days", "int", 0,
        "Delete history entries older than this. 0: keep forever.",
        minimum=0, maximum=36_500, label="Keep history", unit="days",
    ),
    SettingSpec(
        "history.export_allowed", "bool", True,
        "Operators may export conversations to Markdown or JSON files.",
        restrictive=False, label="Allow export",
    ),
    # -- metrics ---------------------------------------------------------------
    SettingSpec(
        "metrics.enabled", "bool", True,
        "Record pilot metrics of every answer on this PC (route, experts, times, tokens, "
        "CPU time, energy), never question or answer text. Nothing is sent: IT collects "
        "them with genba pilot export.",
        label="Local metrics",
    ),
    SettingSpec(
        "metrics.cpu_watts", "float", 10.0,
        "Power one fully busy CPU core draws, for the energy estimate (CPU time × watts) "
        "on PCs without an energy counter (RAPL or a discharging battery).",
        minimum=0.1, maximum=1000.0, label="Watts per busy core", unit="W",
        policy_only=True,
    ),
    SettingSpec(
        "pilot.site", "str", "",
        "Name of the site this PC belongs to, written into its pilot export so that "
        "genba pilot merge reports per site. Empty: the PC's network name.",
        label="Pilot site", policy_only=True,
    ),
    # -- assistant -------------------------------------------------------------
    SettingSpec(
        "assistant.system_prompt", "str", "",
        "Instructions given to the model before every conversation, locally and on the "
        "remote server, e.g. \"Answer briefly, in numbered steps.\" Never shown in the "
        "chat or stored in the history. Empty: none.",
        label="Instructions for the model",
    ),
    SettingSpec(
        "assistant.example_prompts", "texts", (),
        "Example questions shown on the welcome page of an empty chat, which the operator "
        "can pick. Used in every language unless a language has its own list. Empty: "
        "genba's built-in examples.",
        label="Example questions", policy_only=True,
    ),
    SettingSpec(
        "assistant.example_prompts_ja", "texts", (),
        "Example questions for the Japanese window; they replace assistant.example_prompts "
        "there. Empty: assistant.example_prompts.",
        label="Example questions (Japanese)", policy_only=True,
    ),
    # -- docs ------------------------------------------------------------------
    SettingSpec(
        "docs.folders", "texts", (),
        "Folders of site documents (work instructions, manuals, standards: PDF, Word, "
        "Markdown, text, HTML) that genba indexes on this PC and answers from, with the "
        "document and page shown under each answer. Local folders or mounted shares.",
        label="Document folders", policy_only=True,
    ),
    SettingSpec(
        "docs.allow_personal", "bool", True,
        "Let operators add their own document folders (docs.personal_folders) to the index.",
        restrictive=False, label="Allow own document folders",
    ),
    SettingSpec(
        "docs.personal_folders", "texts", (),
        "The operator's own document folders, indexed with the site's when "
        "docs.allow_personal is on.",
        label="My document folders",
    ),
    SettingSpec(
        "docs.answers", "enum", "use",
        "How answers use the documents: use (give the model the passages found and show "
        "their sources), require (answer only from the documents; when nothing is found, say "
        "so instead of asking the model) or off.",
        choices=("use", "require", "off"), label="Answers from documents",
    ),
    SettingSpec(
        "docs.passages", "int", 4,
        "The most passages given to the model with a question (fewer when the context is "
        "short).",
        minimum=1, maximum=12, label="Passages per question",
    ),
    SettingSpec(
        "docs.max_file_mb", "int", 100,
        "Documents larger than this are not indexed (the index says so).",
        minimum=1, maximum=4096, label="Largest document", unit="MB",
    ),
    # -- ui --------------------------------------------------------------------
    SettingSpec(
        "ui.language", "enum", "system",
        "Language of the window: Japanese, English, or the system's language.",
        choices=("ja", "en", "system"), label="Language",
    ),
    SettingSpec(
        "ui.font_scale", "int", 125,
        "Text size in percent of the system size.",
        minimum=100, maximum=200, label="Text size", unit="%",
    ),
    SettingSpec(
        "ui.high_contrast", "bool", False,
        "High-contrast colours.",
        label="High contrast",
    ),
    SettingSpec(
        "ui.status_details", "bool", False,
        "Show the status details under the window (model, experts, route, speed, memory) "
        "instead of only the plain status line.",
        label="Status details",
    ),
)

#: Every setting by key, in declaration order (grouped by section).
SCHEMA: Mapping[str, SettingSpec] = MappingProxyType({spec.key: spec for spec in _SPECS})

#: The TOML tables, in order.
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(spec.section for spec in _SPECS))

#: Keys forced to their ``restrictive`` value when any policy file has errors.
SECURITY_KEYS: tuple[str, ...] = tuple(s.key for s in _SPECS if s.security_relevant)
