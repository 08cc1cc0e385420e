"""``python -m aims_graph``: the same as the ``aims-graph`` command."""

import sys

from .cli.main import main

sys.exit(main())
