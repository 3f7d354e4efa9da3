"""``genba update key import FILE [--keyring] | list | remove SITE`` — the site keys of this PC.

A PC needs its site's private key only when the publisher encrypts updates or bundles for
the site (``genba-publish add|bundle --encrypt-to SITE``). ``import`` reads the age identity
file made by ``genba-publish site-key export`` and keeps the keys in the machine key file
(``<update_dir>/site-keys.txt``, mode 0600, for the update service) or, with ``--keyring``,
in this user's OS keyring (user store only: the update service cannot read a user's
keyring). Output names sites and public keys, never a private key.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from updater.config import UpdateConfig
from updater.errors import BadInputError, ReadOnlyStoreError, SiteKeyError
from updater.site_keys import import_keys, key_file, load_keys, remove_site


def add_parser(actions: Any, common: argparse.ArgumentParser) -> None:
    """Add ``key`` and its actions under ``genba update``."""
    key = actions.add_parser("key", help="site keys that open encrypted updates and bundles")
    sub = key.add_subparsers(dest="key_action", metavar="KEY_ACTION", required=True)
    imp = sub.add_parser("import", parents=[common], help="add the keys of a site key file")
    imp.add_argument("file", type=Path, help="file made by `genba-publish site-key export`")
    imp.add_argument(
        "--keyring", action="store_true",
        help="keep the key in this user's OS keyring instead of the key file (user store only)",
    )
    sub.add_parser("list", parents=[common], help="sites and public keys this PC holds")
    remove = sub.add_parser("remove", parents=[common], help="forget every key of a site")
    remove.add_argument("site")


def dispatch(args: argparse.Namespace, config: UpdateConfig) -> dict[str, Any]:
    """Run one ``genba update key`` action; returns the CLI's JSON document with ``text``."""
    action = args.key_action
    if action == "list":
        if config.read_only_store() is not None:
            raise SiteKeyError(
                "The machine-wide store's site keys are readable only by the update service's "
                "account; run `sudo genba update key list` (Windows: as an administrator)."
            )
        keys = [
            {"site": k.site, "id": k.key_id, "public": k.public, "created": k.created, "in": where}
            for k, where in load_keys(config.update_dir)
        ]
        rows = [f"{k['site']}\t{k['id']}\t{k['in']}\t{k['public']}" for k in keys]
        text = "\n".join(rows) or "No site keys on this PC (updates in clear need none)."
        return {"keys": keys, "text": text}
    _check_writable(config, keyring=action == "import" and args.keyring)
    if action == "remove":
        count = remove_site(args.site, config.update_dir)
        return {"removed": count, "text": f"Removed {count} key(s) of site {args.site}."}
    added, where = import_keys(args.file, config.update_dir, to_keyring=args.keyring)
    names = ", ".join(f"{k.site} ({k.key_id})" for k in added) or "none new"
    return {
        "added": [{"site": k.site, "id": k.key_id, "public": k.public} for k in added],
        "stored_in": where,
        "text": f"Imported site keys: {names}; kept in {where}. Delete {args.file} now.",
    }


def _check_writable(config: UpdateConfig, *, keyring: bool) -> None:
    read_only = config.read_only_store()
    if read_only is not None:
        raise ReadOnlyStoreError(read_only)
    if keyring and config.store is not None and config.store.kind == "machine":
        raise BadInputError(
            "The machine-wide store is updated by the update service, which cannot read a "
            f"user's keyring; import into the key file ({key_file(config.update_dir)}) as "
            "the service's account instead, without --keyring."
        )
