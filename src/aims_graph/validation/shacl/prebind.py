"""The SELECT query of a SPARQL-based constraint, rewritten to run once over all focus nodes.

SHACL runs such a query once per focus node with ``$this`` pre-bound: every occurrence of the variable is that
node (SHACL 1.0, 5.6). Here the query runs once: the focus-node computation, a sub-select that binds
``?this`` to every focus node, is put at the start of the WHERE group and of every group on the way to an
occurrence of ``$this``. Inside such a group every solution binds ``?this``, so joins, OPTIONAL, UNION and
FILTER see the same value the pre-bound query would, and the answers for different focus nodes never mix.
Groups inside FILTER (NOT) EXISTS are left alone: SPARQL substitutes the outer solution's bindings there.

The rewrite works on tokens, never on the query's meaning, and refuses what SHACL forbids in such queries
(MINUS, VALUES, SERVICE, sub-selects that do not return ``$this``, ``AS ?this``); what is allowed but would
change meaning when run for all focus nodes at once (aggregates without GROUP BY, LIMIT, OFFSET) is reported
as unsupported so that the shape falls back to pyshacl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import ShapesError, UnsafeInputError
from ...store.sparql_text import lexemes
from .terms import Unsupported

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_MODIFIERS = {"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"}
PREBOUND = ("this", "currentShape", "shapesGraph")


@dataclass
class Token:
    kind: str
    text: str
    start: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def var(self) -> str | None:
        return self.text[1:] if self.kind == "var" else None


@dataclass(eq=False)
class _Group:
    open: int
    """Index of the ``{`` token."""
    kind: str
    """``where`` (a query's or sub-select's WHERE group), ``group``, ``exists``, ``graph`` (the group of
    GRAPH), or ``wrapper`` (the braces around a sub-select)."""
    parent: _Group | None
    close: int = -1
    children: list[_Group] = field(default_factory=list)
    this_here: bool = False

    def contains_this(self) -> bool:
        return self.this_here or any(child.contains_this() for child in self.children)

    def substituted(self) -> bool:
        """Whether SPARQL substitutes outer bindings here: inside EXISTS, not behind a sub-select's WHERE."""
        node: _Group | None = self
        while node is not None:
            if node.kind == "exists":
                return True
            if node.kind == "where":
                return False
            node = node.parent
        return False


def tokenize(text: str) -> list[Token]:
    found, stopped = lexemes(text)
    if stopped is not None:
        raise ShapesError(f"a SPARQL query in the shapes cannot be read at {text[stopped : stopped + 20]!r}")
    return [Token(kind, lexeme, start) for kind, lexeme, start in found]


def rewrite_select(
    text: str,
    prefixes: tuple[tuple[str, str], ...],
    focus: str,
    keys: tuple[str, ...],
    path: str | None,
    current_shape: str | None,
) -> str:
    """The constraint's query, running once for the focus nodes that ``focus`` (a group binding ?this and
    the ``keys`` variables naming parent focus nodes) yields; the answer returns ?this and the keys.

    ``path`` replaces ``$PATH`` (property shapes only); ``current_shape`` replaces ``$currentShape``.
    """
    tokens = tokenize(text)
    _refuse_forbidden(tokens)
    replacements: dict[int, str] = {}
    for index, token in enumerate(tokens):
        name = token.var
        if name == "PATH":
            if path is None:
                raise ShapesError("a SPARQL constraint uses $PATH but its shape has no sh:path")
            replacements[index] = f"({path})"
        elif name == "shapesGraph":
            raise Unsupported("the SPARQL constraint uses $shapesGraph, which no engine here provides")
        elif name == "currentShape":
            if current_shape is None:
                raise Unsupported("$currentShape names a blank node shape, which a query cannot name")
            replacements[index] = current_shape
    select = _find_select(tokens)
    where = _parse_groups(tokens, select)
    insertions: dict[int, list[str]] = {}
    _check_projection_and_modifiers(tokens, select, where, insertions, ("this", *(k[1:] for k in keys)))
    exists_groups = []
    for group in _walk(where):
        if group.kind == "wrapper":
            sub_select = group.open + 1
            sub_where = next(child for child in group.children if child.kind == "where")
            _check_subselect(tokens, sub_select, sub_where, insertions, tuple(k[1:] for k in keys))
        if group.kind == "exists":
            exists_groups.append(group)
        inject = group is where or (
            group.kind in ("where", "group") and group.contains_this() and not group.substituted()
        )
        if inject:
            insertions.setdefault(group.open, []).append(focus)
    emitter = _Emitter(text, tokens, replacements, insertions)
    for group in exists_groups:
        emitter.split_exists(group)
    return _prologue(prefixes) + emitter.emit(0, len(tokens) - 1) + text[tokens[-1].start + len(tokens[-1].text) :]


def _prologue(prefixes: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"PREFIX {name}: <{namespace}>\n" for name, namespace in prefixes)


def _refuse_forbidden(tokens: list[Token]) -> None:
    for index, token in enumerate(tokens):
        word = token.upper
        if word == "MINUS":
            raise ShapesError("a SPARQL constraint must not use MINUS (SHACL 5.6, pre-binding)")
        if word == "VALUES":
            raise ShapesError("a SPARQL constraint must not use VALUES (SHACL 5.6, pre-binding)")
        if word == "SERVICE":
            raise ShapesError("a SPARQL constraint must not use SERVICE (SHACL 5.6, pre-binding)")
        if word in ("FROM", "LOAD"):
            raise UnsafeInputError("a SPARQL query in the shapes uses FROM or FROM NAMED, which is refused")
        if word == "AS" and index + 1 < len(tokens) and tokens[index + 1].var in PREBOUND:
            raise ShapesError(f"a SPARQL constraint must not bind the pre-bound variable {tokens[index + 1].text}")


def _find_select(tokens: list[Token]) -> int:
    for index, token in enumerate(tokens):
        word = token.upper
        if word in ("PREFIX", "BASE"):
            continue
        if word == "SELECT":
            return index
        if word in ("ASK", "CONSTRUCT", "DESCRIBE"):
            raise ShapesError("sh:select must hold a SELECT query")
    raise ShapesError("sh:select must hold a SELECT query")


def _parse_groups(tokens: list[Token], select: int) -> _Group:
    """The brace structure of the query from its WHERE group on, with what each group is."""
    start = next((i for i in range(select, len(tokens)) if tokens[i].text == "{"), None)
    if start is None:
        raise ShapesError("a SPARQL constraint has no WHERE group")
    root = _Group(start, "where", None)
    stack = [root]
    for index in range(start + 1, len(tokens)):
        token = tokens[index]
        current = stack[-1] if stack else None
        if token.text == "{":
            if current is None:
                raise ShapesError("a SPARQL constraint has text after its WHERE group that is not a modifier")
            group = _Group(index, _kind_of(tokens, index, current), current)
            current.children.append(group)
            stack.append(group)
        elif token.text == "}":
            if current is None:
                raise ShapesError("a SPARQL constraint has unbalanced braces")
            current.close = index
            stack.pop()
        elif token.var == "this" and current is not None:
            current.this_here = True
    if stack:
        raise ShapesError("a SPARQL constraint has unbalanced braces")
    return root


def _kind_of(tokens: list[Token], index: int, parent: _Group) -> str:
    previous = tokens[index - 1]
    if previous.upper == "EXISTS":
        return "exists"
    if index >= 2 and tokens[index - 2].upper == "GRAPH":
        return "graph"  # the focus sub-select would read that one graph: $this stays joined from outside
    if index + 1 < len(tokens) and tokens[index + 1].upper == "SELECT":
        return "wrapper"
    if parent.kind == "wrapper":
        return "where"
    return "group"


def _walk(group: _Group) -> list[_Group]:
    out = [group]
    for child in group.children:
        out += _walk(child)
    return out


def _check_subselect(
    tokens: list[Token], select: int, where: _Group, insertions: dict[int, list[str]], keys: tuple[str, ...]
) -> None:
    projected = _projection(tokens, select, where.open)
    if projected is None:
        raise ShapesError("a sub-select in a SPARQL constraint must name $this, not SELECT * (SHACL 5.6)")
    if "this" not in projected:
        raise ShapesError("a sub-select in a SPARQL constraint must return $this (SHACL 5.6, pre-binding)")
    _check_projection_and_modifiers(tokens, select, where, insertions, ("this", *keys))


def _projection(tokens: list[Token], select: int, end: int) -> set[str] | None:
    """Variables the SELECT clause returns as plain variables; None for SELECT *."""
    depth = 0
    names: set[str] = set()
    for token in tokens[select + 1 : end]:
        if token.upper == "WHERE":
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.text == "*":
            return None
        elif depth == 0 and token.var is not None:
            names.add(token.var)
    return names


def _check_projection_and_modifiers(
    tokens: list[Token], select: int, where: _Group, insertions: dict[int, list[str]], names: tuple[str, ...]
) -> None:
    """Makes the SELECT return ``names`` (?this first) and group by them; refuses what would mix focus nodes."""
    projected = _projection(tokens, select, where.open)
    aggregates = any(
        t.upper in _AGGREGATES and i + 1 < len(tokens) and tokens[i + 1].text == "("
        for i, t in enumerate(tokens[select : where.open], start=select)
    )
    modifiers = _modifier_tokens(tokens, where)
    words = [t.upper for t in modifiers]
    if "LIMIT" in words or "OFFSET" in words:
        raise Unsupported("LIMIT or OFFSET in a SPARQL constraint apply per focus node and cannot run set-based")
    having_aggregates = any(t.upper in _AGGREGATES for t in modifiers)
    if "GROUP" in words:
        group_index = modifiers[words.index("GROUP")]
        end = _group_by_end(tokens, tokens.index(group_index))
        grouped = _group_by_vars(tokens, tokens.index(group_index), end)
        insertions.setdefault(end - 1, []).extend(f"?{name}" for name in names if name not in grouped)
    elif aggregates or having_aggregates:
        raise Unsupported("aggregates without GROUP BY in a SPARQL constraint count per focus node")
    if projected is not None:
        modifier = select + 1 < len(tokens) and tokens[select + 1].upper in ("DISTINCT", "REDUCED")
        after = select + 1 if modifier else select
        insertions.setdefault(after, []).extend(f"?{name}" for name in names if name not in projected)


def _modifier_tokens(tokens: list[Token], where: _Group) -> list[Token]:
    """The tokens after the WHERE group up to the end of the (sub-)query."""
    out = []
    depth = 0
    for token in tokens[where.close + 1 :]:
        if token.text in ("{", "(", "["):
            depth += 1
        elif token.text in ("}", ")", "]"):
            if depth == 0:
                break
            depth -= 1
        out.append(token)
    return out


def _group_by_end(tokens: list[Token], group: int) -> int:
    """The index just after the GROUP BY conditions."""
    depth = 0
    index = group + 2  # GROUP BY
    while index < len(tokens):
        token = tokens[index]
        if depth == 0 and (token.upper in _MODIFIERS or token.text == "}"):
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        index += 1
    return index


def _group_by_vars(tokens: list[Token], group: int, end: int) -> set[str]:
    depth = 0
    names = set()
    for token in tokens[group + 2 : end]:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.var is not None:
            names.add(token.var)
    return names


# ---------------------------------------------------------------------------------------------------------
# FILTER (NOT) EXISTS bodies, split so that the store evaluates them from the bound variables outwards
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Triple:
    parts: tuple[tuple[int, int], ...]
    """Token ranges of subject, predicate and object."""
    variables: frozenset[str]


@dataclass(frozen=True)
class _Filter:
    start: int
    end: int
    variables: frozenset[str]


_TERM_KINDS = ("var", "iri", "pname", "number")
_PATH_PUNCT = {"/", "|", "^", "*", "+", "?", "(", ")", "!"}


class _Emitter:
    """Writes the query back from its tokens, with replacements, insertions and rewritten EXISTS bodies.

    Oxigraph plans the pattern inside FILTER (NOT) EXISTS without knowing which variables the outer row
    binds, and joins its triple patterns by hashing both sides: for ``?t ex:treats $this . ?t a ex:T`` it
    reads every ``ex:T`` for every focus node. A body that is only triple patterns and FILTERs is therefore
    rewritten into nested EXISTS, level by level from the variables bound outside it
    (``?t ex:treats $this FILTER EXISTS { ?t a ex:T }``), which means the same: a BGP has a solution exactly
    when its first part has one for which the rest has one, and each FILTER goes to the first level where all
    of its variables are bound.
    """

    def __init__(
        self, text: str, tokens: list[Token], replacements: dict[int, str], insertions: dict[int, list[str]]
    ) -> None:
        self.text = text
        self.tokens = tokens
        self.replacements = replacements
        self.insertions = insertions
        self.rewrites: dict[int, tuple[int, str]] = {}
        self.pairs = _matching_pairs(tokens)

    def emit(self, start: int, end: int) -> str:
        out = []
        index = start
        while index <= end:
            token = self.tokens[index]
            if index > start:
                previous = self.tokens[index - 1]
                out.append(self.text[previous.start + len(previous.text) : token.start])
            if index in self.rewrites:
                close, rewritten = self.rewrites[index]
                out.append(rewritten)
                index = close + 1
                continue
            out.append(self.replacements.get(index, token.text))
            for extra in self.insertions.get(index, []):
                out.append(f" {extra} ")
            index += 1
        return "".join(out)

    def split_exists(self, group: _Group) -> None:
        elements = self._elements(group.open + 1, group.close - 1)
        if elements is None:
            return
        triples, filters = elements
        if len(triples) < 2:
            return
        inside = {t.var for t in self.tokens[group.open : group.close + 1] if t.var}
        outside = {t.var for i, t in enumerate(self.tokens) if t.var and not group.open <= i <= group.close}
        bound = {v for v in inside if v in outside}
        levels: list[list[_Triple]] = []
        remaining = list(triples)
        while remaining:
            level = [t for t in remaining if t.variables & bound] or remaining
            levels.append(level)
            bound |= {v for t in level for v in t.variables}
            remaining = [t for t in remaining if t not in level]
        if len(levels) < 2:
            return
        level_vars: list[set[str]] = []
        seen: set[str] = set()
        for level in levels:
            seen |= {v for t in level for v in t.variables}
            level_vars.append(set(seen))
        triple_vars = level_vars[-1]
        placed: list[list[_Filter]] = [[] for _ in levels]
        for item in filters:
            needed = item.variables & triple_vars
            depth = next(k for k, known in enumerate(level_vars) if needed <= known)
            placed[depth].append(item)
        inner = ""
        for depth in range(len(levels) - 1, -1, -1):
            parts = [" ".join(self.emit(a, b) for a, b in triple.parts) + " ." for triple in levels[depth]]
            parts += [self.emit(item.start, item.end) for item in placed[depth]]
            if inner:
                parts.append(f"FILTER EXISTS {{ {inner} }}")
            inner = " ".join(parts)
        self.rewrites[group.open] = (group.close, f"{{ {inner} }}")

    def _elements(self, start: int, end: int) -> tuple[list[_Triple], list[_Filter]] | None:
        """The triple patterns and FILTERs of a group body; None when it holds anything else."""
        triples: list[_Triple] = []
        filters: list[_Filter] = []
        index = start
        while index <= end:
            token = self.tokens[index]
            if token.text == ".":
                index += 1
            elif token.upper == "FILTER":
                close = self._filter_end(index)
                if close is None or close > end:
                    return None
                variables = frozenset(t.var for t in self.tokens[index : close + 1] if t.var)
                filters.append(_Filter(index, close, variables))
                index = close + 1
            elif token.kind in _TERM_KINDS or token.kind == "string":
                parsed = self._triples_block(index, end)
                if parsed is None:
                    return None
                block, index = parsed
                triples += block
            else:
                return None
        return triples, filters

    def _filter_end(self, index: int) -> int | None:
        following = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        if following is None:
            return None
        if following.text == "(":
            return self.pairs.get(index + 1)
        position = index + 1
        if following.upper == "NOT":
            position += 1
        if position < len(self.tokens) and self.tokens[position].upper == "EXISTS":
            return self.pairs.get(position + 1)
        call = following.kind in ("word", "pname", "iri") and index + 2 < len(self.tokens)
        if call and self.tokens[index + 2].text == "(":
            return self.pairs.get(index + 2)
        return None

    def _term(self, index: int, end: int) -> int | None:
        """The last token of the RDF term starting at ``index`` (a literal may span three tokens)."""
        token = self.tokens[index]
        if token.kind == "string":
            if index + 1 <= end and self.tokens[index + 1].kind == "lang":
                return index + 1
            if index + 2 <= end and self.tokens[index + 1].text == "^^":
                return index + 2
            return index
        if token.kind in _TERM_KINDS or (token.kind == "word" and token.upper in ("TRUE", "FALSE")):
            return index
        return None

    def _verb(self, index: int, end: int) -> int | None:
        """The last token of the verb (a variable, or a property path) starting at ``index``."""
        if self.tokens[index].kind == "var":
            return index
        after = self._path(index, end)
        return None if after is None else after - 1

    def _path(self, index: int, end: int) -> int | None:
        """Property path grammar (alternatives of sequences of elements): the index after the path."""
        position = self._path_element(index, end)
        while position is not None and position <= end and self.tokens[position].text in ("/", "|"):
            position = self._path_element(position + 1, end)
        return position

    def _path_element(self, index: int, end: int) -> int | None:
        if index > end:
            return None
        token = self.tokens[index]
        if token.text == "^":
            return self._path_element(index + 1, end)
        if token.text == "!":
            following = index + 1
            if following <= end and self.tokens[following].text == "(":
                close = self.pairs.get(following)
                position = None if close is None else close + 1
            else:
                position = self._path_element(following, end)
        elif token.text == "(":
            close = self.pairs.get(index)
            if close is None or close > end or self._path(index + 1, close - 1) != close:
                return None
            position = close + 1
        elif token.kind in ("iri", "pname") or token.text == "a":
            position = index + 1
        else:
            return None
        if position is not None and position <= end and self.tokens[position].text in ("*", "+", "?"):
            position += 1
        return position

    def _triples_block(self, index: int, end: int) -> tuple[list[_Triple], int] | None:
        """Triples from ``s p o1, o2 ; p2 o3`` up to the closing dot, FILTER or end of the group."""
        subject_end = self._term(index, end)
        if subject_end is None or subject_end + 1 > end:
            return None
        subject = (index, subject_end)
        out: list[_Triple] = []
        position = subject_end + 1
        while True:
            verb_end = self._verb(position, end)
            if verb_end is None or verb_end + 1 > end:
                return None
            verb = (position, verb_end)
            position = verb_end + 1
            while True:
                object_end = self._term(position, end)
                if object_end is None:
                    return None
                parts = (subject, verb, (position, object_end))
                variables = frozenset(t.var for a, b in parts for t in self.tokens[a : b + 1] if t.var)
                out.append(_Triple(parts, variables))
                position = object_end + 1
                if position <= end and self.tokens[position].text == ",":
                    position += 1
                    continue
                break
            if position <= end and self.tokens[position].text == ";":
                position += 1
                while position <= end and self.tokens[position].text == ";":
                    position += 1
                if position > end or self.tokens[position].text == "." or self.tokens[position].upper == "FILTER":
                    break
                continue
            break
        return out, position


def _matching_pairs(tokens: list[Token]) -> dict[int, int]:
    """Index of each opening bracket -> index of its closing one."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.text in ("(", "{", "["):
            stack.append(index)
        elif token.text in (")", "}", "]") and stack:
            pairs[stack.pop()] = index
    return pairs
