"""Conformance checks: SHACL shapes run by the compiled SPARQL engine (the default) or by pyshacl (the
reference), with one report model."""
