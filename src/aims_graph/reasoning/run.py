"""Runs the compiled rules inside a store, embedded or remote, and checks the result for consistency.

Only rule texts travel to the store and only clashes come back: the data is never copied out. The rules read
every graph of the store (the union on embedded Oxigraph; on a server, the graphs named with ``USING``, or its
default graph where that is the union) and write the inferred graph; an inconsistent run removes it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..answers import Rows, Triples, display
from ..errors import QuerySyntaxError, StoreError, UserInputError
from ..namespaces import GRAPH_BASE, INFERRED_GRAPH, PREFIXES
from ..store import OxigraphStore, Store, ensure_reference_graphs
from .rules import Program, Rule, compile_schema, name, template
from .schema import Schema, read_schema

AnyStore = Store
Cell = ox.NamedNode | ox.BlankNode | ox.Literal | None

PENDING_GRAPH = GRAPH_BASE + "inferred-pending"
MAX_ROUNDS = 100
BATCH = 40
"""Rules sent in one update request: fewer round trips, while a remote request stays well under its time limit."""
EXPLAINED_NODES = 50
"""Clashing nodes whose asserted facts are fetched to say why they clash; the rest are named only."""


@dataclass(frozen=True)
class Clash:
    """One inconsistency the checks found, with the nodes involved."""

    kind: str  # disjoint | functional | datatype
    nodes: tuple[str, ...]
    message: str


@dataclass
class RulesResult:
    consistent: bool
    inferred: int = 0
    clashes: list[Clash] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    seconds: float = 0.0
    triples_in: int = 0
    rounds: int = 0
    triples: list[ox.Triple] = field(default_factory=list)
    """The inferred triples themselves, only when the caller asked for them (``collect``)."""

    @property
    def explanation(self) -> list[str]:
        return sorted({c.message for c in self.clashes})


# ------------------------------------------------------------------------------------------ ordering


def _feeds(writer: Rule, reader: Rule) -> bool:
    """Whether ``reader`` can find something new in what ``writer`` wrote (closures already folded in)."""
    if reader.family == "subclass":
        return False  # every rule that writes a type also writes all of its named superclasses
    if writer.family == "property" and reader.family in ("property", "usage"):
        return False  # property closures and the classes of subjects and objects cover the derived values
    if writer.family == "class" and reader.family == "value" and reader.value_key in writer.implied_values:
        return False
    return bool(writer.writes & reader.reads)


def order(rules: list[Rule]) -> list[list[Rule]]:
    """Groups of rules that feed each other, in an order where each group runs after every group it reads."""
    n = len(rules)
    edges = [[j for j in range(n) if _feeds(rules[i], rules[j])] for i in range(n)]
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components: list[list[int]] = []
    counter = [0]

    def connect(v: int) -> None:  # Tarjan's strongly connected components (the rule graph is small)
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            components.append(sorted(component))

    for v in range(n):
        if v not in index:
            connect(v)
    components.reverse()  # Tarjan finds sinks first
    return [[rules[i] for i in c] for c in components]


def loops(group: list[Rule]) -> bool:
    return len(group) > 1 or _feeds(group[0], group[0])


# ------------------------------------------------------------------------------------------ running


def _count(store: AnyStore, graph: str) -> int:
    answer = store.query(template("count.rq").substitute(target=f"<{graph}>"))
    assert isinstance(answer, Rows)
    value = answer.rows[0][0] if answer.rows else None
    return int(value.value) if isinstance(value, ox.Literal) else 0


def data_graphs(store: AnyStore) -> list[str]:
    return [g.name for g in store.graphs() if g.name not in (INFERRED_GRAPH, PENDING_GRAPH)]


def load_schema(store: AnyStore, graphs: list[str] | None) -> Schema:
    answer = store.query(template("schema.rq").template, default_graphs=graphs)
    assert isinstance(answer, Triples)
    return read_schema(answer.triples)


def compile_store(store: AnyStore) -> Program:
    """The rules for the ontology the store holds."""
    return compile_schema(load_schema(store, data_graphs(store)))


def reason_in_store(store: AnyStore, publish: bool = True, collect: bool = False) -> RulesResult:
    """Materialise what the rules entail and check consistency, all inside the store.

    With ``publish`` the inferred graph is rebuilt in place: dropped first (its old triples must not pass for
    data), filled by the rules, and dropped again if the data turns out inconsistent. Without it the rules
    write to a scratch graph that is dropped at the end, and the store is left as it was; with ``collect``
    the inferred triples come back in the result (for a file).
    """
    started = time.perf_counter()
    infos = [g for g in store.graphs() if g.name not in (INFERRED_GRAPH, PENDING_GRAPH)]
    graphs = [g.name for g in infos]
    stale = not publish and any(g.name == INFERRED_GRAPH for g in store.graphs())
    work = INFERRED_GRAPH if publish else PENDING_GRAPH
    store.update(template("drop.ru").substitute(graph=f"<{PENDING_GRAPH}>"))
    store.update(template("drop.ru").substitute(graph=f"<{work}>"))
    runner = _Runner(store, graphs, stale, work)
    program = compile_schema(load_schema(store, runner.everything))
    keep = False
    try:
        rounds = 0
        batch: list[Rule] = []
        for group in order(program.rules):
            if not loops(group):
                batch.append(group[0])
                if len(batch) >= BATCH:
                    rounds += runner.apply(batch)
                continue
            rounds += runner.apply(batch)
            before = _count(store, work)
            for _ in range(MAX_ROUNDS):
                rounds += runner.apply(list(group))
                after = _count(store, work)
                if after == before:
                    break
                before = after
            else:
                raise StoreError(f"the rules did not reach a fixpoint in {MAX_ROUNDS} rounds")
        rounds += runner.apply(batch)
        result = RulesResult(True, unsupported=program.unsupported, rounds=rounds)
        result.triples_in = sum(g.triples for g in infos)
        _check(store, program, runner.everything, runner.asserted, result)
        result.consistent = not result.clashes
        if result.consistent:
            result.inferred = _count(store, work)
            if collect:
                answer = store.query(template("pending.rq").substitute(target=f"<{work}>"))
                assert isinstance(answer, Triples)
                result.triples = sorted(answer.triples, key=str)
        keep = result.consistent and publish
    finally:
        if not keep:
            store.update(template("drop.ru").substitute(graph=f"<{work}>"))
    result.seconds = time.perf_counter() - started
    return result


class _Runner:
    """How rules reach the store, and which graphs they and the checks read.

    Embedded Oxigraph: each rule is a CONSTRUCT over the union of the graphs, its answer added to the graph
    being written in one transaction (an update cannot use the union, and naming every graph makes each lookup one per
    graph: several times slower). A server: updates that name the graphs with USING, or, where the server's
    default graph is the union and it refuses USING, updates on that default graph.
    """

    def __init__(self, store: AnyStore, graphs: list[str], stale: bool, work: str) -> None:
        self.store = store
        self.work = work
        named = [*graphs, work]
        self.asserted: list[str] | None = graphs
        self.using = ""
        if store.in_process:
            self.everything: list[str] | None = named if stale else None
        elif _takes_using(store):
            self.using = "\n".join(f"USING <{g}>" for g in named)
            self.everything = named
        else:
            if stale:
                raise UserInputError(
                    "this server reads only the union of its graphs, which holds the inferred graph of an "
                    "earlier run: reason in place (without --out), or drop that graph first"
                )
            self.everything = self.asserted = None

    def apply(self, rules: list[Rule]) -> int:
        """Run rules in order; empties ``rules``; the number of requests it took."""
        if not rules:
            return 0
        requests = 0
        if self.store.in_process:
            for rule in rules:
                for text in rule.constructs():
                    answer = self.store.query(text, default_graphs=self.everything)
                    assert isinstance(answer, Triples)
                    if answer.triples:
                        self.store.add_triples(self.work, answer.triples)
                    requests += 1
        else:
            target = f"<{self.work}>"
            self.store.update(" ;\n".join(rule.update(self.using, target) for rule in rules))
            requests = 1
        rules.clear()
        return requests


def _takes_using(store: AnyStore) -> bool:
    try:
        store.update(template("probe.ru").substitute(graph=f"<{PENDING_GRAPH}>"))
    except QuerySyntaxError:
        return False
    return True


# ------------------------------------------------------------------------------------------ checks


def _show(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    if isinstance(term, ox.Literal):
        return str(term)
    return display(term, PREFIXES) if term is not None else ""


def _select(
    store: AnyStore, text: str, graphs: list[str] | None
) -> list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | None, ...]]:
    answer = store.query(text, default_graphs=graphs)
    assert isinstance(answer, Rows)
    return [tuple(c if not isinstance(c, ox.Triple) else None for c in row) for row in answer.rows]


def _check(
    store: AnyStore, program: Program, everything: list[str] | None, asserted: list[str] | None, result: RulesResult
) -> None:
    disjoint_rows: list[tuple[ox.NamedNode | ox.BlankNode, str, str]] = []
    text = _disjoint_check(store, program, everything)
    for node, first, second in _select(store, text, everything) if text else []:
        assert isinstance(node, ox.NamedNode | ox.BlankNode)
        disjoint_rows.append((node, first.value, second.value))  # type: ignore[union-attr]
    functional_rows: list[tuple[Cell, str, Cell, Cell]] = []
    for check in program.checks:
        for row in _select(store, check.text, everything):
            if check.kind == "functional":
                node, prop, a, b = row
                if prop is not None:
                    functional_rows.append((node, prop.value, a, b))
            else:
                node, prop, value = row
                p = name(prop.value)  # type: ignore[union-attr]
                result.clashes.append(
                    Clash(
                        "datatype",
                        (_show(node),),
                        f"{_show(node)} has {p} {_show(value)}, but the range of {p} is {name(check.datatype or '')}",
                    )
                )
    _disjoint_clashes(store, program, disjoint_rows, asserted, result)
    _functional_clashes(store, program, functional_rows, everything, result)


def _disjoint_check(store: AnyStore, program: Program, graphs: list[str] | None) -> str | None:
    """The disjointness query for the classes that have members, each pair starting from its smaller class."""
    counts: dict[str, int] = {}
    for cls, members in _select(store, template("class-counts.rq").template, graphs):
        if isinstance(cls, ox.NamedNode) and isinstance(members, ox.Literal):
            counts[cls.value] = int(members.value)
    pairs = set()
    for d in program.disjoint:
        if counts.get(d.first) and counts.get(d.second):
            pairs.add((d.first, d.second) if counts[d.first] <= counts[d.second] else (d.second, d.first))
    if not pairs:
        return None
    rows = " ".join(f"(<{a}> <{b}>)" for a, b in sorted(pairs))
    return template("check-disjoint.rq").substitute(pairs=rows)


def _facts(
    store: AnyStore, nodes: list[ox.NamedNode | ox.BlankNode], graphs: list[str] | None
) -> dict[str, dict[str, set[str]]]:
    """node -> kind (type, subject, object) -> IRIs, for a few nodes."""
    facts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    named = [n for n in nodes if isinstance(n, ox.NamedNode)][:EXPLAINED_NODES]
    if not named:
        return facts
    text = template("node-facts.rq").substitute(nodes=" ".join(str(n) for n in named))
    for node, kind, found in _select(store, text, graphs):
        if node is not None and kind is not None and isinstance(found, ox.NamedNode):
            facts[node.value][kind.value].add(found.value)
    return facts


def _why(program: Program, cls: str, facts: dict[str, set[str]]) -> str:
    if cls in facts.get("type", set()):
        return "asserted"
    for asserted in sorted(facts.get("type", set())):
        if cls in program.ancestors(asserted):
            return f"{name(asserted)} (asserted)"
    for prop in sorted(facts.get("subject", set())):
        if cls in program.subject_classes.get(prop, ()):
            return f"implied by using {name(prop)} (rdfs:domain)"
    for prop in sorted(facts.get("object", set())):
        if cls in program.object_classes.get(prop, ()):
            return f"implied as a value of {name(prop)} (rdfs:range)"
    return "inferred from a class definition"


def _disjoint_clashes(
    store: AnyStore,
    program: Program,
    rows: list[tuple[ox.NamedNode | ox.BlankNode, str, str]],
    asserted: list[str] | None,
    result: RulesResult,
) -> None:
    if not rows:
        return
    axioms: dict[frozenset[str], list[str]] = defaultdict(list)
    for d in program.disjoint:
        axioms[frozenset({d.first, d.second})].append(d.axiom)
    facts = _facts(store, sorted({node for node, _, _ in rows}, key=str), asserted)
    for node, first, second in rows:
        shown = _show(node)
        node_facts = facts.get(node.value, {}) if isinstance(node, ox.NamedNode) else {}
        parts = "; ".join(f"{name(c)}: {_why(program, c, node_facts)}" for c in sorted((first, second), key=name))
        for axiom in sorted(set(axioms[frozenset({first, second})])):
            result.clashes.append(
                Clash("disjoint", (shown,), f"{shown} is in disjoint classes ({parts}); axiom: {axiom}")
            )


def _functional_clashes(
    store: AnyStore,
    program: Program,
    rows: list[tuple[Cell, str, Cell, Cell]],
    everything: list[str] | None,
    result: RulesResult,
) -> None:
    values: dict[tuple[str, str], set[ox.NamedNode | ox.BlankNode | ox.Literal]] = defaultdict(set)
    candidates: list[tuple[ox.NamedNode | ox.BlankNode, str, ox.NamedNode, ox.NamedNode]] = []
    for node, prop, a, b in rows:
        if not isinstance(node, ox.NamedNode | ox.BlankNode):
            continue
        key = (_show(node), prop)
        if isinstance(a, ox.Literal) and isinstance(b, ox.Literal):
            values[key] |= {a, b}
        elif isinstance(a, ox.NamedNode) and isinstance(b, ox.NamedNode):
            candidates.append((node, prop, a, b))
    for (shown_node, prop), found in values.items():
        shown = ", ".join(sorted(_show(v) for v in found))
        result.clashes.append(
            Clash(
                "functional",
                (shown_node,),
                f"{shown_node} has several values for the functional property {name(prop)}: {shown}",
            )
        )
    if not candidates:
        return
    involved = sorted({v for _, _, a, b in candidates for v in (a, b)}, key=str)
    types = _facts(store, list(involved), everything)
    different = set(program.different)
    text = template("different.rq").substitute(nodes=" ".join(str(n) for n in involved[:EXPLAINED_NODES]))
    for first, second in _select(store, text, everything):
        if first is not None and second is not None:
            different.add(frozenset({first.value, second.value}))
    disjoint = {frozenset({d.first, d.second}) for d in program.disjoint}
    seen: set[tuple[str, str, frozenset[str]]] = set()
    for node, prop, a, b in candidates:
        pair = frozenset({a.value, b.value})
        if (node.value, prop, pair) in seen:
            continue
        seen.add((node.value, prop, pair))
        ta = types.get(a.value, {}).get("type", set())
        tb = types.get(b.value, {}).get("type", set())
        known_different = pair in different or any(frozenset({x, y}) in disjoint for x in ta for y in tb)
        shown = ", ".join(sorted(_show(v) for v in (a, b)))
        if known_different:
            result.clashes.append(
                Clash(
                    "functional",
                    (_show(node),),
                    f"{_show(node)} has several values for the functional property {name(prop)}: {shown}",
                )
            )
        else:
            result.warnings.append(
                f"{_show(node)} has two values for the functional property {name(prop)} ({shown}): HermiT would "
                "take them for one individual; the rules do not (run --engine hermit for the consequences)"
            )


def reference_program(store: AnyStore | None = None) -> Program:
    """The rules for the store's ontology, or for the bundled one when no store is given."""
    if store is not None:
        return compile_store(store)
    reference = OxigraphStore()
    ensure_reference_graphs(reference)
    return compile_store(reference)
