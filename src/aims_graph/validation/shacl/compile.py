"""Each constraint of each shape compiled to one SELECT over all focus nodes that returns the violations.

A check query has the form ``SELECT DISTINCT ?this ... WHERE { FOCUS VIOLATION }``: FOCUS is a sub-select that
binds ``?this`` to every focus node of the shape (its targets, or the value nodes of the shape above it), and
VIOLATION a pattern that has a solution for each validation result. Violation patterns are written for a focus
variable that is already bound, by the join with FOCUS at the top of a query or by the substitution of FILTER
(NOT) EXISTS when the same pattern tests conformance for sh:node, sh:not, sh:and, sh:or, sh:xone and qualified
value shapes: "v conforms to S" is ``NOT EXISTS { P1 } && NOT EXISTS { P2 } ...`` over the violation patterns
P of S with v as focus, recursively. Every nested group therefore binds the focus variable itself or reaches
it through EXISTS; nothing relies on evaluation order.

Templates are small named constants; every constant that goes into a query is written by pyoxigraph from a
validated term (terms.term_text), so no value from the shapes graph changes a query's shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from ...errors import ShapesError
from .model import (
    NODE_KINDS,
    ClassOf,
    Closed,
    Constraint,
    Datatype,
    HasValue,
    In,
    LanguageIn,
    Length,
    Logical,
    MaxCount,
    MinCount,
    NodeKind,
    Pattern,
    PropertyPair,
    Qualified,
    Range,
    Shape,
    ShapesModel,
    SparqlConstraint,
    UniqueLang,
)
from .paths import sparql_path
from .prebind import rewrite_select
from .terms import Unsupported, iri_text, term_text

RDF_TYPE = iri_text(RDF.type)
INSTANCE_OF = f"{RDF_TYPE}/{iri_text(RDFS.subClassOf)}*"
"""rdf:type/rdfs:subClassOf*: SHACL instances, as sh:targetClass and sh:class define them."""

CHECK_QUERY = "SELECT DISTINCT {projection} WHERE {{ {body} }}"
FOCUS_QUERY = "{{ SELECT DISTINCT {vars} WHERE {{ {body} }} }}"
COUNT_QUERY = "{{ SELECT {focus} (COUNT(DISTINCT {value}) AS {count}) WHERE {{ {values} }} GROUP BY {focus} }}"

PAIRWISE_LIMIT = 3
"""Counts up to this are tested with distinct-value joins; larger ones with a grouped COUNT."""

CASTABLE = {
    XSD.string, XSD.boolean, XSD.decimal, XSD.integer, XSD.double, XSD.float, XSD.date, XSD.time,
    XSD.dateTime, XSD.duration, XSD.dayTimeDuration, XSD.yearMonthDuration, XSD.gYear, XSD.gYearMonth,
    XSD.gMonth, XSD.gMonthDay, XSD.gDay,
}  # fmt: skip
"""XSD datatypes whose SPARQL cast fails exactly on ill-formed literals (the well-formedness test)."""

NORMALISED = {
    XSD.int, XSD.long, XSD.short, XSD.byte, XSD.nonNegativeInteger, XSD.positiveInteger,
    XSD.negativeInteger, XSD.nonPositiveInteger, XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort,
    XSD.unsignedByte, XSD.dateTimeStamp,
}  # fmt: skip
"""Datatypes Oxigraph replaces on storage (xsd:int becomes xsd:integer, xsd:dateTimeStamp xsd:dateTime;
oxigraph/oxigraph#526): sh:datatype with one of them cannot be checked against stored data."""


@dataclass(frozen=True)
class Check:
    """One query over all focus nodes, for one constraint of one shape."""

    shape: Shape
    constraint: Constraint
    component: Node
    query: str
    value: str | None = None
    """The variable (without ?) holding the result's value, if it has one."""
    path: str | None = None
    """The variable holding the result's path, where it varies by row (sh:closed)."""
    sparql: SparqlConstraint | None = None
    keys: tuple[str, ...] = ()
    """Variables naming the parent focus nodes of a nested property shape: pyshacl validates a value node
    once per parent, and so reports its results once per parent too."""


@dataclass(frozen=True)
class Violation:
    """Patterns that each have a solution per validation result, for a bound focus variable."""

    alternatives: tuple[str, ...]
    value: str | None = None
    path: str | None = None
    extra: tuple[str, ...] = ()
    """Further variables that tell results apart (the compared value of sh:lessThan, the language of
    sh:uniqueLang): one result per distinct row, as pyshacl reports them."""


Focus = Callable[[str], tuple[str, tuple[str, ...]]]
"""A group pattern that binds the given variable to each focus node, once per parent focus node, with the
variables that name those parents (none for shapes with targets)."""


@dataclass
class Compiled:
    checks: list[Check] = field(default_factory=list)
    fallbacks: list[tuple[Shape, str]] = field(default_factory=list)


class _Vars:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, hint: str) -> str:
        self.count += 1
        return f"?_{hint}{self.count}"


def compile_model(model: ShapesModel, regex_ok: Callable[[str, str], bool]) -> Compiled:
    """Checks for every shape with targets; shapes that cannot be compiled are listed with the reason.

    ``regex_ok`` says whether the store's SPARQL engine accepts a pattern with flags (its regex dialect is
    not Python's).
    """
    compiler = _Compiler(model, regex_ok)
    out = Compiled()
    for root in model.roots():
        if root.deactivated:
            continue
        try:
            out.checks += compiler.checks_for(root, compiler.root_focus(root), ())
        except Unsupported as reason:
            out.fallbacks.append((root, str(reason)))
    return out


class _Compiler:
    def __init__(self, model: ShapesModel, regex_ok: Callable[[str, str], bool]) -> None:
        self.model = model
        self.regex_ok = regex_ok
        self.vars = _Vars()

    # -- focus nodes ---------------------------------------------------------------------------------------

    def root_focus(self, shape: Shape) -> Focus:
        targets = shape.targets
        nodes = " ".join(term_text(n) for n in targets.nodes)
        classes = [term_text(c) for c in targets.classes]
        subjects_of = [_iri(p, "sh:targetSubjectsOf") for p in targets.subjects_of]
        objects_of = [_iri(p, "sh:targetObjectsOf") for p in targets.objects_of]

        def focus(var: str) -> tuple[str, tuple[str, ...]]:
            parts = [f"VALUES {var} {{ {nodes} }}"] if nodes else []
            parts += [f"{var} {INSTANCE_OF} {c} ." for c in classes]
            parts += [f"{var} {p} {self.vars('o')} ." for p in subjects_of]
            parts += [f"{self.vars('s')} {p} {var} ." for p in objects_of]
            body = parts[0] if len(parts) == 1 else " UNION ".join(f"{{ {p} }}" for p in parts)
            return FOCUS_QUERY.format(vars=var, body=body), ()

        return focus

    def value_focus(self, shape: Shape, parent: Focus) -> Focus:
        """The value nodes of a property shape as the focus nodes of the shapes below it."""

        def focus(var: str) -> tuple[str, tuple[str, ...]]:
            outer = self.vars("f")
            parent_pattern, parent_keys = parent(outer)
            values, _ = self.values(shape, outer, var)
            keys = (*parent_keys, outer)
            return FOCUS_QUERY.format(vars=" ".join((var, *keys)), body=f"{parent_pattern} {values}"), keys

        return focus

    # -- checks --------------------------------------------------------------------------------------------

    def checks_for(self, shape: Shape, focus: Focus, stack: tuple[Shape, ...]) -> list[Check]:
        if shape.deactivated:
            return []
        if shape.unsupported:
            raise Unsupported(f"{shape.node} uses {shape.unsupported[0]}")
        if shape in stack:
            raise Unsupported(f"{shape.node} is reached again through sh:property (recursive shapes)")
        checks = [c for constraint in shape.constraints if (c := self.check(shape, constraint, focus)) is not None]
        below = self.value_focus(shape, focus) if shape.is_property_shape else focus
        for child in shape.properties:
            checks += self.checks_for(child, below, (*stack, shape))
        return checks

    def check(self, shape: Shape, constraint: Constraint, focus: Focus) -> Check | None:
        if isinstance(constraint, SparqlConstraint):
            return self.sparql_check(shape, constraint, focus)
        violation = self.violation(shape, constraint, "?this", (shape,))
        if not violation.alternatives:
            return None
        focus_pattern, keys = focus("?this")
        names = ("?this", *keys, violation.value, violation.path, *violation.extra)
        projection = " ".join(dict.fromkeys(v for v in names if v))
        branches = [f"{focus_pattern} {alternative}" for alternative in violation.alternatives]
        body = branches[0] if len(branches) == 1 else " UNION ".join(f"{{ {b} }}" for b in branches)
        return Check(
            shape,
            constraint,
            constraint.component,
            CHECK_QUERY.format(projection=projection, body=body),
            value=_name(violation.value),
            path=_name(violation.path),
        )

    def sparql_check(self, shape: Shape, constraint: SparqlConstraint, focus: Focus) -> Check:
        path = sparql_path(shape.path) if shape.path is not None else None
        current = term_text(shape.node) if isinstance(shape.node, URIRef) else None
        focus_pattern, keys = focus("?this")
        query = rewrite_select(constraint.select, constraint.prefixes, focus_pattern, keys, path, current)
        return Check(shape, constraint, constraint.component, query, sparql=constraint, keys=tuple(k[1:] for k in keys))

    # -- value nodes ---------------------------------------------------------------------------------------

    def values(self, shape: Shape, focus: str, var: str | None = None) -> tuple[str, str]:
        """A pattern binding the value nodes of ``shape`` for ``focus``, and their variable."""
        if shape.path is None:
            if var is None:
                return "", focus
            return f"BIND({focus} AS {var})", var
        value = var or self.vars("v")
        return f"{focus} {sparql_path(shape.path)} {value} .", value

    # -- violations ----------------------------------------------------------------------------------------

    def violation(self, shape: Shape, c: Constraint, focus: str, stack: tuple[Shape, ...]) -> Violation:
        if isinstance(c, SparqlConstraint):
            raise Unsupported(f"the SPARQL constraint of {shape.node} is used in a conformance check")
        if isinstance(c, MinCount):
            if c.count == 0:
                return Violation(())
            return Violation((f"FILTER(!{self.at_least(shape, focus, c.count, None, stack)})",))
        if isinstance(c, MaxCount):
            return Violation((f"FILTER({self.at_least(shape, focus, c.count + 1, None, stack)})",))
        if isinstance(c, Qualified):
            if c.bound == "min" and c.count <= 0:
                return Violation(())
            needed = c.count if c.bound == "min" else c.count + 1
            test = self.at_least(shape, focus, needed, c, stack)
            return Violation((f"FILTER({'!' if c.bound == 'min' else ''}{test})",))
        if isinstance(c, HasValue):
            if shape.path is None:
                return Violation((f"FILTER(!sameTerm({focus}, {term_text(c.value)}))",))
            return Violation((f"FILTER NOT EXISTS {{ {focus} {sparql_path(shape.path)} {term_text(c.value)} }}",))
        if isinstance(c, UniqueLang):
            values_a, a = self.values(shape, focus)
            values_b, b = self.values(shape, focus)
            lang = self.vars("lang")
            pattern = (
                f'{values_a} {values_b} FILTER(isLiteral({a}) && isLiteral({b}) && LANG({a}) != "" '
                f"&& !sameTerm({a}, {b}) && LCASE(LANG({a})) = LCASE(LANG({b}))) BIND(LCASE(LANG({a})) AS {lang})"
            )
            return Violation((pattern,), extra=(lang,))
        if isinstance(c, Closed):
            values, value = self.values(shape, focus)
            p, o = self.vars("p"), self.vars("o")
            allowed = ", ".join(term_text(a) for a in sorted(c.allowed))
            pattern = (
                f"{values} {value} {p} {o} . FILTER({p} NOT IN ({allowed})) "
                f"FILTER(!(sameTerm({p}, {RDF_TYPE}) && sameTerm({o}, {iri_text(RDFS.Resource)})))"
            )
            extra = (value,) if shape.path is not None else ()
            return Violation((pattern,), value=o, path=p, extra=extra)
        if isinstance(c, PropertyPair):
            return self.property_pair(shape, c, focus)
        values, value = self.values(shape, focus)
        test = self.value_test(c, value, stack)
        return Violation((f"{values} FILTER(!COALESCE({test}, false))",), value=value)

    def property_pair(self, shape: Shape, c: PropertyPair, focus: str) -> Violation:
        other = iri_text(c.predicate)
        if c.kind == "disjoint":
            values, value = self.values(shape, focus)
            return Violation((f"{values} {focus} {other} {value} .",), value=value)
        if c.kind == "equals":
            value = self.vars("v")
            if shape.path is None:
                missing = f"FILTER NOT EXISTS {{ {focus} {other} {focus} }} BIND({focus} AS {value})"
                extra = f"{focus} {other} {value} . FILTER(!sameTerm({value}, {focus}))"
            else:
                path = sparql_path(shape.path)
                missing = f"{focus} {path} {value} . FILTER NOT EXISTS {{ {focus} {other} {value} }}"
                extra = f"{focus} {other} {value} . FILTER NOT EXISTS {{ {focus} {path} {value} }}"
            return Violation((missing, extra), value=value)
        values, value = self.values(shape, focus)
        compared = self.vars("o")
        operator = "<" if c.kind == "lessThan" else "<="
        test = _less_than(value, compared, operator)
        return Violation(
            (f"{values} {focus} {other} {compared} . FILTER(!COALESCE({test}, false))",),
            value=value,
            extra=(compared,),
        )

    def at_least(
        self, shape: Shape, focus: str, count: int, qualified: Qualified | None, stack: tuple[Shape, ...]
    ) -> str:
        """An expression: ``focus`` has at least ``count`` distinct value nodes (conforming to the
        qualified value shape, and to none of its siblings, when ``qualified`` is given)."""
        if count <= 0:
            return "true"

        def value_pattern(var: str) -> str:
            values, value = self.values(shape, focus, var)
            if qualified is None:
                return values
            test = self.conforms(value, qualified.shape, stack)
            for sibling in qualified.siblings:
                test = f"{test} && !{self.conforms(value, sibling, stack)}"
            return f"{values} FILTER({test})"

        if count <= PAIRWISE_LIMIT:
            names = [self.vars("n") for _ in range(count)]
            patterns = " ".join(value_pattern(n) for n in names)
            distinct = [f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1 :]]
            different = f" FILTER({' && '.join(distinct)})" if distinct else ""
            return f"EXISTS {{ {patterns}{different} }}"
        value, total = self.vars("n"), self.vars("count")
        grouped = COUNT_QUERY.format(focus=focus, value=value, count=total, values=value_pattern(value))
        return f"EXISTS {{ {grouped} FILTER({total} >= {count}) }}"

    # -- tests on one value node ---------------------------------------------------------------------------

    def value_test(self, c: Constraint, v: str, stack: tuple[Shape, ...]) -> str:
        """An expression that is true when the value node ``v`` passes the constraint."""
        if isinstance(c, ClassOf):
            return f"EXISTS {{ {v} {INSTANCE_OF} {term_text(c.cls)} }}"
        if isinstance(c, Datatype):
            return _datatype_test(c.datatype, v)
        if isinstance(c, NodeKind):
            kinds = NODE_KINDS.get(c.kind) if isinstance(c.kind, URIRef) else None
            if kinds is None:
                return "false"  # pyshacl: no value matches an unknown node kind
            kind_tests = {"iri": f"isIRI({v})", "blank": f"isBlank({v})", "literal": f"isLiteral({v})"}
            return "(" + " || ".join(kind_tests[k] for k in kinds) + ")"
        if isinstance(c, Range):
            return f"({v} {c.operator} {term_text(c.bound)})"
        if isinstance(c, Length):
            if c.operator == ">=" and c.length == 0:
                return "true"
            return f"(STRLEN(STR({v})) {c.operator} {c.length})"
        if isinstance(c, Pattern):
            if not self.regex_ok(c.pattern, c.flags):
                raise Unsupported(f"the store's SPARQL engine does not accept the regular expression {c.pattern!r}")
            flags = f", {term_text_of_string(c.flags)}" if c.flags else ""
            return f"(!isBlank({v}) && REGEX(STR({v}), {term_text_of_string(c.pattern)}{flags}))"
        if isinstance(c, LanguageIn):
            return _language_test(c.languages, v)
        if isinstance(c, In):
            members = [term_text(m) for m in c.values if not _is_blank(m)]
            if not members:
                return "false"
            return "(" + " || ".join(f"sameTerm({v}, {m})" for m in members) + ")"
        if isinstance(c, Logical):
            tests = [self.conforms(v, s, stack) for s in c.shapes]
            if c.kind in ("node", "and"):
                return "(" + " && ".join(tests) + ")"
            if c.kind == "not":
                return f"!{tests[0]}"
            if c.kind == "or":
                return "(" + " || ".join(tests) + ")"
            return "((" + " + ".join(f"IF({t}, 1, 0)" for t in tests) + ") = 1)"
        raise ShapesError(f"no test for {type(c).__name__}")  # pragma: no cover - every kind is handled above

    # -- conformance ---------------------------------------------------------------------------------------

    def conforms(self, v: str, shape: Shape, stack: tuple[Shape, ...]) -> str:
        """An expression that is true when ``v`` conforms to ``shape`` (SHACL conformance checking)."""
        patterns = self.nonconformance(shape, v, stack)
        if not patterns:
            return "true"
        return "(" + " && ".join(f"NOT EXISTS {{ {p} }}" for p in patterns) + ")"

    def nonconformance(self, shape: Shape, focus: str, stack: tuple[Shape, ...]) -> list[str]:
        """Patterns that each have a solution when ``focus`` has a validation result for ``shape``."""
        if shape.deactivated:
            return []
        if shape in stack:
            raise Unsupported(f"{shape.node} refers to itself through shape-expecting constraints (recursive shapes)")
        if shape.unsupported:
            raise Unsupported(f"{shape.node} uses {shape.unsupported[0]}")
        inner = (*stack, shape)
        out = [alt for c in shape.constraints for alt in self.violation(shape, c, focus, inner).alternatives]
        for child in shape.properties:
            if shape.path is None:
                out += self.nonconformance(child, focus, inner)
            else:
                values, value = self.values(shape, focus)
                out += [f"{values} {p}" for p in self.nonconformance(child, value, inner)]
        return out


def _datatype_test(datatype: Node, v: str) -> str:
    if datatype in NORMALISED:
        raise Unsupported(
            f"the store rewrites {datatype} literals when it loads them, so sh:datatype cannot be checked"
        )
    if datatype == RDFS.Literal:
        return f"isLiteral({v})"
    if datatype == RDFS.Datatype:
        return f'(isLiteral({v}) && LANG({v}) = "")'
    if datatype == RDF.langString:
        return f'(isLiteral({v}) && LANG({v}) != "")'
    name = term_text(datatype)
    test = f'(isLiteral({v}) && LANG({v}) = "" && sameTerm(DATATYPE({v}), {name})'
    if datatype in CASTABLE and datatype != XSD.string:
        test += f" && COALESCE(isLiteral({name}({v})), false)"
    return test + ")"


def _language_test(languages: tuple[str, ...], v: str) -> str:
    """pyshacl's reading of sh:languageIn: the tag, or its first subtag, is listed ("*" allows any tag)."""
    tagged = f'isLiteral({v}) && LANG({v}) != ""'
    if "*" in languages:
        return f"({tagged})"
    if not languages:
        return "false"
    listed = ", ".join(term_text_of_string(tag) for tag in languages)
    first = f'LCASE(STRBEFORE(CONCAT(LANG({v}), "-"), "-"))'
    return f"({tagged} && (LCASE(LANG({v})) IN ({listed}) || {first} IN ({listed})))"


def _less_than(a: str, b: str, operator: str) -> str:
    """pyshacl's comparison for sh:lessThan(OrEquals): IRIs and strings compare as text, a text value never
    compares with a non-text one, everything else compares as SPARQL does."""
    texty = '(isIRI({x}) || (isLiteral({x}) && (LANG({x}) != "" || DATATYPE({x}) = {string})))'
    string = iri_text(XSD.string)
    a_text, b_text = texty.format(x=a, string=string), texty.format(x=b, string=string)
    as_text = f"STR({a}) {operator} STR({b})"
    return f"IF({a_text} && {b_text}, {as_text}, IF({a_text} || {b_text}, false, {a} {operator} {b}))"


def term_text_of_string(text: str) -> str:
    return term_text(Literal(text))


def _iri(node: Node, what: str) -> str:
    if not isinstance(node, URIRef):
        raise ShapesError(f"the value of {what} must be an IRI, not {node!r}")
    return iri_text(node)


def _is_blank(node: Node) -> bool:
    return isinstance(node, BNode)


def _name(var: str | None) -> str | None:
    return var[1:] if var else None
