"""``python -m aims_graph.cli``: the same as the ``aims-graph`` command."""

import sys

from .main import main

sys.exit(main())
