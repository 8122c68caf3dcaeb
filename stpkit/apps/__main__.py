"""`python -m stpkit.apps [OPTIONS]` is `stpkit apps [OPTIONS]`."""

import sys

from stpkit.cli import main

sys.exit(main(["apps", *sys.argv[1:]]))
