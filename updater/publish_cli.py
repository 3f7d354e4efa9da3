"""``genba-publish``: the vendor/IT side — keys, versions, signing, bundles, upload.

Typical use::

    genba-publish init REPO                       # keys + first signed metadata
    genba-publish add REPO model-v2.gguf --version 2 --diff-from 1
    genba-publish add REPO machining.gguf --pack machining --version 1   # a site pack's line
    genba-publish refresh REPO                    # re-sign timestamp (cron, < timestamp_days)
    genba-publish bundle REPO /media/usb/genba    # offline bundle for `genba update import`
    genba-publish upload REPO org/genba-models    # push published/ to a Hugging Face repo
    genba-publish rotate-key REPO timestamp       # e.g. after a key leak
    genba-publish pack --base model.gguf --stats site.json --name plant-a --min-k 8 \
        --out plant-a.gguf                        # site pack: only the experts a site uses
    genba-publish pack ... --text site.txt ...    # or score a site text with the base model
    genba-publish site-key new REPO plant-a       # a site's encryption key (site-key --help)
    genba-publish add REPO pack.gguf --version 3 --encrypt-to plant-a
    genba-publish docs add REPO --name plant-a-sop --folder ./sop [--version 2026.12]
    genba-publish bundle REPO /media/usb/genba --doc-pack plant-a-sop   # the site's packs

Give clients ``REPO/published/metadata/1.root.json`` as their trusted root
(``assets/tuf/root.json`` or policy ``updates.trusted_root``). Keep ``REPO/keys`` offline.
Exit codes: 0 ok, 1 failure, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from updater.errors import BadInputError, UpdateError
from updater.repository import Expiry, PublisherRepository


def build_parser() -> argparse.ArgumentParser:
    """The ``genba-publish`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="genba-publish", description="Publish signed genba model updates."
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = sub.add_parser("init", help="create keys and an empty signed repository")
    init.add_argument("repo", type=Path)
    init.add_argument("--root-keys", type=int, default=1, help="number of root keys")
    init.add_argument("--root-threshold", type=int, default=1, help="root signatures needed")
    for role, days in (("targets", 365), ("snapshot", 30), ("timestamp", 7)):
        init.add_argument(f"--{role}-days", type=float, default=days, help=f"{role} expiry")
    add = sub.add_parser("add", help="publish a model version with diffs from older ones")
    add.add_argument("repo", type=Path)
    add.add_argument("model", type=Path)
    add.add_argument("--version", required=True, help="label, e.g. 2026.11")
    add.add_argument("--diff-from", nargs="*", default=[], metavar="VERSION")
    add.add_argument("--level", type=int, default=9, help="zstd level for diffs (1-22)")
    add.add_argument(
        "--pack", default="", metavar="NAME",
        help="publish a site pack in its own line NAME (--diff-from then names pack versions; "
        "a diff from the full version it was cut from is added by itself)",
    )
    add.add_argument(
        "--diff-from-full", nargs="*", default=[], metavar="VERSION",
        help="with --pack: also diff from these full-model versions",
    )
    add.add_argument(
        "--encrypt-to", action="append", default=[], metavar="SITE",
        help="publish the model and its diffs encrypted to SITE's key (repeat for more sites)",
    )
    refresh = sub.add_parser("refresh", help="re-sign the timestamp (and snapshot if due)")
    refresh.add_argument("repo", type=Path)
    rotate = sub.add_parser("rotate-key", help="replace the keys of a role")
    rotate.add_argument("repo", type=Path)
    rotate.add_argument("role", choices=["root", "targets", "snapshot", "timestamp"])
    bundle = sub.add_parser("bundle", help="export an offline bundle folder")
    bundle.add_argument("repo", type=Path)
    bundle.add_argument("dest", type=Path)
    bundle.add_argument(
        "--encrypt-to", action="append", default=[], metavar="SITE",
        help="only models and diffs published encrypted for SITE go into the bundle",
    )
    bundle.add_argument(
        "--doc-pack", action="append", default=None, metavar="NAME",
        help="only these document packs go into the bundle (repeat; default: every one); "
        "the latest version of each",
    )
    upload = sub.add_parser("upload", help="upload published/ to a Hugging Face model repo")
    upload.add_argument("repo", type=Path)
    upload.add_argument("repo_id", help="e.g. my-org/genba-models")
    upload.add_argument("--revision", default="main")
    upload.add_argument("--endpoint", default=None, help="Hub URL (default: huggingface.co)")
    upload.add_argument("--token-env", default="HF_TOKEN", help="variable holding the token")
    show = sub.add_parser("list", help="print the published versions")
    show.add_argument("repo", type=Path)
    _add_pack_parser(sub)
    _site_key_parser(sub)
    _docs_parser(sub)
    return parser


def _docs_parser(sub: Any) -> None:
    docs = sub.add_parser(
        "docs", help="document packs: a site's documents as signed targets (docs/updates.md)"
    )
    actions = docs.add_subparsers(dest="docs_action", metavar="DOCS_ACTION", required=True)
    add = actions.add_parser(
        "add", help="publish a folder of documents as a new version of a document pack",
        description="Packs the folder's documents (.pdf .docx .md .markdown .txt .text .html "
        ".htm) into a deterministic archive, signed as a target under docpacks/NAME/.",
    )  # fmt: skip
    add.add_argument("repo", type=Path)
    add.add_argument("--name", required=True, help="the pack's name, e.g. plant-a-sop")
    add.add_argument("--folder", type=Path, required=True, help="the folder of documents")
    add.add_argument("--version", default=None, help="label (default: the next number)")
    add.add_argument(
        "--encrypt-to", action="append", default=[], metavar="SITE",
        help="publish the pack encrypted to SITE's key (repeat for more sites)",
    )  # fmt: skip
    show = actions.add_parser("list", help="print the published document packs")
    show.add_argument("repo", type=Path)


def _coverage(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r} (e.g. 0.9)") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 1 (e.g. 0.9), not {text}")
    return value


def _add_pack_parser(sub: Any) -> None:
    pack = sub.add_parser(
        "pack",
        help="build a site pack: keep per layer the K experts a site's statistics use",
        description="Keep, in every MoE layer, the experts covering --coverage of the site's "
        "router-weight mass (K = the most any layer needs, at least --min-k, at most E-1). "
        "Rule: docs/experts-and-packs.md.",
    )
    pack.add_argument("--base", type=Path, required=True, help="the base model GGUF")
    given = pack.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "--stats", type=Path, nargs="+", default=[], metavar="FILE",
        help="expert statistics from `genba experts export` or `genba experts score` (summed)",
    )
    given.add_argument(
        "--text", type=Path, metavar="FILE",
        help="a site text file, routed through the base model by `genba experts score`",
    )  # fmt: skip
    pack.add_argument("--name", required=True, help="the site the pack is for")
    pack.add_argument("--coverage", type=_coverage, default=0.9, help="share of routing mass")
    pack.add_argument(
        "--min-k", type=int, required=True, metavar="N",
        help="keep at least N experts: the largest N the site's policy allows",
    )  # fmt: skip
    pack.add_argument("--out", type=Path, required=True, help="the pack GGUF to write")


def _site_key_parser(sub: Any) -> None:
    keys = sub.add_parser(
        "site-key", help="sites' encryption keys (see docs/updates.md, Site keys)"
    )
    actions = keys.add_subparsers(dest="key_action", metavar="KEY_ACTION", required=True)
    new = actions.add_parser("new", help="create a site's key pair; prints its public key")
    show = actions.add_parser("list", help="every site key: site, id, public key, state")
    public = actions.add_parser("export-public", help="print a site's public key(s)")
    export = actions.add_parser(
        "export", help="write the private key file PCs of a site import (mode 0600)"
    )
    rotate = actions.add_parser("rotate", help="new key; the old one stays until --drop-old")
    for action in (new, show, public, export, rotate):
        action.add_argument("repo", type=Path)
    for action in (new, public, export, rotate):
        action.add_argument("site", help="site name, e.g. plant-a")
    export.add_argument("dest", type=Path, help="file to write (a USB stick, for IT)")
    rotate.add_argument(
        "--drop-old", action="store_true",
        help="stop encrypting to the old key at once (it was lost, or every PC has the new one)",
    )


def upload(
    repo: PublisherRepository,
    repo_id: str,
    *,
    revision: str,
    endpoint: str | None,
    token: str | None,
) -> str:
    """Upload ``published/`` in one commit (clients see all of it or none); returns its URL."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, token=token)
    api.create_repo(repo_id, repo_type="model", exist_ok=True)
    info = api.upload_folder(
        repo_id=repo_id,
        repo_type="model",
        folder_path=str(repo.root / "published"),
        revision=revision,
        commit_message="genba-publish: signed update metadata and targets",
    )
    return str(info)


def _init(args: argparse.Namespace) -> str:
    expiry = Expiry(
        targets_days=args.targets_days,
        snapshot_days=args.snapshot_days,
        timestamp_days=args.timestamp_days,
    )
    repo = PublisherRepository.create(
        args.repo, root_keys=args.root_keys, root_threshold=args.root_threshold, expiry=expiry
    )
    return f"Created {repo.root}. Ship {repo.metadata_dir / '1.root.json'} as trusted root."


def _add(args: argparse.Namespace, repo: PublisherRepository) -> str:
    if not args.model.is_file():
        raise BadInputError(f"{args.model} does not exist.")
    if args.diff_from_full and not args.pack:
        raise BadInputError("--diff-from-full is for packs; use --diff-from for full models.")
    sites = tuple(args.encrypt_to)
    entry = repo.add_version(
        args.model, args.version, args.diff_from, level=args.level,
        pack=args.pack, diff_from_full=args.diff_from_full, encrypt_to=sites,
    )  # fmt: skip
    diffs = ", ".join(
        f"from {'full model ' if entry.pack and not d.source_pack else ''}{d.source}: "
        f"{d.length} bytes"
        for d in entry.diffs
    ) or "none"
    what = f"site pack {entry.pack} version" if entry.pack else "version"
    sealed = f" Encrypted for {', '.join(sites)}." if sites else ""
    return f"Published {what} {entry.version} ({entry.length} bytes); diffs {diffs}.{sealed}"


def _refresh(args: argparse.Namespace, repo: PublisherRepository) -> str:
    repo.refresh()
    return "Timestamp re-signed."


def _rotate(args: argparse.Namespace, repo: PublisherRepository) -> str:
    keyids = repo.rotate_key(args.role)
    short = ", ".join(k[:12] for k in keyids)
    return f"New {args.role} key(s) {short}; new root and metadata signed."


def _bundle(args: argparse.Namespace, repo: PublisherRepository) -> str:
    sites = tuple(args.encrypt_to)
    docs = tuple(args.doc_pack) if args.doc_pack is not None else None
    dest = repo.export_bundle(args.dest, encrypt_to=sites, docpacks=docs)
    sealed = f" (models encrypted for {', '.join(sites)})" if sites else ""
    return f"Bundle written to {dest}{sealed}."


def _docs(args: argparse.Namespace, repo: PublisherRepository) -> str:
    if args.docs_action == "list":
        rows = [
            f"{e.name}\t{e.version}\t{e.files} files\t{e.unpacked} bytes\t{e.sha256}"
            for line in repo.release().docpacks.values()
            for e in line
        ]
        return "\n".join(rows) or "No document packs yet; publish one with `docs add`."
    sites = tuple(args.encrypt_to)
    entry = repo.add_docpack(args.folder, args.name, args.version, encrypt_to=sites)
    sealed = f" Encrypted for {', '.join(sites)}." if sites else ""
    return (
        f"Published document pack {entry.name} version {entry.version}: {entry.files} files, "
        f"{entry.unpacked / 2**20:.1f} MiB ({entry.length / 2**20:.1f} MiB packed), "
        f"sha256 {entry.sha256}.{sealed}"
    )


def _upload(args: argparse.Namespace, repo: PublisherRepository) -> str:
    token = os.environ.get(args.token_env) or None
    url = upload(repo, args.repo_id, revision=args.revision, endpoint=args.endpoint, token=token)
    return f"Uploaded: {url}"


def _list(args: argparse.Namespace, repo: PublisherRepository) -> str:
    return json.dumps(json.loads(repo.release().to_bytes()), indent=1)


def _site_key(args: argparse.Namespace, repo: PublisherRepository) -> str:
    ring = repo.site_keys
    action = args.key_action
    if action == "list":
        rows = [
            f"{k.site}\t{k.key_id}\t{k.state}\t{k.created}\t{k.public}" for k in ring.listing()
        ]
        return "\n".join(rows) or "No site keys yet; create one with `site-key new REPO SITE`."
    if action == "export-public":
        return "\n".join(ring.public_keys(args.site))
    if action == "export":
        keys = ring.export_identity(args.site, args.dest)
        ids = ", ".join(k.key_id for k in keys)
        return (
            f"Wrote {len(keys)} private key(s) of site {args.site} ({ids}) to {args.dest}. "
            "On each PC of the site run `genba update key import FILE`, then delete the file."
        )
    key = ring.new(args.site) if action == "new" else ring.rotate(args.site, drop_old=args.drop_old)
    return f"Site {key.site}: new key {key.key_id}, public key {key.public}"


_ACTIONS = {
    "add": _add,
    "refresh": _refresh,
    "rotate-key": _rotate,
    "bundle": _bundle,
    "upload": _upload,
    "list": _list,
    "site-key": _site_key,
    "docs": _docs,
}


def _pack(args: argparse.Namespace) -> str:
    from updater.pack_build import build_pack, describe

    report = build_pack(
        args.base, args.out, args.stats, name=args.name, coverage=args.coverage,
        min_k=args.min_k, text=args.text,
    )  # fmt: skip
    return describe(report)


def _run(args: argparse.Namespace) -> str:
    if args.action == "init":
        return _init(args)
    if args.action == "pack":
        return _pack(args)
    return _ACTIONS[args.action](args, PublisherRepository(args.repo))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``genba-publish``; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        print(_run(args))
    except BadInputError as exc:
        print(f"genba-publish: {exc}", file=sys.stderr)
        return 2
    except UpdateError as exc:
        print(f"genba-publish: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"genba-publish: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
