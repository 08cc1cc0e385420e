"""`aims-graph snapshot create|list|drop` and `aims-graph diff`: the AIMS over audit cycles."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

from ..errors import UserInputError
from .options import records_options, store_options


def _persistent_store(args: argparse.Namespace) -> None:
    if args.store is None and args.endpoint is None:
        raise UserInputError("snapshots need --store DIR or --endpoint URL: an in-memory store would be lost")


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def cmd_snapshot(args: argparse.Namespace) -> int:
    from ..snapshots import create_snapshot, drop_snapshot
    from ..snapshots.organisations import canonical, snapshots_for
    from .common import store_from_args, write_output

    _persistent_store(args)
    store = store_from_args(args)
    org = getattr(args, "org", None)
    if args.action == "create":
        about = canonical(store, org) if org else None
        snapshot = create_snapshot(store, args.label, args.by or _user(), args.note, about=about)
        taken_for = f" for <{about}>" if about else ""
        print(f"snapshot {snapshot.label!r} created at {snapshot.issued} as <{snapshot.iri}>{taken_for}")
    elif args.action == "drop":
        snapshot = drop_snapshot(store, args.label)
        print(f"snapshot {snapshot.label!r} dropped")
    elif args.format == "json":
        rows = [vars(s) for s in snapshots_for(store, org)]
        write_output(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", None)
    else:
        for snapshot in snapshots_for(store, org):
            by = f"  by {snapshot.by}" if snapshot.by else ""
            about = f"  for <{snapshot.about}>" if snapshot.about else ""
            print(f"{snapshot.label}  {snapshot.issued}{by}{about}")
    store.close()
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from ..snapshots import CURRENT
    from ..snapshots.diff import diff
    from ..snapshots.organisations import latest_snapshot_for, organisation_view
    from .common import store_from_args, write_output

    _persistent_store(args)
    store = store_from_args(args)
    start = args.start or latest_snapshot_for(store, args.org)
    if start is None:
        raise UserInputError("the store has no snapshot to compare with; `aims-graph snapshot create` makes one")
    end = args.end or CURRENT
    store = organisation_view(store, args.org, [start, end])  # the store itself without --org
    result = diff(store, start, end, validation=not args.no_validation)
    if args.format == "json":
        write_output(json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n", args.out)
    elif args.format == "turtle":
        write_output(result.to_turtle(), args.out)
    else:
        write_output(result.to_text(), args.out)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("snapshot", help="keep the organisation's records of an audit cycle: create, list, drop")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="copy the organisation's graphs into an immutable snapshot")
    store_options(create, data=False)
    create.add_argument("--label", required=True, help="the snapshot's name, e.g. 2026-surveillance")
    create.add_argument("--by", metavar="NAME", help="who takes the snapshot (default: the user name)")
    create.add_argument("--note", metavar="TEXT", help="a description, such as the audit it records")
    create.add_argument(
        "--org",
        metavar="IRI",
        help="the organisation it is taken for (its audit): recorded, and the default start of its diffs",
    )
    listing = actions.add_parser("list", help="the snapshots, oldest first")
    store_options(listing, data=False)
    listing.add_argument("--format", choices=["text", "json"], default="text", help="a text list or JSON")
    listing.add_argument("--org", metavar="IRI", help="only the snapshots taken for this organisation or for all")
    dropping = actions.add_parser("drop", help="remove a snapshot and its copies")
    store_options(dropping, data=False)
    dropping.add_argument("label", metavar="LABEL", help="the snapshot to remove")
    for parser in (create, listing, dropping):
        parser.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("diff", help="what changed between two snapshots, or since a snapshot")
    store_options(p, data=False)
    p.add_argument(
        "start", nargs="?", metavar="FROM", help="a snapshot label (default: the latest, with --org its latest)"
    )
    p.add_argument("end", nargs="?", metavar="TO", help="a snapshot label, or 'current' (the default)")
    p.add_argument(
        "--format", choices=["text", "json", "turtle"], default="text", help="text, JSON, or a Turtle change set"
    )
    p.add_argument("--no-validation", action="store_true", help="leave out the comparison of validation results")
    records_options(p, as_of=False)
    p.add_argument("--out", metavar="FILE", type=Path, help="write here instead of standard output")
    p.set_defaults(func=cmd_diff)
