"""The MCP server: one tool per named query plus validate, lookup and sparql; resources by IRI.

Tools are built from the named queries' headers when the server starts, so a new queries/*.rq file is a new
tool without code. Blocking work runs in threads, never on the event loop; errors the user can fix come back
as tool results marked as errors, with the one-line message the CLI would print.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from .. import __version__
from ..errors import AimsGraphError, ParameterError
from ..queries import NamedQuery, named_queries
from . import answers
from .answers import Answer
from .graph import ReadOnlyGraph

RESOURCE_PREFIX = "aims-graph://describe/"
BUILT_IN = ("validate", "lookup", "sparql")

_IRI_HELP = "an IRI, a CURIE (iso42001:A-6-2-4) or a notation (A.6.2.4, Art. 9, GOVERN 1.2)"
_KIND_SCHEMA: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "description": _IRI_HELP},
    "string": {"type": "string", "description": "text"},
    "integer": {"type": "integer", "description": "a whole number"},
    "decimal": {"type": "number", "description": "a number"},
    "boolean": {"type": "boolean", "description": "true or false"},
    "date": {"type": "string", "format": "date", "description": "a date, YYYY-MM-DD"},
}
_CITED = {"type": "array", "items": {"type": "string"}, "description": "the IRIs the answer rests on"}
_READ_ONLY = types.ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def _object(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def query_tool(query: NamedQuery) -> types.Tool:
    """A named query as a tool: its summary, its typed parameters, its columns."""
    properties = {
        p.name: {**_KIND_SCHEMA[p.kind], "description": f"{p.name}: {_KIND_SCHEMA[p.kind]['description']}"}
        for p in query.params
    }
    description = f"{query.summary} Columns: {', '.join(query.returns)}."
    output = {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "summary": {"type": "string"},
            "params": {"type": "object"},
            "results": {"type": "object", "description": "SPARQL 1.1 Query Results JSON"},
            "cited": _CITED,
        },
        "required": ["query", "results", "cited"],
    }
    return types.Tool(
        name=query.name,
        description=description,
        input_schema=_object(properties, [p.name for p in query.params]),
        output_schema=output,
        annotations=_READ_ONLY,
    )


def built_in_tools() -> list[types.Tool]:
    frameworks = list(answers.FRAMEWORKS)
    return [
        types.Tool(
            name="validate",
            title="Conformance by clause",
            description=(
                "Checks the organisation's records against the ISO/IEC 42001 conformance rules (SHACL shapes) and "
                "answers by clause: every clause or control a rule enforces, whether it conforms, and each finding "
                "with its record, message and clauses. Give a clause (6.1.3, A.6.2.4, or 6 for all of clause 6) to "
                "see that part only."
            ),
            input_schema=_object(
                {"clause": {"type": "string", "description": "optional: a clause or control, " + _IRI_HELP}}, []
            ),
            output_schema={
                "type": "object",
                "properties": {
                    "conforms": {"type": "boolean"},
                    "byClause": {"type": "array", "items": {"type": "object"}},
                    "results": {"type": "array", "items": {"type": "object"}},
                    "cited": _CITED,
                },
                "required": ["conforms", "byClause", "results", "cited"],
            },
            annotations=_READ_ONLY,
        ),
        types.Tool(
            name="lookup",
            title="Catalogue lookup",
            description=(
                "Finds an entry of ISO/IEC 42001, the EU AI Act, NIST AI RMF or ISO/IEC 27001 by notation "
                "(A.6.2.4, 6.1.3, Art. 9, GOVERN 1.2), label words, CURIE or IRI, and answers what it is (our own "
                "summary, never the standard's text), how it maps to the other frameworks, and what in the "
                "organisation's records covers it (treatments, Statement of Applicability entries, evidence)."
            ),
            input_schema=_object(
                {
                    "entry": {"type": "string", "description": "a notation, label words, CURIE or IRI"},
                    "framework": {"type": "string", "enum": frameworks, "description": "optional: search one only"},
                },
                ["entry"],
            ),
            output_schema={
                "type": "object",
                "properties": {"entries": {"type": "array", "items": {"type": "object"}}, "cited": _CITED},
                "required": ["entries", "cited"],
            },
            annotations=_READ_ONLY,
        ),
        types.Tool(
            name="sparql",
            title="Read-only SPARQL",
            description=(
                "Runs a SPARQL 1.1 query over the whole graph (the ontology, the catalogues and the organisation's "
                "records; prefixes aims:, iso42001:, skos: must be declared). Read-only: updates, LOAD and SERVICE "
                "are refused, and a query past the time limit or the row cap is stopped. SELECT and ASK answer in "
                "SPARQL JSON results, CONSTRUCT and DESCRIBE in Turtle. Prefer the named-query tools when one fits."
            ),
            input_schema=_object({"query": {"type": "string", "description": "the SPARQL query"}}, ["query"]),
            output_schema={
                "type": "object",
                "properties": {"results": {"type": "object"}, "turtle": {"type": "string"}, "cited": _CITED},
                "required": ["cited"],
            },
            annotations=_READ_ONLY,
        ),
    ]


def all_tools() -> list[types.Tool]:
    """The built-in tools, then one per named query; a named query may not take a built-in's name."""
    clash = sorted(set(BUILT_IN) & set(named_queries()))
    if clash:
        raise ParameterError(f"named queries may not be called {', '.join(clash)}: that is a built-in tool")
    return built_in_tools() + [query_tool(q) for q in named_queries().values()]


def _text_argument(arguments: Mapping[str, Any], name: str, required: bool) -> str | None:
    value = arguments.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ParameterError(f"{name!r} needs a string")
    return value


def answer_tool(graph: ReadOnlyGraph, name: str, arguments: Mapping[str, Any]) -> Answer:
    """The answer of one tool call; runs in a worker thread."""
    allowed = {"validate": {"clause"}, "lookup": {"entry", "framework"}, "sparql": {"query"}}.get(name)
    if allowed is not None and set(arguments) - allowed:
        unknown = ", ".join(sorted(set(arguments) - allowed))
        raise ParameterError(f"{name} has no parameter {unknown}; valid: {', '.join(sorted(allowed))}")
    if name == "validate":
        return answers.validate(graph, _text_argument(arguments, "clause", False))
    if name == "lookup":
        entry = _text_argument(arguments, "entry", True)
        assert entry is not None
        return answers.lookup(graph, entry, _text_argument(arguments, "framework", False))
    if name == "sparql":
        query = _text_argument(arguments, "query", True)
        assert query is not None
        return answers.sparql(graph, query)
    return answers.named_query(graph, name, arguments)


def resource_uri(iri: str, fmt: str = "turtle") -> str:
    return RESOURCE_PREFIX + fmt + "?" + urllib.parse.urlencode({"iri": iri})


def parse_resource_uri(uri: str) -> tuple[str, str]:
    """(IRI, format) from aims-graph://describe/{turtle|jsonld}?iri=..."""
    if not uri.startswith(RESOURCE_PREFIX):
        raise ParameterError(f"unknown resource {uri!r}: resources are {RESOURCE_PREFIX}turtle?iri=IRI (or jsonld)")
    parts = urllib.parse.urlsplit(uri)
    fmt = parts.path.strip("/")
    iris = urllib.parse.parse_qs(parts.query).get("iri", [])
    if len(iris) != 1:
        raise ParameterError(f"resource {uri!r} needs exactly one iri= parameter")
    return iris[0], fmt


def build_server(graph: ReadOnlyGraph) -> Server[Any]:
    """The low-level SDK server over one graph: tools and resources are computed here, not declared."""
    tools = all_tools()
    known = {tool.name for tool in tools}

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        if params.name not in known:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool {params.name!r}")
        try:
            answer = await anyio.to_thread.run_sync(partial(answer_tool, graph, params.name, params.arguments or {}))
        except AimsGraphError as exc:
            return types.CallToolResult(
                content=[types.TextContent(text=f"error: {exc}")],
                structured_content={"error": str(exc), "kind": type(exc).__name__},
                is_error=True,
            )
        return types.CallToolResult(
            content=[types.TextContent(text=answer.headline), types.TextContent(text=answer.text())],
            structured_content=answer.content,
        )

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        entries = await anyio.to_thread.run_sync(partial(answers.catalogue_entries, graph))
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=resource_uri(entry["entry"]),
                    name=entry.get("notation", entry["entry"]),
                    title=" ".join(filter(None, [entry.get("notation"), entry.get("label")])),
                    description=entry.get("framework"),
                    mime_type="text/turtle",
                )
                for entry in entries
            ]
        )

    async def list_templates(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    name=f"resource-{fmt}",
                    title=f"Any catalogue entry or record, as {'Turtle' if fmt == 'turtle' else 'JSON-LD'}",
                    uri_template=RESOURCE_PREFIX + fmt + "{?iri}",
                    description=f"What the graph says about an IRI and what points at it; iri is {_IRI_HELP}.",
                    mime_type=media,
                )
                for fmt, (media, _format) in answers.RESOURCE_FORMATS.items()
            ]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        try:
            iri, fmt = parse_resource_uri(params.uri)
            media, text = await anyio.to_thread.run_sync(partial(answers.describe, graph, iri, fmt))
        except AimsGraphError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=params.uri, mime_type=media, text=text)]
        )

    where = (
        "the bundled example organisation (Northwind), not real data"
        if graph.example
        else "the organisation's AI management system records"
    )
    instructions = (
        f"Answers questions about ISO/IEC 42001 and {where}, with proof: every answer lists in `cited` the IRIs "
        "it rests on; cite them. Use lookup for a clause, control or article, the named-query tools for "
        "traceability questions, validate for conformance by clause, and sparql only when nothing else fits."
    )
    return Server(
        "aims-graph",
        version=__version__,
        title="aims-graph: ISO/IEC 42001 knowledge graph",
        instructions=instructions,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


def serve_stdio(graph: ReadOnlyGraph) -> None:
    """Serve one client over standard input and output until it disconnects."""
    server = build_server(graph)

    async def main() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    anyio.run(main)


def serve_http(graph: ReadOnlyGraph, host: str, port: int) -> None:
    """Serve streamable HTTP at http://host:port/mcp (loopback by default, with DNS-rebinding protection)."""
    import uvicorn

    app = build_server(graph).streamable_http_app(host=host)
    uvicorn.run(app, host=host, port=port, log_level="warning")
