"""Compiles the ontology's axioms into OWL 2 RL rules (SPARQL updates) and consistency checks (SPARQL queries).

What is precomputed here, once, from the axioms, so that the store runs each rule once instead of iterating:
the closure of the class hierarchy (``up``: every named class an individual of a class is in, through
subclass, equivalence, intersection and the domain of the properties that a restriction implies), the closure
of the property hierarchy with inverses, and for each property the classes its subjects and objects fall in.
Rules then only join data with constant tables. The rule texts are templates in ``rules/``; this module fills
them in. Every axiom that no rule expresses, fully or in part, is named in ``Program.unsupported``: those are
the ones HermiT (``--engine hermit``) still covers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Template

import pyoxigraph as ox

from ..answers import display
from ..namespaces import PREFIXES, XSD
from .schema import (
    THING,
    AllValues,
    ClassExpr,
    DataRange,
    Datatype,
    DatatypeRestriction,
    Disjoint,
    HasValue,
    Intersection,
    Named,
    OneOf,
    Other,
    Schema,
    Some,
    Union,
)

RULES_DIR = Path(__file__).resolve().parent / "rules"

Key = tuple[str, str]
"""What a rule reads or writes: ("t", class IRI) for rdf:type triples, ("p", property IRI) for values."""


@cache
def template(name: str) -> Template:
    """A rule text from rules/, without its comment lines (SPARQLWrapper guesses the operation from the text)."""
    text = (RULES_DIR / name).read_text(encoding="utf-8")
    return Template("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))


@cache
def datatype_tests() -> dict[str, str]:
    """Datatype IRI -> the SPARQL test a value ``?value`` of that datatype passes."""
    tests: dict[str, str] = {}
    for line in (RULES_DIR / "datatypes.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            iri, test = line.split("\t", 1)
            tests[iri] = re.sub(r"\bxsd:(\w+)", lambda m: f"<{XSD}{m.group(1)}>", test)
    return tests


def name(iri: str) -> str:
    return display(ox.NamedNode(iri), PREFIXES)


def render(expr: ClassExpr | DataRange) -> str:
    """A class expression in a short Manchester-like form, for messages."""
    if isinstance(expr, Named | Datatype):
        return name(expr.iri)
    if isinstance(expr, Intersection):
        return "(" + " and ".join(render(p) for p in expr.parts) + ")"
    if isinstance(expr, Union):
        return "(" + " or ".join(render(p) for p in expr.parts) + ")"
    if isinstance(expr, OneOf):
        return "{" + ", ".join(name(m.value) for m in expr.members) + "}"
    if isinstance(expr, Some):
        return f"({name(expr.prop)} some {render(expr.filler)})"
    if isinstance(expr, AllValues):
        return f"({name(expr.prop)} only {render(expr.filler)})"
    if isinstance(expr, HasValue):
        value = name(expr.value.value) if isinstance(expr.value, ox.NamedNode) else str(expr.value)
        return f"({name(expr.prop)} value {value})"
    if isinstance(expr, DatatypeRestriction):
        facets = ", ".join(f"{name(f.name)} {f.value.value}" for f in expr.facets)
        return f"{name(expr.base)}[{facets}]"
    return f"[{expr.text}]"


@dataclass(frozen=True)
class Rule:
    """One SPARQL update, with what it reads and writes so that the runner can order the rules."""

    name: str
    family: str
    """subclass | property | usage | class | value: decides which dependencies are already folded in."""
    operations: tuple[str, ...]
    """Updates run in this order; ``$using`` and ``$target`` are left for the runner to fill in."""
    reads: frozenset[Key]
    writes: frozenset[Key]
    implied_values: frozenset[tuple[str, str, str]] = frozenset()
    """(class, property, value) facts that every individual this rule types already has (``class`` rules)."""
    value_key: tuple[str, str, str] | None = None
    """(class, property, value) that a ``value`` rule writes."""

    def update(self, using: str, target: str) -> str:
        """The rule as one update request (its operations see each other's effects)."""
        return " ;\n".join(Template(op).substitute(using=using, target=target) for op in self.operations)

    def constructs(self) -> list[str]:
        """The rule as CONSTRUCT queries, for a store that unions its graphs only in queries (embedded Oxigraph):
        every template starts with ``INSERT { GRAPH $target { ... } }``, which becomes ``CONSTRUCT { ... }``."""
        out = []
        for op in self.operations:
            text = Template(op).substitute(using="", target="<urn:unused>")
            head = re.match(r"INSERT \{ GRAPH <urn:unused> \{ (.*?) \} \}", text)
            if head is None:
                raise ValueError(f"rule template not in INSERT {{ GRAPH $target {{ ... }} }} form: {text[:80]!r}")
            out.append(f"CONSTRUCT {{ {head.group(1)} }}" + text[head.end() :])
        return out


@dataclass(frozen=True)
class Check:
    """One consistency query."""

    kind: str  # functional | datatype (disjointness is built at run time, from the classes' sizes)
    text: str
    datatype: str | None = None


@dataclass
class Program:
    """The compiled ontology: rules in the order the runner should try them, checks, and what is left out."""

    rules: list[Rule] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    up: dict[str, frozenset[str]] = field(default_factory=dict)
    subject_classes: dict[str, frozenset[str]] = field(default_factory=dict)
    object_classes: dict[str, frozenset[str]] = field(default_factory=dict)
    disjoint: list[Disjoint] = field(default_factory=list)
    different: set[frozenset[str]] = field(default_factory=set)
    functional_objects: set[str] = field(default_factory=set)

    def ancestors(self, cls: str) -> frozenset[str]:
        """The named classes an individual of ``cls`` is in, ``cls`` included."""
        return self.up.get(cls, frozenset({cls}))


def term(iri: str) -> str:
    return f"<{iri}>"


class _Compiler:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.program = Program(unsupported=list(schema.unsupported))
        self.supers: dict[str, list[tuple[ClassExpr, str]]] = defaultdict(list)
        self.complex_subs: list[tuple[ClassExpr, ClassExpr, str]] = []
        for sub, sup, axiom in schema.sub_class:
            if isinstance(sub, Named):
                self.supers[sub.iri].append((sup, axiom))
            else:
                self.complex_subs.append((sub, sup, axiom))
        self.derivations = self._property_closure()
        self.unsupported_seen: set[str] = set()

    def note(self, text: str) -> None:
        if text not in self.unsupported_seen:
            self.unsupported_seen.add(text)
            self.program.unsupported.append(text)

    # -------------------------------------------------------------------------------- properties

    def _property_closure(self) -> dict[str, set[tuple[str, bool]]]:
        """p -> every (q, inverted) such that x p y entails x q y (or y q x when inverted); (p, False) included."""
        step: dict[str, set[tuple[str, bool]]] = defaultdict(set)
        for p, q in self.schema.sub_property:
            step[p].add((q, False))
        for p, q in self.schema.inverse:
            step[p].add((q, True))
            step[q].add((p, True))
        for p in self.schema.symmetric:
            step[p].add((p, True))
        properties = set(step) | {q for values in step.values() for q, _ in values}
        properties |= set(self.schema.domain) | set(self.schema.range) | self.schema.functional
        closure: dict[str, set[tuple[str, bool]]] = {}
        for p in properties:
            seen = {(p, False)}
            todo = [(p, False)]
            while todo:
                q, inverted = todo.pop()
                for r, flip in step.get(q, ()):
                    item = (r, inverted != flip)
                    if item not in seen:
                        seen.add(item)
                        todo.append(item)
            closure[p] = seen
        return closure

    def derived(self, prop: str) -> set[tuple[str, bool]]:
        return self.derivations.get(prop, {(prop, False)})

    # -------------------------------------------------------------------------------- classes

    def direct(self, expr: ClassExpr | DataRange, context: str) -> set[str]:
        """Named classes that membership in ``expr`` implies in one step (domains of restricted properties)."""
        if isinstance(expr, Named):
            return set() if expr.iri == THING else {expr.iri}
        if isinstance(expr, Intersection):
            return set().union(*(self.direct(p, context) for p in expr.parts))
        if isinstance(expr, Some | HasValue):
            return self.property_side(expr.prop, subject=True)
        return set()

    def property_side(self, prop: str, subject: bool) -> set[str]:
        """Named classes (one step) of the subjects (or objects) of ``prop``'s values."""
        found: set[str] = set()
        for q, inverted in self.derived(prop):
            from_domain = subject != inverted
            exprs: Iterable[ClassExpr | DataRange] = (
                self.schema.domain.get(q, []) if from_domain else self.schema.range.get(q, [])
            )
            for expr in exprs:
                if isinstance(expr, Named | Intersection):
                    found |= self.direct(expr, "")
        return found

    def compute_up(self) -> None:
        classes = set(self.supers)
        for sup_list in self.supers.values():
            for sup, _ in sup_list:
                classes |= self.direct(sup, "")
        for exprs in list(self.schema.domain.values()) + list(self.schema.range.values()):
            for expr in exprs:
                if isinstance(expr, Named | Intersection):
                    classes |= self.direct(expr, "")
        for _sub, sup, _ in self.complex_subs:
            classes |= self.direct(sup, "")
        for cls in self.schema.enumerations:
            classes.add(cls)
        for d in self.schema.disjoint:
            classes |= {d.first, d.second}
        up: dict[str, frozenset[str]] = {}
        for cls in classes:
            seen = {cls}
            todo = [cls]
            while todo:
                for sup, _ in self.supers.get(todo.pop(), ()):
                    for found in self.direct(sup, ""):
                        if found not in seen:
                            seen.add(found)
                            todo.append(found)
            up[cls] = frozenset(seen)
        self.program.up = up

    def closed(self, classes: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for cls in classes:
            out |= self.program.ancestors(cls)
        return frozenset(out)

    # -------------------------------------------------------------------------------- conditions

    def condition(self, expr: ClassExpr, var: str, counter: list[int]) -> str | None:
        """A SPARQL group that binds ``var`` to the members of ``expr``, or None when RL cannot say."""
        if isinstance(expr, Named):
            return f"{var} a {term(expr.iri)} ." if expr.iri != THING else None
        if isinstance(expr, Intersection):
            parts = [self.condition(p, var, counter) for p in expr.parts]
            if any(p is None for p in parts):
                return None
            return "\n  ".join(p for p in parts if p)
        if isinstance(expr, Union):
            parts = [self.condition(p, var, counter) for p in expr.parts]
            if any(p is None for p in parts):
                return None
            return " UNION ".join("{ " + p + " }" for p in parts if p)
        if isinstance(expr, OneOf):
            return f"VALUES {var} {{ {' '.join(str(m) for m in expr.members)} }}"
        if isinstance(expr, HasValue):
            if isinstance(expr.value, ox.NamedNode):
                return f"{var} {term(expr.prop)} {expr.value} ."
            counter[0] += 1
            value = f"?v{counter[0]}"
            return (
                f"{var} {term(expr.prop)} {value} . "
                f"FILTER(sameTerm({value}, {expr.value}) || COALESCE({value} = {expr.value}, false))"
            )
        if isinstance(expr, Some):
            counter[0] += 1
            value = f"?v{counter[0]}"
            head = f"{var} {term(expr.prop)} {value} ."
            if isinstance(expr.filler, Named) and expr.filler.iri == THING:
                return head
            if isinstance(expr.filler, Datatype | DatatypeRestriction):
                test = self.data_test(expr.filler, value)
                return None if test is None else f"{head} FILTER({test})"
            inner = self.condition(expr.filler, value, counter)
            return None if inner is None else f"{head}\n  {inner}"
        return None

    def data_test(self, rng: DataRange, var: str) -> str | None:
        base = rng.iri if isinstance(rng, Datatype) else rng.base
        test = datatype_tests().get(base)
        if test is None:
            return None
        parts = [f"({test})".replace("?value", var)]
        if isinstance(rng, DatatypeRestriction):
            ops = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
            for facet in rng.facets:
                op = ops.get(facet.name.removeprefix(XSD))
                if op is None:
                    return None
                parts.append(f"{var} {op} {facet.value}")
        return " && ".join(parts)

    def reads_of(self, expr: ClassExpr | DataRange) -> set[Key]:
        if isinstance(expr, Named):
            return {("t", expr.iri)}
        if isinstance(expr, Intersection | Union):
            return set().union(*(self.reads_of(p) for p in expr.parts))
        if isinstance(expr, Some):
            return {("p", expr.prop)} | self.reads_of(expr.filler)
        if isinstance(expr, HasValue):
            return {("p", expr.prop)}
        return set()

    def guaranteed(self, expr: ClassExpr) -> frozenset[str]:
        """Classes every individual that meets ``expr`` already has in the store (its condition's types)."""
        if isinstance(expr, Named):
            return self.program.ancestors(expr.iri)
        if isinstance(expr, Intersection):
            return frozenset().union(*(self.guaranteed(p) for p in expr.parts))
        if isinstance(expr, Some | HasValue):
            return self.closed(self.property_side(expr.prop, subject=True))
        return frozenset()

    def values_of(self, expr: ClassExpr) -> frozenset[tuple[str, str]]:
        """(property, value) facts an individual meeting ``expr`` has in the store."""
        if isinstance(expr, HasValue):
            return frozenset({(expr.prop, str(expr.value))})
        if isinstance(expr, Intersection):
            return frozenset().union(*(self.values_of(p) for p in expr.parts))
        return frozenset()

    # -------------------------------------------------------------------------------- compile

    def compile(self) -> Program:
        self.compute_up()
        self.subclass_rule()
        self.property_rules()
        self.usage_rules()
        self.class_rules()
        self.superclass_rules()
        self.enumeration_rules()
        self.checks()
        return self.program

    def subclass_rule(self) -> None:
        pairs = sorted((sub, sup) for sub, ups in self.program.up.items() for sup in ups if sup != sub)
        if not pairs:
            return
        rows = " ".join(f"({term(a)} {term(b)})" for a, b in pairs)
        self.program.rules.append(
            Rule(
                "subclass",
                "subclass",
                (template("subclass.ru").safe_substitute(pairs=rows),),
                frozenset(("t", a) for a, _ in pairs),
                frozenset(("t", b) for _, b in pairs),
            )
        )

    def property_rules(self) -> None:
        for p in sorted(self.derivations):
            supers = sorted(q for q, inverted in self.derivations[p] if not inverted and q != p)
            inverses = sorted(q for q, inverted in self.derivations[p] if inverted)
            parts = []
            if supers:
                parts.append(
                    template("property.ru").safe_substitute(property=term(p), supers=" ".join(map(term, supers)))
                )
            if inverses:
                parts.append(
                    template("inverse.ru").safe_substitute(property=term(p), inverses=" ".join(map(term, inverses)))
                )
            if parts:
                writes = frozenset(("p", q) for q in supers + inverses)
                self.program.rules.append(
                    Rule(f"values of {name(p)}", "property", tuple(parts), frozenset({("p", p)}), writes)
                )

    def usage_rules(self) -> None:
        """prp-dom and prp-rng, one rule per set of classes that the same properties imply.

        Grouped by class rather than by property: the subjects (or objects) of all the properties that imply
        a class are made distinct first, so each individual is looked up once per class, not once per value.
        """
        by_class: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
        for p in sorted(self.derivations):
            subjects = self.closed(self.property_side(p, subject=True))
            objects = self.closed(self.property_side(p, subject=False))
            self.program.subject_classes[p] = subjects
            self.program.object_classes[p] = objects
            for cls in subjects:
                by_class[cls][0].add(p)
            for cls in objects:
                by_class[cls][1].add(p)
        groups: dict[tuple[frozenset[str], frozenset[str]], list[str]] = defaultdict(list)
        for cls, (subject_of, object_of) in by_class.items():
            groups[(frozenset(subject_of), frozenset(object_of))].append(cls)
        for (as_subject, as_object), classes in sorted(groups.items(), key=lambda item: sorted(item[1])):
            branches = []
            if as_subject:
                branches.append(f"{{ VALUES ?p {{ {' '.join(map(term, sorted(as_subject)))} }} ?x ?p ?y }}")
            if as_object:
                branches.append(
                    f"{{ VALUES ?p {{ {' '.join(map(term, sorted(as_object)))} }} ?y ?p ?x FILTER(!isLiteral(?x)) }}"
                )
            text = template("usage.ru").safe_substitute(
                uses=" UNION ".join(branches), classes=" ".join(map(term, sorted(classes)))
            )
            self.program.rules.append(
                Rule(
                    "classes implied by using " + ", ".join(sorted(name(p) for p in as_subject | as_object)),
                    "usage",
                    (text,),
                    frozenset(("p", p) for p in as_subject | as_object),
                    frozenset(("t", c) for c in classes),
                )
            )
        for p, exprs in sorted(self.schema.domain.items()):
            for expr in exprs:
                if not isinstance(expr, Named | Intersection):
                    self.note(
                        f"{name(p)} rdfs:domain {render(expr)}: OWL 2 RL draws no class from a domain of this form "
                        "(HermiT may, by cases)"
                    )
        for p, rngs in sorted(self.schema.range.items()):
            for rng in rngs:
                if isinstance(rng, Union | OneOf | Some | AllValues | HasValue | Other):
                    self.note(
                        f"{name(p)} rdfs:range {render(rng)}: OWL 2 RL draws no class from a range of this form "
                        "(HermiT may, by cases)"
                    )

    def class_rules(self) -> None:
        """Complex subclass expressions (the left side of equivalences and general axioms) become conditions."""
        for sub, sup, axiom in self.complex_subs:
            targets = self.direct(sup, axiom)
            if not targets:
                continue  # the superclass side is itself complex: handled (or reported) by superclass_rules
            condition = self.condition(sub, "?x", [0])
            if condition is None:
                self.note(
                    f"{render(sub)} SubClassOf {render(sup)} (from {axiom}): the left side is outside OWL 2 RL, "
                    "so no rule classifies individuals into it"
                )
                continue
            writes = self.closed(targets) - self.guaranteed(sub)
            if not writes:
                continue
            text = template("class.ru").safe_substitute(
                condition=condition, classes=" ".join(map(term, sorted(writes)))
            )
            implied = frozenset((cls, p, v) for cls in writes for p, v in self.values_of(sub))
            label = " ".join(sorted(name(t) for t in targets))
            self.program.rules.append(
                Rule(
                    f"members of {label}",
                    "class",
                    (text,),
                    frozenset(self.reads_of(sub)),
                    frozenset(("t", c) for c in writes),
                    implied_values=implied,
                )
            )

    def superclass_rules(self) -> None:
        """What a named class implies beyond named superclasses: values (hasValue), value classes (allValuesFrom)."""
        for cls in sorted(self.supers):
            for sup, axiom in self.supers[cls]:
                for part in sup.parts if isinstance(sup, Intersection) else (sup,):
                    self.superclass_part(cls, part, axiom)
        for sub, sup, axiom in self.complex_subs:
            if not self.direct(sup, axiom) and not isinstance(sup, Named):
                self.note(f"{render(sub)} SubClassOf {render(sup)} (from {axiom}): no rule for this general axiom")

    def superclass_part(self, cls: str, part: ClassExpr, axiom: str) -> None:
        if isinstance(part, Named):
            return
        if isinstance(part, HasValue):
            text = template("has-value.ru").safe_substitute(
                **{"class": term(cls), "property": term(part.prop), "value": str(part.value)}
            )
            key = (cls, part.prop, str(part.value))
            self.program.rules.append(
                Rule(
                    f"value of {name(part.prop)} for {name(cls)}",
                    "value",
                    (text,),
                    frozenset({("t", cls)}),
                    frozenset({("p", part.prop)}),
                    value_key=key,
                )
            )
            return
        if isinstance(part, AllValues) and isinstance(part.filler, Named):
            classes = self.program.ancestors(part.filler.iri)
            text = template("all-values.ru").safe_substitute(
                class_with_restriction=term(cls),
                property=term(part.prop),
                classes=" ".join(map(term, sorted(classes))),
            )
            self.program.rules.append(
                Rule(
                    f"values of {name(part.prop)} for {name(cls)}",
                    "class",
                    (text,),
                    frozenset({("t", cls), ("p", part.prop)}),
                    frozenset(("t", c) for c in classes),
                )
            )
            return
        if isinstance(part, Some):
            implied = sorted(name(c) for c in self.property_side(part.prop, subject=True))
            also = f"; only the classes that using {name(part.prop)} implies are drawn ({', '.join(implied)})"
            self.note(
                f"{name(cls)} SubClassOf {render(part)} (from {axiom}): OWL 2 RL creates no unnamed value"
                + (also if implied else "")
            )
            return
        self.note(f"{name(cls)} SubClassOf {render(part)} (from {axiom}): outside OWL 2 RL, no rule")

    def enumeration_rules(self) -> None:
        for cls, members in sorted(self.schema.enumerations.items()):
            if not members:
                continue
            classes = self.program.ancestors(cls)
            text = template("class.ru").safe_substitute(
                condition=f"VALUES ?x {{ {' '.join(str(m) for m in members)} }}",
                classes=" ".join(map(term, sorted(classes))),
            )
            self.program.rules.append(
                Rule(
                    f"members of {name(cls)} (enumeration)",
                    "class",
                    (text,),
                    frozenset(),
                    frozenset(("t", c) for c in classes),
                )
            )
            self.note(
                f"{name(cls)} owl:oneOf ({len(members)} members): the members are typed, but an individual of "
                f"{name(cls)} that is none of them is not detected (a closed enumeration is outside OWL 2 RL)"
            )

    def checks(self) -> None:
        program = self.program
        program.disjoint = list(self.schema.disjoint)
        program.different = {
            frozenset({a.value, b.value})
            for group in self.schema.different
            for i, a in enumerate(group)
            for b in group[i + 1 :]
        }
        functional = sorted(self.schema.functional)
        if functional:
            program.checks.append(
                Check(
                    "functional",
                    template("check-functional.rq").substitute(properties=" ".join(map(term, functional))),
                )
            )
            program.functional_objects = {p for p in functional if p not in self.schema.datatype_properties}
            for p in sorted(program.functional_objects):
                self.note(
                    f"{name(p)} is functional: two different IRIs as its values make HermiT take them for one "
                    "individual (owl:sameAs); the rules report them as a clash only when they are declared "
                    "different or have disjoint types, and draw no owl:sameAs"
                )
        by_datatype: dict[str, list[str]] = defaultdict(list)
        for p, rngs in sorted(self.schema.range.items()):
            for rng in rngs:
                if isinstance(rng, Datatype):
                    if rng.iri in datatype_tests():
                        by_datatype[rng.iri].append(p)
                    else:
                        self.note(f"{name(p)} rdfs:range {name(rng.iri)}: no check for this datatype")
                elif isinstance(rng, DatatypeRestriction):
                    self.note(f"{name(p)} rdfs:range {render(rng)}: no check for a restricted datatype")
        for dt, props in sorted(by_datatype.items()):
            test = datatype_tests()[dt]
            text = template("check-datatype.rq").substitute(properties=" ".join(map(term, props)), test=test)
            program.checks.append(Check("datatype", text, dt))


def compile_schema(schema: Schema) -> Program:
    """The rules and checks for an ontology's axioms."""
    return _Compiler(schema).compile()


def unsupported_axioms(schema: Schema) -> list[str]:
    """The axioms (or the parts of axioms) that no rule expresses; HermiT covers them."""
    return compile_schema(schema).unsupported
