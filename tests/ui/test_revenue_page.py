"""The Revenue distribution page in AppTest on a real SQLite store (the demo dataset, `demo_url`, and an
empty store): its totals are those of the distribution and reimbursement exports, read back from the
CSV files the exports write, for the same CDRs (the period on the CDR creation date)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cdrlib import distribution, exports, model
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.exports import distribution as distribution_export
from cdrlib.store import Store
from cdrlib.ui import data as ui_data
from cdrlib.ui import fmt
from tests.ui.conftest import app_test

REVENUE = "pages/revenue.py"
TZ = "Europe/Amsterdam"
JUNE = (dt.date(2024, 6, 1), dt.date(2024, 6, 30))
SHARES = {
    "Revenue excl. VAT": "Revenue_Excl_VAT",
    "Energy compensation": "Energy_Compensation",
    "CPO share": "CPO_Share",
    "Customer share": "Customer_Share",
}
REIMBURSED = {"Reimbursed excl. VAT": "Reimbursement_Excl_VAT", "Reimbursed incl. VAT": "Reimbursement_Incl_VAT"}


def open_page(url: str, *, basis: str = "created", period: tuple[dt.date, dt.date] = JUNE) -> AppTest:
    at = app_test()
    at.run()
    at.switch_page(REVENUE).run()
    at.date_input(key="period").set_value(period).run()
    at.radio(key="basis").set_value(basis).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def file_sums(url: str, fmt_name: str, columns: dict[str, str]) -> dict[str, dict[str, Decimal]]:
    """Per currency, the sums of ``columns`` of the export file as written (plain dialect)."""
    with Store.open(url) as store:
        data = export_data.read(store, *JUNE, TZ)
        text = exports.FORMATS[fmt_name].build(data, csvfmt.DIALECTS["plain"]).decode()
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in csv.DictReader(io.StringIO(text)):
        for label, column in columns.items():
            if row[column]:
                sums[row["Currency"]][label] += Decimal(row[column])
    return sums


def test_totals_equal_the_distribution_and_reimbursement_export_files(demo_url: str) -> None:
    at = open_page(demo_url)
    page = shown(at)
    split = file_sums(demo_url, "distribution", SHARES)
    reimbursed = file_sums(demo_url, "reimbursement", REIMBURSED)
    assert split["EUR"]["Revenue excl. VAT"] > 0 and reimbursed["EUR"]["Reimbursed excl. VAT"] > 0
    for sums in (split, reimbursed):
        for label, total in sums["EUR"].items():
            assert page[f"{label} (EUR)"] == fmt.money(total, "EUR"), label
    assert len(at.get("plotly_chart")) == 3  # parties per month, the sankey, the reimbursements


def test_an_ou_filter_keeps_the_rows_of_that_ou_and_its_children(demo_url: str) -> None:
    at = open_page(demo_url)
    before = shown(at)
    at.selectbox(key="ou").set_value("ACME").run()
    after = shown(at)
    with Store.open(demo_url) as store:
        data = export_data.read(store, *JUNE, TZ)
        acme = store.ou_subtree("ACME")
    rows = distribution_export.rows(data).filter(pl.col("ou_code").cast(pl.String).is_in(sorted(acme)))
    assert rows.height > 0
    expected = model.from_e4(rows["revenue_e4"].sum())
    assert after["Revenue excl. VAT (EUR)"] == fmt.money(expected, "EUR")
    assert after["Revenue excl. VAT (EUR)"] != before["Revenue excl. VAT (EUR)"]
    assert after["CPO share (EUR)"] == fmt.money(model.from_e4(rows["cpo_e4"].sum()), "EUR")


def test_session_start_basis_is_the_default_and_says_so(demo_url: str) -> None:
    at = app_test()
    at.run()
    at.switch_page(REVENUE).run()
    assert at.radio(key="basis").value == "start"
    assert any("Sessions started" in c.value for c in at.caption)
    at.radio(key="basis").set_value("created").run()
    assert any("CDRs created" in c.value for c in at.caption)


def test_reimbursements_per_driver_or_ou(demo_url: str) -> None:
    at = open_page(demo_url)
    drivers = at.dataframe[-1].value  # the last table: the reimbursements
    at.segmented_control(key="revenue_reimbursed_by").set_value("ou").run()
    ous = at.dataframe[-1].value
    assert not at.exception
    assert drivers["excl. VAT"].sum() == pytest.approx(ous["excl. VAT"].sum())
    assert len(drivers) > len(ous)  # several drivers of one employer
    with Store.open(demo_url) as store:
        codes = {o.code for o in store.ous()}
    assert set(ous["name"]) <= codes | {"(no OU)"}


def test_an_empty_store_says_there_are_no_cdrs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    Store.open(url).close()
    monkeypatch.setenv("CDR_DB_URL", url)
    at = app_test()
    at.run()
    at.switch_page(REVENUE).run()
    assert not at.exception
    assert any("No CDRs in this period" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_an_ou_without_a_rule_or_reimbursement_says_so(demo_url: str) -> None:
    at = open_page(demo_url)
    at.selectbox(key="ou").set_value("XCP-DE-PUB").run()  # public chargers in Germany: no rule above them
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any("No CDRs under a distribution rule" in i for i in infos)
    assert any("No reimbursed CDRs" in i for i in infos)
    assert not at.get("plotly_chart")


def test_a_rule_added_later_shows_after_reload_data(
    demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shares are kept per store version and per master data: a new rule (no new CDR) shows after
    "Reload data", with the export's figures."""
    copy = tmp_path / "demo.db"
    copy.write_bytes(Path(demo_db.removeprefix("sqlite:///")).read_bytes())
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("CDR_DB_URL", url)
    at = open_page(url)
    at.selectbox(key="ou").set_value("XCP-DE-PUB").run()
    assert any("No CDRs under a distribution rule" in i.value for i in at.info)
    version = model.DistributionVersion(
        valid_from=dt.date(2024, 1, 1), energy_compensation_per_kwh=Decimal("0.10"), method=distribution.PERCENTAGE,
        currency="EUR", cpo_percentage=Decimal("30"), customer_percentage=Decimal("70"),
    )
    with Store.open(url) as store:
        store.put_distribution_rules([model.DistributionRule("XCP-DE-PUB", "German public", (version,))])
        data = export_data.read(store, *JUNE, TZ)
        german = store.ou_subtree("XCP-DE-PUB")
    # What "Reload data" does. (AppTest cannot click it: every AppTest run starts in Streamlit's pages/
    # mode, where `navigation.ensure` reruns the page through app.py, and a rerun drops a click.)
    ui_data.clear()
    at.run()
    assert not at.exception
    rows = distribution_export.rows(data).filter(pl.col("ou_code").cast(pl.String).is_in(sorted(german)))
    assert rows.height > 0
    assert shown(at)["CPO share (EUR)"] == fmt.money(model.from_e4(rows["cpo_e4"].sum()), "EUR")
