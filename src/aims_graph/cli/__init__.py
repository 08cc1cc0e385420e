"""The ``aims-graph`` command: ``main`` parses the arguments; one module per command group, each calling one
library function."""

from .main import main

__all__ = ["main"]
