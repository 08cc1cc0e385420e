"""Several organisations in one store: records name their management system, and a shape checks they do."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from aims_graph import resources
from aims_graph.cli import main
from aims_graph.errors import NotFoundError
from aims_graph.queries import run_query
from aims_graph.snapshots import GraphView, create_snapshot
from aims_graph.snapshots.diff import diff
from aims_graph.snapshots.organisations import organisation_view
from aims_graph.store import OxigraphStore, ensure_reference_graphs
from aims_graph.synthetic import generate
from aims_graph.validation.validate import validate_store

AIMS = "https://w3id.org/aims-graph/ontology#"
SHAPE = "https://w3id.org/aims-graph/shapes#RecordManagementSystem"


def store_with(organisations: int, systems: int = 6) -> OxigraphStore:
    triples, _ = generate(systems, 3, organisations=organisations)
    store = OxigraphStore()
    ensure_reference_graphs(store)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    store.load_bytes(data, ox.RdfFormat.N_TRIPLES, "urn:x-test:organisations", "generated")
    return store


def results_of(store: OxigraphStore, shape: str = SHAPE) -> set[str]:
    return {r.focus for r in validate_store(store, engine="sparql").results if r.shape == shape}


def test_one_organisation_names_no_management_system_and_nothing_is_flagged() -> None:
    triples, _ = generate(6, 3)
    assert not any(t.predicate.value == AIMS + "managementSystem" for t in triples)
    assert results_of(store_with(1)) == set()


def test_several_organisations_in_one_file_each_with_its_own_records() -> None:
    triples, stats = generate(7, 3, organisations=3)
    systems = {t.subject.value for t in triples if t.object.value == AIMS + "AISystem"}
    assert len(systems) == stats.systems == 7
    prefixes = {s.split("/system/")[0] for s in systems}
    assert prefixes == {f"https://example.org/synthetic/org-{k}" for k in range(3)}
    links = {(t.subject.value, t.object.value) for t in triples if t.predicate.value == AIMS + "managementSystem"}
    for subject, system in links:
        assert subject.split("/org-")[1][0] == system.split("/org-")[1][0], "each record names its own system"
    linked = {subject for subject, _ in links}
    for k in range(3):  # the records the shape asks about, and AI systems, which no other link ties to one
        org = f"https://example.org/synthetic/org-{k}/"
        assert {org + "policy/ai", org + "risk-criteria", org + "soa"} <= linked
    assert systems <= linked
    assert results_of(store_with(3, 7)) == set()


def test_a_record_of_no_organisation_or_of_two_is_flagged() -> None:
    store = store_with(2)
    base = "https://example.org/synthetic/"
    store.update(
        f"DELETE DATA {{ GRAPH <urn:x-test:organisations> {{ <{base}org-0/policy/ai> <{AIMS}managementSystem>"
        f" <{base}org-0/aims> }} }} ;"
        f"INSERT DATA {{ GRAPH <urn:x-test:organisations> {{ <{base}org-1/soa> <{AIMS}managementSystem>"
        f" <{base}org-0/aims> }} }}"
    )
    assert results_of(store) == {f"{base}org-0/policy/ai", f"{base}org-1/soa"}


def test_the_generator_command_takes_a_number_of_organisations(tmp_path: Path) -> None:
    out = tmp_path / "two.ttl"
    assert main(["generate", "--systems", "4", "--organisations", "2", "--out", str(out)]) == 0
    assert "org-1/" in out.read_text(encoding="utf-8")
    assert main(["generate", "--systems", "2", "--organisations", "3", "--out", str(out)]) == 2
    with pytest.raises(ValueError):
        generate(2, organisations=0)


def test_two_organisations_in_one_store_each_get_their_own_answers() -> None:
    """Both examples in one store, each in its own graph: one snapshot and one diff cover both, and a view of
    each organisation's graph answers as that organisation alone would."""
    changes = Path(__file__).parent / "data" / "changes"
    golden = Path(__file__).parent / "golden" / "diff"
    store = OxigraphStore()
    ensure_reference_graphs(store)
    for name in ("conformant-org", "gaps-org"):
        store.load(resources.example_file(name))
    create_snapshot(store, "before", "test")
    for name in ("conformant-org", "gaps-org"):
        store.update((changes / f"{name}.ru").read_text(encoding="utf-8"))
    both = {
        (c["category"], c["change"], c["item"]) for c in diff(store, "before", validation=False).to_json()["changes"]
    }
    expected: set[tuple[str, str, str]] = set()
    for name in ("conformant-org", "gaps-org"):
        alone = json.loads((golden / f"{name}.json").read_text(encoding="utf-8"))["changes"]
        expected |= {(c["category"], c["change"], c["item"]) for c in alone}
    assert both == expected
    for name, prefix in (
        ("conformant-org", "https://example.org/northwind/"),
        ("gaps-org", "https://example.org/brightline/"),
    ):
        view = GraphView(store, [f"https://w3id.org/aims-graph/graph/file/{name}.ttl"])
        risks = {r["risk"].value for r in run_query(view, "risk-register").dicts()}
        assert risks and all(r.startswith(prefix) for r in risks)
        single = OxigraphStore()
        ensure_reference_graphs(single)
        single.load(resources.example_file(name))
        single.update((changes / f"{name}.ru").read_text(encoding="utf-8"))
        assert risks == {r["risk"].value for r in run_query(single, "risk-register").dicts()}


# ------------------------------------------------------------------ whose record is whose, and --org / ?org=

NORTHWIND = "https://example.org/northwind/org"
BRIGHTLINE = "https://example.org/brightline/org"
BRIGHTLINE_SYSTEM = "https://example.org/brightline/aims"
PREFIXES = {NORTHWIND: "https://example.org/northwind/", BRIGHTLINE: "https://example.org/brightline/"}
EX = "https://example.org/t/"


def both_examples(path: Path | None = None) -> OxigraphStore:
    store = OxigraphStore(path)
    ensure_reference_graphs(store)
    for name in ("conformant-org", "gaps-org"):
        store.load(resources.example_file(name))
    return store


def keys(source: object, name: str) -> list[str]:
    """The first column of a named query's answer: the thing each row is about (other columns may be samples)."""
    rows = run_query(source, name).dicts()  # type: ignore[arg-type]
    return sorted(str(next(iter(row.values())).value) for row in rows if row)


def parameterless() -> list[str]:
    from aims_graph.queries import named_queries

    return [q.name for q in named_queries().values() if not q.params]


def test_ownership_follows_links_then_graphs_and_a_shared_record_belongs_to_both() -> None:
    from aims_graph.snapshots.organisations import owners, statements

    def n(local: str) -> ox.NamedNode:
        return ox.NamedNode(EX + local)

    link, label = ox.NamedNode(AIMS + "link"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    kind = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    control = ox.NamedNode("https://w3id.org/aims-graph/iso42001/A-2-2")
    mixed = [
        ox.Triple(n("ms-a"), kind, ox.NamedNode(AIMS + "ManagementSystem")),
        ox.Triple(n("ms-b"), kind, ox.NamedNode(AIMS + "ManagementSystem")),
        ox.Triple(n("soa-a"), link, n("ms-a")),
        ox.Triple(n("entry-a"), link, n("soa-a")),
        ox.Triple(n("entry-a"), link, control),  # a catalogue resource: ownership never passes through it
        ox.Triple(n("entry-b"), link, control),
        ox.Triple(n("entry-b"), link, n("ms-b")),
        ox.Triple(n("vendor"), label, ox.Literal("shared")),
        ox.Triple(n("soa-a"), link, n("vendor")),
        ox.Triple(n("entry-b"), link, n("vendor")),  # as near to both systems: shared
        ox.Triple(n("stray"), label, ox.Literal("no link, in a graph of two systems")),
    ]
    own = [
        ox.Triple(n("ms-c"), kind, ox.NamedNode(AIMS + "ManagementSystem")),
        ox.Triple(n("risk-c"), label, ox.Literal("no link, in a graph of one system")),
        ox.Triple(n("risk-c"), link, n("party-c")),
        ox.Triple(n("party-c"), label, ox.Literal("reached from risk-c")),
    ]

    def lines(triples: list[ox.Triple]) -> list[tuple[bytes, bytes, bytes, bytes]]:
        return statements(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")

    records = {"g:mixed": lines(mixed), "g:own": lines(own)}
    found = owners(records, [EX + "ms-a", EX + "ms-b", EX + "ms-c"], {str(control).encode()})
    named = {node.decode()[1 + len(EX) : -1]: set(systems) for node, systems in found.items()}
    assert named["entry-a"] == named["soa-a"] == {EX + "ms-a"}
    assert named["entry-b"] == {EX + "ms-b"}
    assert named["vendor"] == {EX + "ms-a", EX + "ms-b"}
    assert named["risk-c"] == named["party-c"] == {EX + "ms-c"}
    assert "stray" not in named


def test_each_named_query_answers_for_one_organisation_as_for_its_records_alone() -> None:
    together = both_examples()
    for org, name in ((NORTHWIND, "conformant-org"), (BRIGHTLINE, "gaps-org")):
        view = organisation_view(together, org)
        alone = OxigraphStore()
        ensure_reference_graphs(alone)
        alone.load(resources.example_file(name))
        for query in parameterless():
            assert keys(view, query) == keys(alone, query), (org, query)
        assert validate_store(view).to_json()["results"] == validate_store(alone).to_json()["results"]


def test_organisations_in_one_file_keep_to_their_own_records() -> None:
    store = store_with(3, 9)
    everyone: dict[str, list[str]] = {q: [] for q in ("risk-register", "ai-systems", "statement-of-applicability")}
    for k in range(3):
        view = organisation_view(store, f"https://example.org/synthetic/org-{k}/org")
        for query in everyone:
            rows = keys(view, query)
            everyone[query] += rows
            assert rows
            assert all(f"/org-{k}/" in r for r in rows if "/synthetic/" in r), (k, query)
    for query, rows in everyone.items():
        if query != "statement-of-applicability":  # one row per control, in each organisation
            assert sorted(rows) == keys(store, query)


@pytest.mark.parametrize("union", [True, False], ids=["union", "no-union"])
def test_an_organisation_on_a_sparql_server_answers_as_on_the_embedded_store(union: bool) -> None:
    """The same view from a real `oxigraph serve`, with and without a union default graph: records read over
    HTTP, owned and copied the same way."""
    from servers import oxigraph_serve

    from aims_graph.store import SparqlEndpointStore

    embedded = both_examples()
    with oxigraph_serve(union=union) as server:
        remote = SparqlEndpointStore(server.query, server.update, server.store)
        ensure_reference_graphs(remote)
        for name in ("conformant-org", "gaps-org"):
            remote.load(resources.example_file(name))
        for org in (NORTHWIND, BRIGHTLINE):
            here, there = organisation_view(embedded, org), organisation_view(remote, org)
            assert isinstance(there, OxigraphStore)
            for query in ("ai-systems", "risk-register", "statement-of-applicability", "open-nonconformities"):
                assert keys(there, query) == keys(here, query), (org, query)


def test_with_one_organisation_the_view_is_the_store_itself() -> None:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(resources.example_file("conformant-org"))
    assert organisation_view(store, NORTHWIND) is store
    assert organisation_view(store, "https://example.org/northwind/aims") is store
    assert organisation_view(store, None) is store
    with pytest.raises(NotFoundError, match="no organisation"):
        organisation_view(store, BRIGHTLINE)


def test_the_cli_takes_an_organisation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "store"
    both_examples(directory).close()
    gc.collect()
    store = ["--store", str(directory)]
    for org, prefix in PREFIXES.items():
        assert main(["query", "ai-systems", *store, "--org", org, "--format", "csv"]) == 0
        systems = capsys.readouterr().out.splitlines()[1:]
        assert systems and all(line.startswith(prefix) for line in systems)
    assert main(["validate", *store]) == 1
    assert main(["validate", *store, "--org", NORTHWIND]) == 0
    assert main(["validate", *store, "--org", BRIGHTLINE_SYSTEM]) == 1
    capsys.readouterr()
    assert main(["report", "risks", *store, "--org", BRIGHTLINE, "--format", "csv"]) == 0
    report = capsys.readouterr().out
    assert "brightline" in report and "northwind" not in report
    assert main(["query", "ai-systems", *store, "--org", "https://example.org/nobody"]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "no organisation or management system <https://example.org/nobody>" in error


def test_diff_and_as_of_take_an_organisation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "store"
    store = both_examples(directory)
    create_snapshot(store, "before", "test")
    store.update((Path(__file__).parent / "data" / "changes" / "gaps-org.ru").read_text(encoding="utf-8"))
    store.close()
    del store
    gc.collect()  # a directory has one opener: the store object must be gone
    at = ["--store", str(directory)]
    assert main(["snapshot", "create", *at, "--label", "northwind-audit", "--org", NORTHWIND]) == 0
    assert "for <https://example.org/northwind/org>" in capsys.readouterr().out
    assert main(["snapshot", "list", *at, "--org", BRIGHTLINE]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["before"]
    args = [*at, "--format", "json", "--no-validation"]
    assert main(["diff", "before", *args, "--org", NORTHWIND]) == 0
    assert json.loads(capsys.readouterr().out)["changes"] == []
    assert main(["diff", *args, "--org", NORTHWIND]) == 0  # since its own last snapshot
    assert json.loads(capsys.readouterr().out)["from"] == "northwind-audit"
    assert main(["diff", *args, "--org", BRIGHTLINE]) == 0  # since "before", taken for everyone
    changes = json.loads(capsys.readouterr().out)["changes"]
    golden = json.loads((Path(__file__).parent / "golden" / "diff" / "gaps-org.json").read_text(encoding="utf-8"))
    assert changes == golden["changes"]
    as_of = ["--store", str(directory), "--as-of", "before", "--format", "csv"]
    assert main(["query", "risk-register", *as_of, "--org", BRIGHTLINE]) == 0
    risks = capsys.readouterr().out.splitlines()[1:]
    assert risks and all(line.startswith(PREFIXES[BRIGHTLINE]) for line in risks)


@pytest.mark.slow
def test_the_api_and_the_home_page_take_an_organisation(tmp_path: Path) -> None:
    """A real server over a store of two organisations: ?org= on queries, validation, reports and the home
    page, which lists the organisations and links to each."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from servers import aims_serve

    directory = tmp_path / "store"
    store = both_examples(directory)
    create_snapshot(store, "before", "test")
    store.update((Path(__file__).parent / "data" / "changes" / "gaps-org.ru").read_text(encoding="utf-8"))
    store.close()
    del store
    gc.collect()  # a directory has one opener: the store object must be gone

    def get(server: str, path: str, accept: str = "application/json", **params: str) -> bytes:
        request = urllib.request.Request(f"{server}{path}?{urllib.parse.urlencode(params)}", headers={"Accept": accept})
        with urllib.request.urlopen(request, timeout=60) as answer:
            return bytes(answer.read())

    with aims_serve(tmp_path, args=["--store", str(directory)]) as server:
        base = server.base
        home = get(base, "/", "text/html").decode()
        assert "Organisations in this store" in home
        for org in (NORTHWIND, BRIGHTLINE):
            assert f'href="/?org={urllib.parse.quote(org, safe="")}"' in home
        for org, prefix in PREFIXES.items():
            rows = json.loads(get(base, "/queries/ai-systems", "application/sparql-results+json", org=org))
            systems = [b["system"]["value"] for b in rows["results"]["bindings"]]
            assert systems and all(s.startswith(prefix) for s in systems)
            page = get(base, "/", "text/html", org=org).decode()
            assert 'aria-current="page"' in page and f"&amp;org={urllib.parse.quote(org, safe='')}" in page
        page = get(base, "/queries/ai-systems", "text/html", org=NORTHWIND).decode()
        assert f'type="hidden" name="org" value="{NORTHWIND}"' in page  # the form keeps the organisation
        assert "Emergency department triage classifier" in page and "Credit scoring model" not in page
        assert json.loads(get(base, "/validate", org=NORTHWIND))["conforms"] is True
        assert json.loads(get(base, "/validate", org=BRIGHTLINE))["conforms"] is False
        report = get(base, "/reports/risks", org=NORTHWIND, format="csv").decode()
        assert "northwind" in report and "brightline" not in report
        changes = json.loads(get(base, "/diff", org=NORTHWIND, validation="false"))["changes"]
        assert changes == []
        assert [s["label"] for s in json.loads(get(base, "/snapshots", org=BRIGHTLINE))] == ["before"]
        assert json.loads(get(base, "/diff", org=BRIGHTLINE, validation="false"))["changes"]
        then = json.loads(
            get(base, "/queries/risk-register", "application/sparql-results+json", org=BRIGHTLINE, as_of="before")
        )
        assert all(b["risk"]["value"].startswith(PREFIXES[BRIGHTLINE]) for b in then["results"]["bindings"])
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(base, "/queries/ai-systems", org="https://example.org/nobody")
        assert refused.value.code == 404
        assert "no organisation" in json.loads(refused.value.read())["message"]
