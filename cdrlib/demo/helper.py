"""A helper process of big demo runs: ``python -m cdrlib.demo.helper CDRS SEED UNTIL INDEX COUNT``.

It generates the records of the days ``INDEX, INDEX + COUNT, ...`` of the run
(`cdrlib.demo.sessions.generate_day`), turns them into CDRs in the store's storage form
(`cdrlib.demo.prepare_chunk`), and writes them to stdout as a stream of pickles, one per day:
``("day", (prepared, first_start, last_start))`` or ``("day", None)`` for a day without sessions,
then ``("done", None)``. The parent reads them into a
bounded queue, so the helper runs at most a fixed number of records ahead, whatever the run's size.
On failure it prints the error on stderr and exits with status 1.

A plain subprocess rather than `multiprocessing`: "spawn" re-imports the caller's main module (fatal
for an unguarded ``python -m cdrlib``), and "fork" is unsafe next to threads.
"""

from __future__ import annotations

import datetime as dt
import pickle
import sys

from cdrlib.demo import prepare_chunk, sessions


def main(argv: list[str]) -> int:
    cdrs, seed, until = int(argv[0]), int(argv[1]), dt.date.fromisoformat(argv[2])
    index, count = int(argv[3]), int(argv[4])
    out = sys.stdout.buffer
    plan = sessions.Plan(cdrs, seed, until)
    builder = sessions.Builder(plan)
    for day in range(index, plan.days, count):
        records = sessions.generate_day(plan, day)
        message = ("day", prepare_chunk(builder, records) if records else None)
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.dump(("done", None), out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except BrokenPipeError:  # the parent stopped reading (it failed or was interrupted)
        raise SystemExit(1) from None
