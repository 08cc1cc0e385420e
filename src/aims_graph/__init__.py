"""aims-graph: a knowledge graph and semantic query service for ISO/IEC 42001."""

__version__ = "0.1.0"

__all__ = ["__version__"]
