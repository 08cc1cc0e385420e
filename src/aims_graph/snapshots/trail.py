"""The trail of writes: each write through the API's Graph Store Protocol recorded as a PROV activity (which
graph, when, by which token, how many triples before and after) in a graph of its own that readers can query."""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid

import pyoxigraph as ox

from .. import resources
from ..namespaces import WRITES_GRAPH, XSD
from ..store import Store, checked_iri

_PLACEHOLDER = re.compile(r"\$(\w+)")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
XSD_DATETIME = ox.NamedNode(XSD + "dateTime")


def token_agent(token: str, source: str) -> tuple[ox.NamedNode, str]:
    """An IRI that names the token without revealing it (a digest), and a label naming where it came from."""
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]
    return ox.NamedNode(f"urn:aims-graph:write-token:{digest}"), f"holder of the write token in {source}"


def record_write(
    store: Store, graph: str, action: str, agent: tuple[ox.NamedNode, str], before: int, after: int
) -> ox.NamedNode:
    """Append one write to the trail; the activity's IRI."""
    activity = ox.NamedNode(f"urn:uuid:{uuid.uuid4()}")
    when = datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds")
    terms = {
        "trail": ox.NamedNode(WRITES_GRAPH),
        "activity": activity,
        "beforeTriples": ox.Literal(str(before), datatype=XSD_INTEGER),
        "afterTriples": ox.Literal(str(after), datatype=XSD_INTEGER),
        "before": ox.NamedNode(activity.value + "#before"),
        "after": ox.NamedNode(activity.value + "#after"),
        "agentLabel": ox.Literal(agent[1]),
        "agent": agent[0],
        "graph": checked_iri(graph),
        "action": ox.Literal(action),
        "label": ox.Literal(f"{action} <{graph}>"),
        "time": ox.Literal(when, datatype=XSD_DATETIME),
    }
    template = resources.internal_query("snapshots/record-write.ru")
    # One pass, so a term's own text is never read as a placeholder; terms are written in N-Triples form.
    store.update(_PLACEHOLDER.sub(lambda found: str(terms.get(found.group(1), found.group(0))), template))
    return activity
