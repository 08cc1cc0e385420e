"""``aims-graph oscal export KIND`` and ``aims-graph oscal import catalog FILE``: each calls one library function."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import store_options

KINDS = ("catalog", "profile", "mapping-collection", "component-definition", "assessment-results", "poam")
FRAMEWORK_KEYS = ("iso42001", "nist-ai-rmf", "eu-ai-act", "iso27001")
"""Written out here so that building the parser does not import trestle (the library checks they agree)."""


def cmd_oscal_export(args: argparse.Namespace) -> int:
    from ..oscal.common import serialize
    from ..oscal.documents import export_document
    from .common import store_from_args, write_output

    store = store_from_args(args, require_data=args.kind not in ("catalog", "mapping-collection"))
    try:
        document = export_document(
            store, args.kind, framework_name=args.framework, soa=args.soa, mapping_set=args.mapping_set
        )
        write_output(serialize(document, args.format), args.out)
    finally:
        store.close()
    return 0


def cmd_oscal_import(args: argparse.Namespace) -> int:
    import pyoxigraph as ox

    from .. import rdfio
    from ..config import Settings
    from ..oscal.importing import catalog_to_rdf, read_catalog
    from .common import store_from_args, write_output

    imported = catalog_to_rdf(read_catalog(rdfio.read_bytes(args.file), str(args.file)), args.scheme)
    settings = Settings.from_env()
    if (args.store or settings.store) is None and (args.endpoint or settings.endpoint) is None:
        write_output(imported.turtle(), args.out)
        return 0
    store = store_from_args(args)
    try:
        report = store.load_bytes(imported.ntriples(), ox.RdfFormat.N_TRIPLES, imported.graph, str(args.file))
    finally:
        store.close()  # an on-disk store is flushed on closing
    print(f"{args.file}: {imported.entries} groups and controls, {report.triples} triples into <{report.graph}>")
    print(f"framework: {imported.scheme} (aims-graph oscal export catalog --framework {imported.scheme})")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("oscal", help="export OSCAL documents (catalog, SoA profile, ...) or import a catalog")
    actions = parser.add_subparsers(dest="oscal_action", metavar="ACTION", required=True)

    p = actions.add_parser("export", help="write one OSCAL document (OSCAL 1.2.1) for what the store holds")
    p.add_argument("kind", choices=KINDS, metavar="KIND", help=f"one of {', '.join(KINDS)}")
    store_options(p)
    p.add_argument("--format", choices=["json", "yaml"], default="json", help="json or yaml (no OSCAL XML)")
    p.add_argument("--framework", default="iso42001", help=f"catalog: {', '.join(FRAMEWORK_KEYS)} or a scheme IRI")
    p.add_argument("--soa", metavar="IRI", help="profile, component-definition: the Statement of Applicability")
    p.add_argument("--mapping-set", metavar="IRI", help="mapping-collection: the set, when the store holds several")
    p.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    p.set_defaults(func=cmd_oscal_export)

    p = actions.add_parser("import", help="read an OSCAL catalog into a framework catalogue (its own named graph)")
    p.add_argument("what", choices=["catalog"], help="what the file holds (only catalogs are imported)")
    p.add_argument("file", type=Path, metavar="FILE", help="an OSCAL catalog, JSON or YAML, OSCAL 1.0 to 1.2")
    store_options(p, data=False)
    p.add_argument("--scheme", metavar="IRI", help="IRI of the concept scheme (default: derived from the UUID)")
    p.add_argument("--out", type=Path, metavar="FILE", help="without a store: write the Turtle here, not stdout")
    p.set_defaults(func=cmd_oscal_import)
