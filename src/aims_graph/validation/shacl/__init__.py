"""SHACL shapes compiled to set-based SPARQL that runs inside the store, embedded or remote.

``model`` reads a shapes graph into typed shapes and refuses what is not valid SHACL; ``paths`` writes SHACL
paths as SPARQL property paths; ``prebind`` rewrites the queries of SPARQL-based constraints so that ``$this``
ranges over all focus nodes at once; ``compile`` turns every constraint into one query over all focus nodes;
``engine`` runs the queries on a store and builds the report, handing to pyshacl, shape by shape and said in
the report, what cannot be compiled.
"""

from __future__ import annotations

from .engine import CompiledReport, Fallback, compile_shapes, run_compiled

__all__ = ["CompiledReport", "Fallback", "compile_shapes", "run_compiled"]
