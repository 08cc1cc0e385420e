"""aims-graph: a knowledge graph and semantic query service for ISO/IEC 42001."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("aims-graph")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+checkout"

__all__ = ["__version__"]
