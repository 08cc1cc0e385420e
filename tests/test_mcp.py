"""`aims-graph mcp` through the MCP SDK's own client: a real server process over stdio, and one over HTTP.

Each session spawns `python -m aims_graph.cli mcp`, so the tests see what an assistant sees: the tool list
built from the named queries' headers, golden answers on both examples, IRIs cited, and the refusals.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters
from servers import OxigraphServer, free_port

from aims_graph import resources
from aims_graph.mcp_server.server import query_tool
from aims_graph.queries import named_queries, parse_header
from aims_graph.store import OxigraphStore, SparqlEndpointStore, ensure_reference_graphs
from aims_graph.validation.validate import validate_store

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "queries"
EXAMPLES = [resources.CONFORMANT_EXAMPLE, resources.GAPS_EXAMPLE]
BUILT_IN = {"validate", "lookup", "sparql"}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
JSON_TYPES = {"iri": "string", "string": "string", "integer": "integer", "decimal": "number", "boolean": "boolean"}
JSON_TYPES["date"] = "string"
T = TypeVar("T")


def server_params(*args: str, timeout: float = 30, rows: int = 100_000) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "aims_graph.cli", "mcp", *args],
        env={"PYTHONPATH": str(REPO / "src"), "AIMS_QUERY_TIMEOUT": str(timeout), "AIMS_ROW_LIMIT": str(rows)},
        cwd=str(REPO),
    )


def example_args(example: str) -> list[str]:
    return ["--data", str(resources.example_file(example))]


def in_session(params: StdioServerParameters | str, scenario: Callable[[Client], Awaitable[T]]) -> T:
    """Run one client session against a server and return what the scenario collected."""

    async def main() -> T:
        async with Client(params, read_timeout_seconds=60) as client:
            return await scenario(client)

    return anyio.run(main)


def golden(example: str, name: str) -> dict[str, Any]:
    return json.loads((GOLDEN / example / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def iris_in(results: dict[str, Any]) -> set[str]:
    return {cell["value"] for row in results["results"]["bindings"] for cell in row.values() if cell["type"] == "uri"}


# ------------------------------------------------------------------------------ one session per example


@pytest.fixture(scope="module")
def sessions() -> dict[str, dict[str, Any]]:
    """Per example: the tool list and every named-query tool's answer to its golden parameters."""
    collected: dict[str, dict[str, Any]] = {}
    for example in EXAMPLES:

        async def scenario(client: Client, example: str = example) -> dict[str, Any]:
            listed = await client.list_tools()
            answers = {}
            for name in named_queries():
                result = await client.call_tool(name, golden(example, name)["params"])
                answers[name] = result
            return {"tools": listed.tools, "answers": answers}

        collected[example] = in_session(server_params(*example_args(example)), scenario)
    return collected


def test_lists_a_tool_per_named_query_and_the_built_ins(sessions: dict[str, dict[str, Any]]) -> None:
    tools = {tool.name: tool for tool in sessions[resources.GAPS_EXAMPLE]["tools"]}
    assert set(tools) == set(named_queries()) | BUILT_IN
    for name, query in named_queries().items():
        schema = tools[name].input_schema
        assert set(schema["properties"]) == {p.name for p in query.params}
        assert schema["required"] == [p.name for p in query.params]
        assert tools[name].description is not None and query.summary in tools[name].description
        assert tools[name].annotations is not None and tools[name].annotations.read_only_hint
        for param in query.params:
            declared = schema["properties"][param.name]
            assert declared["type"] == JSON_TYPES[param.kind]
            assert param.name in declared["description"]
    assert "CURIE" in tools["controls-for-risk"].input_schema["properties"]["risk"]["description"]
    assert set(tools["lookup"].input_schema["properties"]["framework"]["enum"]) == {
        "iso42001",
        "eu-ai-act",
        "nist-ai-rmf",
        "iso27001",
    }


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("name", sorted(named_queries()))
def test_named_query_tool_gives_the_golden_answer(sessions: dict[str, dict[str, Any]], example: str, name: str) -> None:
    result = sessions[example]["answers"][name]
    assert not result.is_error, result.content
    content = result.structured_content
    expected = golden(example, name)
    assert content["results"] == expected["results"]
    assert content["params"] == expected["params"]
    # Every IRI the rows mention is cited, and so is every IRI parameter; nothing else.
    params = {v for k, v in expected["params"].items() if v.startswith("http")}
    assert set(content["cited"]) == iris_in(expected["results"]) | params
    assert len(content["cited"]) == len(set(content["cited"]))
    assert json.loads(result.content[1].text) == content


# ------------------------------------------------------------------------------------------ refusals


@pytest.mark.slow
def test_refuses_updates_service_runaway_and_oversized_queries_and_keeps_answering() -> None:
    async def scenario(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, text in {
            "insert": "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }",
            "delete": "PREFIX ex: <http://example.org/>\nDELETE WHERE { ?s ex:p ?o }",
            "load": "LOAD <http://127.0.0.1:9/data.ttl>",
            "service": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        }.items():
            out[key] = await client.call_tool("sparql", {"query": text})
        started = time.monotonic()
        out["runaway"] = await client.call_tool("sparql", {"query": RUNAWAY})
        out["runaway_seconds"] = time.monotonic() - started
        out["too-many"] = await client.call_tool("sparql", {"query": "SELECT * WHERE { ?s ?p ?o }"})
        out["after"] = await client.call_tool("untreated-risks", {})
        out["ask"] = await client.call_tool(
            "sparql", {"query": "ASK { ?s a <https://w3id.org/aims-graph/ontology#Risk> }"}
        )
        return out

    out = in_session(server_params(*example_args(resources.GAPS_EXAMPLE), timeout=2, rows=50), scenario)
    for key, word in [("insert", "INSERT"), ("delete", "DELETE"), ("load", "LOAD"), ("service", "SERVICE")]:
        assert out[key].is_error
        assert f"{word} is not allowed" in out[key].content[0].text
        assert out[key].structured_content["kind"] == "UnsafeInputError"
    assert out["runaway"].is_error
    assert "stopped" in out["runaway"].content[0].text
    assert out["runaway_seconds"] < 15
    assert out["too-many"].is_error and "more than 50 rows" in out["too-many"].content[0].text
    assert not out["after"].is_error
    assert out["after"].structured_content["results"] == golden(resources.GAPS_EXAMPLE, "untreated-risks")["results"]
    assert out["ask"].structured_content["results"] == {"head": {}, "boolean": True}


# ------------------------------------------------------------------------------ validate, lookup, sparql


@pytest.fixture(scope="module")
def gaps_answers() -> dict[str, Any]:
    """The built-in tools and resources on the gaps example, in one session."""

    async def scenario(client: Client) -> dict[str, Any]:
        calls: dict[str, tuple[str, dict[str, Any]]] = {
            "validate": ("validate", {}),
            "validate-6.1": ("validate", {"clause": "6.1"}),
            "validate-bad": ("validate", {"clause": "Z.9"}),
            "lookup-control": ("lookup", {"entry": "A.6.2.4"}),
            "lookup-article": ("lookup", {"entry": "art 9"}),
            "lookup-label": ("lookup", {"entry": "verification and validation", "framework": "iso42001"}),
            "lookup-curie": ("lookup", {"entry": "airmf:GOVERN-1-2"}),
            "lookup-none": ("lookup", {"entry": "no such entry anywhere"}),
            "select": ("sparql", {"query": "SELECT ?r WHERE { ?r a <https://w3id.org/aims-graph/ontology#Risk> }"}),
            "construct": (
                "sparql",
                {
                    "query": "CONSTRUCT { ?r a ?t } WHERE { ?r a ?t "
                    "FILTER (?t = <https://w3id.org/aims-graph/ontology#Risk>) }"
                },
            ),
            "syntax": ("sparql", {"query": "SELECT WHERE {"}),
            "bad-param": ("controls-for-risk", {"risk": "not an iri"}),
            "by-notation": ("risks-for-control", {"control": "A.6.2.4"}),
            "by-iri": ("risks-for-control", {"control": "https://w3id.org/aims-graph/iso42001/A-6-2-4"}),
            "extra-param": ("untreated-risks", {"x": "1"}),
        }
        out: dict[str, Any] = {key: await client.call_tool(name, args) for key, (name, args) in calls.items()}
        out["templates"] = (await client.list_resource_templates()).resource_templates
        out["resources"] = (await client.list_resources()).resources
        out["turtle"] = await client.read_resource("aims-graph://describe/turtle?iri=A.6.2.4")
        out["jsonld"] = await client.read_resource(
            "aims-graph://describe/jsonld?iri=https%3A%2F%2Fexample.org%2Fbrightline%2Frisk-01"
        )
        try:
            await client.read_resource("aims-graph://describe/turtle?iri=https%3A%2F%2Fexample.org%2Fnothing")
        except MCPError as exc:
            out["missing"] = str(exc)
        return out

    return in_session(server_params(*example_args(resources.GAPS_EXAMPLE)), scenario)


def reference_report(example: str) -> dict[str, Any]:
    store = OxigraphStore()
    ensure_reference_graphs(store)
    store.load(resources.example_file(example))
    return validate_store(store, engine="auto").to_json()


def test_validate_answers_by_clause_as_the_library_does(gaps_answers: dict[str, Any]) -> None:
    content = gaps_answers["validate"].structured_content
    reference = reference_report(resources.GAPS_EXAMPLE)
    assert content["conforms"] is False
    assert content["results"] == reference["results"]
    by_clause = {entry["clause"]: entry for entry in content["byClause"]}
    failing = {c for r in reference["results"] for c in r["clauses"]}
    assert {c for c, entry in by_clause.items() if not entry["conforms"]} == failing
    assert any(entry["conforms"] for entry in by_clause.values()), "checked clauses without findings are listed too"
    assert by_clause["6.1.3"]["iri"] == "https://w3id.org/aims-graph/iso42001/6-1-3"
    assert by_clause["6.1.3"]["violations"] == sum(
        1 for r in reference["results"] if "6.1.3" in r["clauses"] and r["severity"].endswith("#Violation")
    )
    assert {r["focus"] for r in reference["results"] if r["focus"].startswith("http")} <= set(content["cited"])


def test_validate_one_clause(gaps_answers: dict[str, Any]) -> None:
    content = gaps_answers["validate-6.1"].structured_content
    assert content["clause"] == "6.1"
    assert content["byClause"] and all(e["clause"].startswith("6.1.") for e in content["byClause"])
    assert all(any(c.startswith("6.1") for c in r["clauses"]) for r in content["results"])
    assert gaps_answers["validate-bad"].is_error
    assert "Z.9" in gaps_answers["validate-bad"].content[0].text


def test_validate_on_the_conformant_example() -> None:
    async def scenario(client: Client) -> Any:
        return await client.call_tool("validate", {})

    result = in_session(server_params(*example_args(resources.CONFORMANT_EXAMPLE)), scenario)
    assert result.structured_content["conforms"] is True
    assert result.structured_content["results"] == []
    assert all(entry["conforms"] for entry in result.structured_content["byClause"])


def test_lookup_a_control_gives_its_mappings_and_what_covers_it(gaps_answers: dict[str, Any]) -> None:
    content = gaps_answers["lookup-control"].structured_content
    [entry] = content["entries"]
    assert entry["iri"] == "https://w3id.org/aims-graph/iso42001/A-6-2-4"
    assert entry["notation"] == "A.6.2.4" and entry["label"] and entry["definition"]
    assert {m["direction"] for m in entry["mappings"]} == {"to"}
    assert any(m["target"].startswith("http://data.europa.eu/eli/reg/2024/1689/") for m in entry["mappings"])
    treatments = {c["item"] for c in entry["coveredBy"] if c["kind"] == "treatment"}
    risks = golden(resources.GAPS_EXAMPLE, "risks-for-control")
    if risks["params"]["control"] == entry["iri"]:
        assert treatments == {b["treatment"]["value"] for b in risks["results"]["results"]["bindings"]}
    assert treatments and treatments <= set(content["cited"])
    assert {m["mapping"] for m in entry["mappings"]} <= set(content["cited"])


def test_lookup_an_article_reaches_the_controls_mapped_to_it(gaps_answers: dict[str, Any]) -> None:
    content = gaps_answers["lookup-article"].structured_content
    [entry] = content["entries"]
    assert entry["iri"] == "http://data.europa.eu/eli/reg/2024/1689/art_9"
    assert entry["mappings"] and {m["direction"] for m in entry["mappings"]} == {"from"}
    sources = {m["source"] for m in entry["mappings"]}
    assert entry["coveredBy"] and all(
        c["via"].startswith("https://w3id.org/aims-graph/iso42001/") for c in entry["coveredBy"]
    )
    assert sources <= set(content["cited"])


def test_lookup_by_label_curie_and_nothing(gaps_answers: dict[str, Any]) -> None:
    by_label = gaps_answers["lookup-label"].structured_content
    assert [e["notation"] for e in by_label["entries"]] == ["A.6.2.4"]
    by_curie = gaps_answers["lookup-curie"].structured_content
    assert [e["iri"] for e in by_curie["entries"]] == ["https://w3id.org/aims-graph/nist-ai-rmf/GOVERN-1-2"]
    assert gaps_answers["lookup-none"].is_error
    assert "no catalogue entry" in gaps_answers["lookup-none"].content[0].text


def test_sparql_answers_and_cites(gaps_answers: dict[str, Any]) -> None:
    select = gaps_answers["select"].structured_content
    assert set(select["cited"]) == iris_in(select["results"]) and select["cited"]
    construct = gaps_answers["construct"].structured_content
    assert "aims:Risk" in construct["turtle"]
    assert "https://w3id.org/aims-graph/ontology#Risk" in construct["cited"]
    assert gaps_answers["syntax"].is_error and "syntax" in gaps_answers["syntax"].content[0].text.lower()
    assert gaps_answers["bad-param"].is_error and "not an iri" in gaps_answers["bad-param"].content[0].text.lower()
    assert gaps_answers["extra-param"].is_error and "no parameter x" in gaps_answers["extra-param"].content[0].text


def test_parameters_take_notations_as_the_cli_does(gaps_answers: dict[str, Any]) -> None:
    by_notation = gaps_answers["by-notation"].structured_content
    assert by_notation["results"] == gaps_answers["by-iri"].structured_content["results"]
    assert by_notation["results"]["results"]["bindings"]
    assert "https://w3id.org/aims-graph/iso42001/A-6-2-4" in by_notation["cited"]


def test_a_new_query_file_is_a_new_tool_from_its_header() -> None:
    text = (
        "#+ summary: Systems at a lifecycle stage since a date.\n"
        "#+ params: stage (iri), since (date), limit (integer), strict (boolean)\n"
        "#+ returns: system, stage, since, limit, strict\n"
        "SELECT ?system ?stage ?since ?limit ?strict WHERE { ?system ?p ?stage }\n"
    )
    tool = query_tool(parse_header("systems-at-stage", text))
    assert tool.name == "systems-at-stage"
    assert tool.description is not None and tool.description.startswith("Systems at a lifecycle stage since a date.")
    assert tool.input_schema["required"] == ["stage", "since", "limit", "strict"]
    assert {k: v["type"] for k, v in tool.input_schema["properties"].items()} == {
        "stage": "string",
        "since": "string",
        "limit": "integer",
        "strict": "boolean",
    }
    assert tool.input_schema["properties"]["since"]["format"] == "date"


def test_records_and_catalogue_entries_as_resources(gaps_answers: dict[str, Any]) -> None:
    templates = {t.uri_template: t.mime_type for t in gaps_answers["templates"]}
    assert templates == {
        "aims-graph://describe/turtle{?iri}": "text/turtle",
        "aims-graph://describe/jsonld{?iri}": "application/ld+json",
    }
    listed = {r.name for r in gaps_answers["resources"]}
    assert {"A.6.2.4", "6.1.3", "Art. 9", "GOVERN 1.2"} <= listed
    [turtle] = gaps_answers["turtle"].contents
    assert turtle.mime_type == "text/turtle" and "iso42001:A-6-2-4" in turtle.text
    [jsonld] = gaps_answers["jsonld"].contents
    parsed = json.loads(jsonld.text)
    assert "https://example.org/brightline/risk-01" in json.dumps(parsed)
    assert "nothing is known" in gaps_answers["missing"]


# ------------------------------------------------------------------------------------------- the CLI


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, "-m", "aims_graph.cli", "mcp", *args], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "examples/gaps-org.ttl", "--store", "/tmp/x"], "not several"),
        (["--data", "no-such-file.ttl"], "no-such-file.ttl"),
        (["--store", "/nonexistent/aims-store"], "no store at"),
        (["--query-timeout", "0"], "--query-timeout"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


# -------------------------------------------------------------------------------------- streamable HTTP


@pytest.fixture
def http_server() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    args = ["mcp", "--http", "--port", str(port), *example_args(resources.GAPS_EXAMPLE)]
    process = subprocess.Popen(
        [sys.executable, "-m", "aims_graph.cli", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the MCP HTTP server did not start: {process.stderr}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_streamable_http_on_loopback(http_server: str) -> None:
    async def scenario(client: Client) -> dict[str, Any]:
        tools = await client.list_tools()
        params = golden(resources.GAPS_EXAMPLE, "controls-for-risk")["params"]
        answer = await client.call_tool("controls-for-risk", params)
        refused = await client.call_tool("sparql", {"query": "CLEAR ALL"})
        return {"tools": {t.name for t in tools.tools}, "answer": answer, "refused": refused}

    out = in_session(http_server, scenario)
    assert out["tools"] == set(named_queries()) | BUILT_IN
    expected = golden(resources.GAPS_EXAMPLE, "controls-for-risk")
    assert out["answer"].structured_content["results"] == expected["results"]
    assert out["refused"].is_error and "CLEAR is not allowed" in out["refused"].content[0].text


# ------------------------------------------------------------------------------ other stores: disk, endpoint


def test_serves_an_on_disk_store_read_only(tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    loaded = subprocess.run(
        [
            sys.executable,
            "-m",
            "aims_graph.cli",
            "load",
            "--store",
            str(store),
            str(resources.example_file("gaps-org")),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr
    before = sorted((p.name, p.stat().st_size) for p in store.iterdir() if p.name != "LOCK")

    async def scenario(client: Client) -> dict[str, Any]:
        return {
            "answer": await client.call_tool("untreated-risks", {}),
            "validate": await client.call_tool("validate", {"clause": "6.1.3"}),
        }

    out = in_session(server_params("--store", str(store)), scenario)
    assert out["answer"].structured_content["results"] == golden(resources.GAPS_EXAMPLE, "untreated-risks")["results"]
    assert out["validate"].structured_content["conforms"] is False
    assert sorted((p.name, p.stat().st_size) for p in store.iterdir() if p.name != "LOCK") == before


@pytest.fixture
def endpoint(oxigraph_server: OxigraphServer) -> Iterator[str]:
    """The gaps example on a real `oxigraph serve`, emptied again afterwards."""
    store = SparqlEndpointStore(oxigraph_server.query, oxigraph_server.update, oxigraph_server.store)
    for graph in store.graphs():
        store.drop(graph.name)
    ensure_reference_graphs(store)
    store.load(resources.example_file(resources.GAPS_EXAMPLE))
    yield oxigraph_server.query
    for graph in store.graphs():
        store.drop(graph.name)


def test_serves_a_sparql_endpoint(endpoint: str) -> None:
    names = ["controls-for-risk", "statement-of-applicability", "untreated-risks"]

    async def scenario(client: Client) -> dict[str, Any]:
        out = {name: await client.call_tool(name, golden(resources.GAPS_EXAMPLE, name)["params"]) for name in names}
        out["validate"] = await client.call_tool("validate", {})
        out["refused"] = await client.call_tool("sparql", {"query": "DROP ALL"})
        return out

    out = in_session(server_params("--endpoint", endpoint), scenario)
    for name in names:
        assert out[name].structured_content["results"] == golden(resources.GAPS_EXAMPLE, name)["results"], name
    assert out["validate"].structured_content["results"] == reference_report(resources.GAPS_EXAMPLE)["results"]
    assert out["refused"].is_error and "DROP is not allowed" in out["refused"].content[0].text
