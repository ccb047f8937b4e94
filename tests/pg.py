"""A real PostgreSQL server for the tests that run on both stores (SQLite and PostgreSQL).

``CDR_TEST_PG_URL`` names a server to use (a role that may create databases), else the tests start a
throwaway one: ``initdb`` into a temporary folder and ``pg_ctl start`` on a free loopback port, with
fsync off (nothing needs to survive), stopped when the test session ends. As root (CI) the server runs
as the ``postgres`` user, since PostgreSQL refuses to run as root. ``scripts/test`` installs Debian's
``postgresql`` when it is missing. Each test gets a database of its own (`new_database`).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

ROLE = "cdrtest"
_numbers = itertools.count(1)


def _bin_dir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: Debian keeps them out of PATH, per major version."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "the PostgreSQL tests need a server: install Debian's postgresql (scripts/test does so as root) "
        "or set CDR_TEST_PG_URL to a server's URL"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server() -> Iterator[str]:
    """The URL (``postgresql+psycopg://...``, no database) of a server for this test session."""
    given = os.environ.get("CDR_TEST_PG_URL")
    if given:
        yield given
        return
    bindir = _bin_dir()
    root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="cdr-pg-"))
    data, log = folder / "data", folder / "server.log"
    as_user = ["runuser", "-u", "postgres", "--"] if root else []
    if root:
        shutil.chown(folder, "postgres")
    port = _free_port()

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, check=False)
        if done.returncode:
            detail = done.stderr.strip() or done.stdout.strip()
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{Path(command[0]).name} failed ({done.returncode}): {detail}\n{server_log}")

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", ROLE, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8",
            "--no-sync")  # fmt: skip
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
        try:
            yield f"postgresql+psycopg://{ROLE}@127.0.0.1:{port}"
        finally:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server_url: str) -> str:
    """A new empty database on the server: its URL."""
    name = f"cdrs_{os.getpid()}_{next(_numbers)}"
    engine = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return f"{server_url}/{name}"
