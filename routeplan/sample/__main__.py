"""``python -m routeplan.sample [OUT_DIR] [--seed N]``: regenerate the synthetic sample."""

from routeplan.sample import main

raise SystemExit(main())
