"""The CLI as a user runs it: a real `python -m cdrlib` process, real files, a real SQLite store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from tests.test_importer import cdr

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CDR_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cdrlib", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_import_json_summary_and_exit_codes(tmp_path, db):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([cdr(), cdr(id="CDR2")]))
    res = run("import", str(good), "--json", "--db", db)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": 0,
        "conflicts": 0,
        "tariffs": 0,
        "locations": 0,
        "price_mismatches": 0,
        "unpriced": 2,  # the CDRs carry no tariff and name none
        "zone_unknown": 0,  # the Netherlands have one zone
        "rejections": [],
    }
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps([cdr(), cdr(id="BAD", currency="EUX"), cdr(id="CDR2", total_energy=3)]))
    res = run("import", str(mixed), "--json", "--db", db)
    assert res.returncode == 1
    out = json.loads(res.stdout)  # exactly one JSON object: json.loads fails on anything more
    assert (out["accepted"], out["duplicates"], out["rejected"], out["conflicts"]) == (1, 1, 1, 1)
    assert [(r["record"], r["id"]) for r in out["rejections"]] == [(2, "BAD"), (3, "CDR2")]
    assert "currency" in out["rejections"][0]["reason"]


def test_import_plain_summary(tmp_path, db):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([cdr(), cdr(id="BAD", currency="EUX")]))
    res = run("import", str(path), "--db", db)
    assert res.returncode == 1
    assert "accepted 1 CDRs" in res.stdout and "rejected 1" in res.stdout and "EUX" in res.stdout
    assert "time zone:" not in res.stdout
    usa = tmp_path / "usa.json"
    usa.write_text(json.dumps([cdr(id="NYC", cdr_location=dict(cdr()["cdr_location"], country="USA"))]))
    res = run("import", str(usa), "--db", db)
    assert res.returncode == 0, res.stderr
    assert "time zone: 1 CDRs have no imported location and their country has several zones" in res.stdout


def test_usage_errors_exit_2_without_trace(tmp_path, db):
    res = run("import", str(tmp_path / "missing.json"), "--db", db)
    assert res.returncode == 2 and "no such file" in res.stderr and "Traceback" not in res.stderr
    path = tmp_path / "x.json"
    path.write_text(json.dumps(cdr()))
    res = run("import", str(path), "--db", "nosuchdb://nowhere")
    assert res.returncode == 2 and "database URL" in res.stderr and "Traceback" not in res.stderr
    res = run("import", str(path), env={"CDR_DB_URL": db, "CDR_REPORTING_TZ": "Mars/Olympus"})
    assert res.returncode == 2 and "CDR_REPORTING_TZ" in res.stderr
    assert run("frobnicate").returncode == 2
    assert run("demo", "--cdrs", "0", "--db", db).returncode == 2


def test_help_for_each_command():
    for args in (["--help"], ["demo", "--help"], ["import", "--help"]):
        res = run(*args)
        assert res.returncode == 0 and res.stdout.startswith("usage: python -m cdrlib")


def test_not_json_file_exit_1_and_clear_message(tmp_path, db):
    junk = tmp_path / "junk.txt"
    junk.write_text("hello, this is not JSON\n")
    res = run("import", str(junk), "--json", "--db", db)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (rej,) = json.loads(res.stdout)["rejections"]
    assert "junk.txt" in rej["reason"] and "JSON" in rej["reason"]


def test_demo_command(tmp_path, db):
    res = run("demo", "--cdrs", "300", "--seed", "3", "--until", "2025-01-01", "--db", db)
    assert res.returncode == 0, res.stderr
    assert "300 demo CDRs" in res.stdout
    again = run("demo", "--cdrs", "300", "--seed", "3", "--until", "2025-01-01", "--db", db)
    assert again.returncode == 0, again.stderr


def test_writing_commands_leave_the_dashboard_a_current_copy(tmp_path, db):
    """After `demo` and `import` the dashboard's copy holds every stored CDR: its next start reads none."""
    from cdrlib import snapshot
    from cdrlib.store import Store

    res = run("demo", "--cdrs", "200", "--seed", "3", "--until", "2025-01-01", "--db", db)
    assert res.returncode == 0, res.stderr
    assert "dashboard copy updated: 200 CDRs" in res.stdout
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps([cdr(id="EXTRA")]))
    res = run("import", str(extra), "--json", "--db", db)
    assert res.returncode == 0, res.stderr
    json.loads(res.stdout)  # the copy's line is not in the JSON
    assert "dashboard copy updated: 201 CDRs" in res.stderr
    with Store.open(db) as store:
        data, about = snapshot.paths(store)
        made = json.loads(about.read_text())
        assert made["version"] == list(store.data_version())
        assert made["tz"] == "Europe/Amsterdam"  # the default reporting zone
        assert "EXTRA" in pl.read_parquet(data)["cdr_id"].to_list()


def test_demo_conflicts_and_future_until(tmp_path, db):
    assert run("demo", "--cdrs", "200", "--seed", "3", "--until", "2025-01-01", "--db", db).returncode == 0
    other = run("demo", "--cdrs", "200", "--seed", "4", "--until", "2025-01-01", "--db", db)
    assert other.returncode == 1 and "were not written" in other.stderr
    future = run("demo", "--cdrs", "10", "--until", "2099-01-01", "--db", db)
    assert future.returncode == 2 and "in the future" in future.stderr


def test_json_errors_are_one_json_object(tmp_path, db):
    res = run("import", str(tmp_path / "missing.json"), "--json", "--db", db)
    assert res.returncode == 2 and json.loads(res.stdout) == {"error": f"{tmp_path / 'missing.json'}: no such file"}


def test_emp_option_for_211_cdrs(tmp_path, db):
    sample = ROOT / "tests" / "ocpi" / "data" / "cdr_211.json"
    bad = run("import", str(sample), "--emp", "XX", "--db", db)
    assert bad.returncode == 2 and "--emp" in bad.stderr
    res = run("import", str(sample), "--emp", "NL-TNM", "--json", "--db", db)
    assert res.returncode == 0, res.stdout + res.stderr
    from cdrlib.store import Store

    with Store.open(db) as store:
        (stored,) = list(store.iter_cdrs())
    assert (stored.emp_id, stored.roamed, stored.ocpi_version) == ("NLTNM", True, "2.1.1")


def test_file_name_that_is_not_utf8(tmp_path, db):
    name = os.fsdecode(b"caf\xe9.json")
    (tmp_path / name).write_text(json.dumps([cdr(), cdr(id="BAD", currency="EUX")]))
    res = run("import", str(tmp_path / name), "--json", "--db", db)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (rej,) = json.loads(res.stdout)["rejections"]
    assert rej["id"] == "BAD" and rej["file"].endswith("caf\ufffd.json")  # shown, not lost
    plain = run("import", str(tmp_path / name), "--db", db)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr and "caf" in plain.stdout
