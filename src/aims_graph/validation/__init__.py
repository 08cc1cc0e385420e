"""Conformance checks: SHACL shapes run by the compiled SPARQL engine (the default) or by pyshacl (the
reference), with one report model."""

ENGINES = ("auto", "sparql", "pyshacl")
"""Engines: auto (the default: compiled SPARQL in the store, pyshacl for shapes that do not compile), sparql
(the same; uncompilable shapes fall back to pyshacl only where the data can be copied), pyshacl (the reference)."""
