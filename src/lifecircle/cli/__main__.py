"""``python -m lifecircle.cli ...``: the command line."""

import sys

from lifecircle.cli.main import main

sys.exit(main())
