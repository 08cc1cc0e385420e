"""One suite for every store: embedded in memory, embedded on disk, and real servers (`oxigraph serve` with and
without a union default graph, Virtuoso Open Source)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import REMOTE_KINDS
from servers import HitCounter

from aims_graph import resources
from aims_graph.answers import Boolean, Rows, Triples, value_of
from aims_graph.errors import FileFormatError, NotFoundError, RDFSyntaxError, UnsafeInputError, UserInputError
from aims_graph.store import (
    CATALOGUE_GRAPH,
    ONTOLOGY_GRAPH,
    OxigraphStore,
    SparqlEndpointStore,
    Store,
    ensure_reference_graphs,
    graph_for_file,
)

EX = "https://example.org/t/"
SAMPLES = {
    "data.ttl": f'@prefix ex: <{EX}> .\nex:a ex:p ex:b ; ex:q "x"@en .\n',
    "data.nt": f"<{EX}a> <{EX}p> <{EX}c> .\n",
    "data.jsonld": f'{{"@id": "{EX}a", "{EX}p": {{"@id": "{EX}d"}}}}',
    "data.rdf": (
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns:ex="{EX}"><rdf:Description rdf:about="{EX}a"><ex:p rdf:resource="{EX}e"/></rdf:Description>'
        "</rdf:RDF>\n"
    ),
    "data.trig": f"<{EX}g1> {{ <{EX}a> <{EX}p> <{EX}f> . }}\n",
    "data.nq": f"<{EX}a> <{EX}p> <{EX}h> <{EX}g2> .\n",
}


CATALOGUE_NOTATIONS = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?x ; "
    "<http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/aims-graph/iso42001/scheme> }"
)


@pytest.fixture(params=["memory", "disk", *REMOTE_KINDS])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, remote_store_factory: Callable[[str], SparqlEndpointStore]
) -> Iterator[Store]:
    if request.param == "memory":
        yield OxigraphStore()
    elif request.param == "disk":
        yield OxigraphStore(tmp_path / "store")
    else:
        yield remote_store_factory(request.param)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(store: Store, sparql: str) -> int:
    result = store.query(sparql)
    assert isinstance(result, Rows)
    return int(value_of(result.rows[0][0]))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_format_loads_into_its_own_graph(store: Store, tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, SAMPLES[name])
    report = store.load(path)
    assert report.triples >= 1
    graphs = {g.name: g.triples for g in store.graphs()}
    if name.endswith((".trig", ".nq")):
        assert (EX + "g1" in graphs) or (EX + "g2" in graphs)  # a dataset keeps its own graph names
    else:
        assert graphs[graph_for_file(path)] == report.triples
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}a> <{EX}p> ?o }}") == 1


def test_queries_see_the_union_of_graphs(store: Store, tmp_path: Path) -> None:
    store.load(write(tmp_path, "one.ttl", SAMPLES["data.ttl"]))
    store.load(write(tmp_path, "two.nt", SAMPLES["data.nt"]), graph=EX + "second")
    assert count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ <{EX}a> <{EX}p> ?o }}") == 2
    names = [g.name for g in store.graphs()]
    assert EX + "second" in names and graph_for_file(tmp_path / "one.ttl") in names


def test_ask_construct_and_bindings(store: Store, tmp_path: Path) -> None:
    store.load(write(tmp_path, "one.ttl", SAMPLES["data.ttl"]))
    assert store.query("ASK { ?s ?p ?o }") == Boolean(True)
    constructed = store.query(f"CONSTRUCT {{ ?s <{EX}copy> ?o }} WHERE {{ ?s <{EX}p> ?o }}")
    assert isinstance(constructed, Triples) and len(constructed.triples) == 1
    bound = store.query(f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}", bindings={"s": ox.NamedNode(EX + "nobody")})
    assert isinstance(bound, Rows) and bound.rows == []


def test_reference_graphs_load_once(store: Store) -> None:
    ensure_reference_graphs(store)
    ensure_reference_graphs(store)
    graphs = {g.name: g.triples for g in store.graphs()}
    assert graphs[ONTOLOGY_GRAPH] > 500 and graphs[CATALOGUE_GRAPH] > 500
    assert count(store, CATALOGUE_NOTATIONS) == 114


def test_drop_graph(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "one.ttl", SAMPLES["data.ttl"])
    store.load(path)
    store.drop(graph_for_file(path))
    assert graph_for_file(path) not in [g.name for g in store.graphs()]
    with pytest.raises(NotFoundError):
        store.drop(graph_for_file(path))


@pytest.mark.parametrize("size", [90_000, 250_000], ids=["transaction", "bulk"])
def test_syntax_error_names_file_and_line_and_changes_nothing(store: Store, tmp_path: Path, size: int) -> None:
    """A small file loads in one transaction, a big one (over 8 MiB, on disk) in bulk: both all or nothing."""
    lines = [f'<{EX}s{i}> <{EX}p> "a longer value for line {i}" .' for i in range(size)]
    lines[size - 1] = f'<{EX}s> <{EX}p> "broken .'
    path = write(tmp_path, "big.nt", "\n".join(lines) + "\n")
    before = store.graphs()
    with pytest.raises(RDFSyntaxError) as caught:
        store.load(path)
    assert caught.value.line == size
    assert "big.nt" in str(caught.value)
    assert store.graphs() == before


def test_rdfxml_doctype_is_refused(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "evil.rdf",
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY ex "https://example.org/t/">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="&ex;a"/></rdf:RDF>\n',
    )
    with pytest.raises(UnsafeInputError):
        store.load(path)
    assert store.graphs() == []


def test_remote_jsonld_context_is_never_fetched(store: Store, tmp_path: Path) -> None:
    with HitCounter() as listener:
        path = write(tmp_path, "remote.jsonld", f'{{"@context": "{listener.url}/ctx", "@id": "{EX}a", "name": "x"}}')
        with pytest.raises(UnsafeInputError):
            store.load(path)
        assert listener.hits == 0
    assert store.graphs() == []


def test_unknown_format_and_unreadable_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="ending"):
        store.load(write(tmp_path, "data.xlsx", "x"))
    with pytest.raises(FileFormatError, match="cannot read"):
        store.load(tmp_path / "missing.ttl")
    with pytest.raises(UserInputError):
        store.load(write(tmp_path, "ok.ttl", SAMPLES["data.ttl"]), graph="not an iri")


# ------------------------------------------------------------------ all-or-nothing on disk (embedded store)

LOADER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from aims_graph.store import OxigraphStore
    store = OxigraphStore(Path(sys.argv[1]))
    print("loading", flush=True)
    store.load(Path(sys.argv[2]), graph="https://example.org/t/big")
    print("done", flush=True)
    """
)


def big_file(tmp_path: Path, triples: int) -> Path:
    path = tmp_path / "big.nt"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(triples):
            handle.write(f'<{EX}s{i // 7}> <{EX}p{i % 7}> "value {i}" .\n')
    return path


def graph_size(location: Path) -> int:
    store = OxigraphStore(location)
    graphs = {g.name: g.triples for g in store.graphs()}
    store.close()
    del store
    return graphs.get(EX + "big", 0)


def test_sigkill_mid_load_leaves_all_or_nothing(tmp_path: Path) -> None:
    data = big_file(tmp_path, 400_000)
    location = tmp_path / "store"
    outcomes = []
    for delay in (0.3, 1.0):
        process = subprocess.Popen(
            [sys.executable, "-c", LOADER, str(location), str(data)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "loading"
        time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        size = graph_size(location)
        assert size in (0, 400_000), f"a killed load left {size} triples"
        outcomes.append(size)
    assert 0 in outcomes, "the load finished before it could be killed; the test proves nothing"


def test_concurrent_reader_never_sees_half_a_graph(tmp_path: Path) -> None:
    data = big_file(tmp_path, 200_000)
    store = OxigraphStore(tmp_path / "store")
    sizes: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            graphs = {g.name: g.triples for g in store.graphs()}
            sizes.append(graphs.get(EX + "big", 0))
            time.sleep(0.005)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        store.load(data, graph=EX + "big")
    finally:
        stop.set()
        reader.join()
    assert set(sizes) <= {0, 200_000}
    assert sizes.count(0) > 3, "the reader did not run during the load"


def test_reference_resources_are_found() -> None:
    assert resources.ontology_file().is_file()
    assert "list-graphs.rq" in [p.name for p in (resources.resource_dir("queries") / "store").iterdir()]
