"""``python -m cdrlib``: see `cdrlib.cli`."""

import os
import sys

from cdrlib.cli import main

try:
    code = main()
    sys.stdout.flush()  # here, so that a reader gone away is seen below and not at exit
except BrokenPipeError:
    # The reader of our output left early (``... | head -1``): what the command wrote to files is done.
    # No traceback; the stream goes to /dev/null so that Python's own flush at exit does not fail again,
    # and the exit code is a SIGPIPE'd program's, as for any Unix tool in that pipeline.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    code = 128 + 13
sys.exit(code)
