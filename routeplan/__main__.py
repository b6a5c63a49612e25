"""``python -m routeplan``: the command line."""

import sys

from routeplan.cli import main

sys.exit(main())
