"""Import prices every CDR with its tariffs and keeps the engine's verdict beside the sender's figures."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from cdrlib import importer, model
from cdrlib.store import views
from tests.test_importer import LOCATION, cdr, conf, store, write  # noqa: F401  (fixtures)

TARIFF = {
    "country_code": "NL",
    "party_id": "XCP",
    "id": "T1",
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 21, "step_size": 1}]},
        {"price_components": [{"type": "FLAT", "price": 0.50, "vat": 21, "step_size": 1}]},
    ],
    "last_updated": "2024-01-01T00:00:00Z",
}


def test_ok_mismatch_and_unpriced_are_kept_with_both_figures(store, conf, tmp_path):  # noqa: F811
    # 20 kWh x 0.25 + 0.50 = 5.50 excl., 6.655 incl. 21 % VAT.
    records = [
        TARIFF,
        LOCATION,
        cdr(id="OK"),
        cdr(id="OFF-BY-A-CENT", total_cost={"excl_vat": 5.51, "incl_vat": 6.665}),  # within 0.01: ok
        cdr(id="WRONG", total_cost={"excl_vat": 5.0, "incl_vat": 6.05}),
        cdr(id="WRONG-VAT", total_cost={"excl_vat": 5.5, "incl_vat": 6.05}),  # excl. right, incl. wrong
        cdr(id="NO-TARIFF", charging_periods=[{**cdr()["charging_periods"][0], "tariff_id": "NOPE"}]),
    ]
    report = importer.import_files(store, [write(tmp_path / "in.json", records)], settings=conf)
    assert report.accepted == 5 and report.rejected == 0  # flagging never drops a CDR
    assert (report.price_mismatches, report.unpriced) == (2, 1)
    checks = {i: store.get_cdr("NL", "XCP", i).price_check for i in ("OK", "OFF-BY-A-CENT", "WRONG", "WRONG-VAT")}
    assert {i: c.status for i, c in checks.items()} == {
        "OK": "ok", "OFF-BY-A-CENT": "ok", "WRONG": "mismatch", "WRONG-VAT": "mismatch"
    }
    wrong = store.get_cdr("NL", "XCP", "WRONG")
    assert wrong.total_cost == model.Price(Decimal("5.0000"), Decimal("6.0500"))  # the sender's, unchanged
    assert wrong.price_check.total_cost == model.Price(Decimal("5.5000"), Decimal("6.6550"))
    assert wrong.price_check.total_energy_cost == model.Price(Decimal("5.0000"), Decimal("6.0500"))
    assert wrong.price_check.total_fixed_cost == model.Price(Decimal("0.5000"), Decimal("0.6050"))
    assert "stated 5.0000 excl." in wrong.price_check.reason and "recomputed 5.5000" in wrong.price_check.reason
    unpriced = store.get_cdr("NL", "XCP", "NO-TARIFF").price_check
    assert unpriced.status == "unpriced" and unpriced.total_cost is None
    assert "names (NOPE) is not known" in unpriced.reason

    frame = store.analytics_frame()
    issues = store.price_issues(frame.filter(pl.col("price_status") != "ok")["pk"].to_list())
    assert sorted(issues["cdr_id"].to_list()) == ["NO-TARIFF", "WRONG", "WRONG-VAT"]
    row = issues.filter(issues["cdr_id"] == "WRONG").row(0, named=True)
    assert (row["total_cost_excl_e4"], row["calc_total_cost_excl_e4"]) == (50_000, 55_000)
    assert views.batch_count(store) == 1


def test_a_cdr_carrying_its_tariff_is_priced_with_it(store, conf, tmp_path):  # noqa: F811
    carried = {**TARIFF, "elements": [{"price_components": [{"type": "ENERGY", "price": 0.30, "vat": 21,
                                                             "step_size": 1}]}]}
    records = [TARIFF, cdr(id="OWN", tariffs=[carried], total_cost={"excl_vat": 6.0, "incl_vat": 7.26})]
    report = importer.import_files(store, [write(tmp_path / "in.json", records)], settings=conf)
    assert report.price_mismatches == 0
    check = store.get_cdr("NL", "XCP", "OWN").price_check
    assert check.status == "ok" and check.total_cost == model.Price(Decimal("6.0000"), Decimal("7.2600"))


def test_tariffs_imported_after_the_cdrs_leave_them_unpriced(store, conf, tmp_path):  # noqa: F811
    report = importer.import_files(store, [write(tmp_path / "cdrs.json", [cdr()])], settings=conf)
    assert report.unpriced == 1
    assert "names (T1) is not known" in store.get_cdr("NL", "XCP", "CDR1").price_check.reason


def test_credit_cdr_is_not_repriced(store, conf, tmp_path):  # noqa: F811
    credit = cdr(id="CR", credit=True, credit_reference_id="CDR1", total_cost={"excl_vat": -5.5, "incl_vat": -6.655})
    report = importer.import_files(store, [write(tmp_path / "in.json", [TARIFF, credit])], settings=conf)
    assert report.accepted == 1 and report.price_mismatches == 0 and report.unpriced == 0
    assert store.get_cdr("NL", "XCP", "CR").price_check.status == "credit"
