"""``python -m ta``: the same as the ``ta`` console script."""

import sys

from ta.cli import main

sys.exit(main())
