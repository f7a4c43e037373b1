"""`python -m wfm.cli`: the command line (the same as the `wfm` script)."""

import sys

from wfm.cli import main

sys.exit(main())
