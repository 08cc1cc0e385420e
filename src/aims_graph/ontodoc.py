"""The ontology's documentation page, generated from the ontology graph by ontospy (a documentation tool for
RDFS/OWL): classes, properties, their comments and their alignments to AIRO, DPV and PROV.

ontospy 2.7 was chosen because it installs cleanly beside our dependencies and runs offline; pyLODE 3.6 needs
Python 3.12 and pyLODE 3.4.1 fails on import. Its single-page template inlines its CSS and loads no script, so
the page works without network access. The page is built once per process: the ontology is packaged and fixed.
"""

from __future__ import annotations

from functools import cache

import rdflib

from . import rdfio, resources
from .namespaces import PREFIXES


@cache
def ontology_page() -> str:
    """The HTML documentation of ontology/aims.ttl."""
    from ontospy import Ontospy
    from ontospy.gendocs.viz.viz_html_single import HTMLVisualizer

    graph = rdfio.parse_file_to_rdflib(resources.ontology_file())
    model = Ontospy(graph_obj=_plain(graph), verbose=False)
    visualizer = HTMLVisualizer(model, title="aims-graph ontology")
    # render the page template straight to a string: build() writes files and prints progress
    rendered = visualizer._renderTemplate(visualizer.template_name)
    return rendered.decode("utf-8") if isinstance(rendered, bytes) else str(rendered)


def _plain(graph: rdflib.Graph) -> rdflib.Graph:
    """A plain rdflib Graph with the ontology's prefixes, which ontospy shows in its Turtle snippets."""
    plain = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        plain.bind(prefix, namespace, override=True, replace=True)
    for triple in graph:
        plain.add(triple)
    return plain
