import sys
from routeplan.cli import main

sys.exit(main())
