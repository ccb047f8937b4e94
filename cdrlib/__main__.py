"""``python -m cdrlib``: see `cdrlib.cli`."""

import sys

from cdrlib.cli import main

sys.exit(main())
