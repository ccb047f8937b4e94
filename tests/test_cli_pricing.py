"""``python -m cdrlib price`` and ``reprice``, run as a user runs them (a real process)."""

from __future__ import annotations

import json
import sqlite3

from tests.test_cli import run
from tests.test_import_pricing import TARIFF
from tests.test_importer import LOCATION, cdr


def write(path, obj):
    path.write_text(json.dumps(obj))
    return str(path)


def test_price_prints_totals_explanation_and_the_stated_figures(tmp_path):
    cdr_file = write(tmp_path / "cdr.json", cdr(tariffs=[TARIFF]))
    res = run("price", cdr_file)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["total_cost"] == {"excl_vat": "5.5000", "incl_vat": "6.6550"}
    assert out["total_energy_cost"] == {"excl_vat": "5.0000", "incl_vat": "6.0500"}
    assert out["total_fixed_cost"] == {"excl_vat": "0.5000", "incl_vat": "0.6050"}
    assert out["total_energy"] == "20.0000" and out["time_zone"] == "Europe/Amsterdam"  # NLD has one zone
    assert out["stated"]["total_cost"] == {"excl_vat": "5.5000", "incl_vat": "6.6550"}
    assert out["mismatch"] is False
    lines = out["periods"][0]["lines"]
    assert [(x["dimension"], x["element"], x["cost"]["excl_vat"]) for x in lines] == [
        ("ENERGY", 0, "5.0000"), ("TIME", None, "0.0000"), ("FLAT", 1, "0.5000")
    ]


def test_price_with_tariff_files_and_a_mismatch(tmp_path):
    cdr_file = write(tmp_path / "cdr.json", cdr(total_cost={"excl_vat": 4.0, "incl_vat": 4.84}))
    dear = {**TARIFF, "elements": [{"price_components": [{"type": "ENERGY", "price": 0.30, "step_size": 1}]}]}
    res = run("price", cdr_file, "--tariff", write(tmp_path / "t.json", [dear]), "--tz", "Europe/Amsterdam")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["total_cost"] == {"excl_vat": "6.0000", "incl_vat": None}  # no VAT in the tariff: unknown
    assert out["mismatch"] is True


def test_price_cannot_price_exits_1_with_the_reason(tmp_path):
    res = run("price", write(tmp_path / "cdr.json", cdr()))  # names tariff T1, carries none
    assert res.returncode == 1
    assert "cannot price CDR CDR1" in res.stderr and "T1" in res.stderr and "Traceback" not in res.stderr
    credit = write(
        tmp_path / "credit.json",
        cdr(credit=True, credit_reference_id="X", tariffs=[TARIFF], total_cost={"excl_vat": -5.5, "incl_vat": -6.655}),
    )
    res = run("price", credit)
    assert res.returncode == 1 and "credit" in res.stderr


def test_price_usage_errors_exit_2(tmp_path):
    us = cdr(tariffs=[TARIFF], cdr_location={**cdr()["cdr_location"], "country": "USA"})
    res = run("price", write(tmp_path / "us.json", us))
    assert res.returncode == 2 and "--tz" in res.stderr  # several zones: ask for --tz
    assert run("price", write(tmp_path / "us.json", us), "--tz", "America/New_York").returncode == 0
    assert run("price", write(tmp_path / "c.json", cdr()), "--tz", "Mars/Olympus").returncode == 2
    res = run("price", write(tmp_path / "loc.json", LOCATION))
    assert res.returncode == 2 and "not a valid OCPI CDR" in res.stderr and "Traceback" not in res.stderr
    assert run("price", str(tmp_path / "missing.json")).returncode == 2
    assert run("price", write(tmp_path / "two.json", [cdr(), cdr(id="B")])).returncode == 2


def test_reprice_after_the_tariff_arrives(tmp_path):
    db = f"sqlite:///{tmp_path / 'cdrs.db'}"
    assert run("import", write(tmp_path / "cdrs.json", [cdr()]), "--db", db).returncode == 0
    assert run("import", write(tmp_path / "tariff.json", TARIFF), "--db", db).returncode == 0
    res = run("reprice", "--unpriced", "--db", db)
    assert res.returncode == 0, res.stderr
    assert "repriced 1 CDRs: 1 ok" in res.stdout
    with sqlite3.connect(tmp_path / "cdrs.db") as conn:
        assert conn.execute("select price_status, calc_total_cost_excl_e4 from cdr").fetchall() == [("ok", 55_000)]
