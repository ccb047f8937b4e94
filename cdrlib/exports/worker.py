"""One export file built in a process of its own, for a server that cannot read in its own process.

The fast read of the CDRs (ConnectorX, `cdrlib.store.fastread`) runs in the process that asks for it
only when no SQLite connection of that process is open on the store while it reads: ConnectorX carries
its own copy of SQLite, whose closing of the file drops the other copy's locks. A single-purpose
process can promise that (the CLI's ``export`` reads with ``in_process=True``); the Streamlit server,
whose threads keep pooled connections, cannot. `build_apart` starts a fresh Python that reads and builds
(`build`) and hands back the file's bytes: the server then holds neither the period's CDRs nor the
read's Arrow copy, and no result crosses the pipe but the file itself.

    payload = worker.build_apart(url, "full", first, last, "Europe/Amsterdam", "excel")
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from cdrlib import exports
from cdrlib.errors import CdrError, StoreError
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.store import Store

_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds ``cdrlib``, for the child's imports


def build(url: str, fmt: str, first: dt.date, last: dt.date, tz: str, dialect: str) -> bytes:
    """The bytes of ``fmt``'s file of the CDRs created on the days ``first`` .. ``last`` (``tz``), read and
    built in this process. Only in a process that does nothing else meanwhile (`exports.data.read`'s
    ``in_process``): the CLI, or the child of `build_apart`."""
    chosen = exports.FORMATS[fmt]
    with Store.open(url, create=False) as store:
        data = export_data.read(store, first, last, tz, in_process=True)
    return chosen.build(data, csvfmt.dialect(dialect))


def build_apart(url: str, fmt: str, first: dt.date, last: dt.date, tz: str, dialect: str) -> bytes:
    """`build` in a child process: the file's bytes; a `StoreError` with the child's last message when
    it fails (it ends when it fails: nothing waits for it)."""
    request = json.dumps({"url": url, "format": fmt, "first": first.isoformat(), "last": last.isoformat(),
                          "tz": tz, "dialect": dialect})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(_ROOT), os.environ.get("PYTHONPATH"))))}
    # The request on stdin, not in the arguments: a database URL may hold a password.
    done = subprocess.run([sys.executable, "-m", "cdrlib.exports.worker"], input=request.encode(),
                          capture_output=True, env=env, check=False)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise StoreError(f"building the {fmt} export failed: {lines[-1] if lines else f'exit code {done.returncode}'}")
    return done.stdout


def main() -> int:
    """The child of `build_apart`: the request (JSON) on stdin, the file on stdout, a failure's message as
    the last line on stderr."""
    request = json.loads(sys.stdin.read())
    try:
        payload = build(request["url"], request["format"], dt.date.fromisoformat(request["first"]),
                        dt.date.fromisoformat(request["last"]), request["tz"], request["dialect"])
    except CdrError as exc:
        print(f"{exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(payload)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
