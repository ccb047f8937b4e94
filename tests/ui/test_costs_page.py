"""The Costs & tariffs page in AppTest on a real SQLite store: the known dataset (`tests.ui.dataset`),
plus, for the price checks, tariff T1 and three CDRs the pricing engine checked (`add_priced`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from cdrlib import model, pricing
from cdrlib.store import Store
from cdrlib.ui import cost_kpi, download
from tests.factories import make_cdr, utc
from tests.ui.conftest import DEMO_JUNE_2024, DEMO_MISMATCH, ROOT, app_test, open_section

COSTS = "pages/costs.py"
STATION = "Stationsplein"  # the location name of `make_cdr`
UNKNOWN_T9 = (
    "the CDR carries no tariff and the tariff it names (T9) is not known: import that tariff, "
    "then run 'python -m cdrlib reprice'"
)

# 0.25 per kWh and a 0.50 start fee, 21 % VAT: what `make_cdr`'s figures come from.
TARIFF_T1 = model.Tariff(
    "NL",
    "XCP",
    "T1",
    "EUR",
    utc(2024, 1, 1),
    json.dumps(
        {
            "country_code": "NL",
            "party_id": "XCP",
            "id": "T1",
            "currency": "EUR",
            "last_updated": "2024-01-01T00:00:00Z",
            "elements": [
                {
                    "price_components": [
                        {"type": "ENERGY", "price": 0.25, "vat": 21.0, "step_size": 1},
                        {"type": "FLAT", "price": 0.5, "vat": 21.0, "step_size": 1},
                    ]
                }
            ],
        },
        sort_keys=True,
    ),
)


def _checked(cdr_id: str, start: dt.datetime, **changes: Any) -> model.Cdr:
    """A CDR of `make_cdr` (20 kWh in two periods of tariff T1), checked by the engine as on import."""
    cdr = make_cdr(id=cdr_id, start_date_time=start, content_hash=f"hash-{cdr_id}", **changes)
    return make_cdr(
        id=cdr_id,
        start_date_time=start,
        content_hash=f"hash-{cdr_id}",
        price_check=pricing.check(cdr, [TARIFF_T1]),
        **changes,
    )


def add_priced(url: str) -> None:
    """Tariff T1, and in March 2024: X1 stating 6.00 / 7.26 (the engine: 5.50 / 6.655, a mismatch),
    X2 naming the unknown tariff T9 (unpriced) and X3 stating what the engine computes (ok)."""
    x2_start = utc(2024, 3, 13, 9)
    priced = [
        _checked("X1", utc(2024, 3, 12, 9), total_cost=model.Price(Decimal("6"), Decimal("7.26"))),
        _checked(
            "X2",
            x2_start,
            charging_periods=(model.ChargingPeriod(x2_start, "T9", energy=Decimal("20"), time=Decimal("2")),),
        ),
        _checked("X3", utc(2024, 3, 14, 9)),
    ]
    assert [c.price_check.status for c in priced if c.price_check] == ["mismatch", "unpriced", "ok"]
    with Store.open(url) as store:
        store.put_tariffs([TARIFF_T1])
        assert store.add_cdrs(priced).inserted == 3




@pytest.fixture
def priced_url(store_url: str) -> str:
    add_priced(store_url)
    return store_url


@pytest.fixture
def csv_files(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every CSV the page offers, by file name, as text."""
    offered: dict[str, str] = {}
    original: Callable[..., None] = download.csv_button

    def recording(df: pl.DataFrame, file_name: str, key: str, label: str = "Download CSV") -> None:
        offered[file_name] = download.csv_bytes(df).decode()
        original(df, file_name, key, label)

    monkeypatch.setattr(download, "csv_button", recording)
    return offered


REVENUE, PRICE, ISSUES = cost_kpi.VIEWS


def open_costs(view: str | None = None) -> AppTest:
    """The page, on its section ``view`` (default: the first)."""
    at = app_test().run()
    at.switch_page(COSTS).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Costs & tariffs"]
    return show(at, view) if view else at


def show(at: AppTest, view: str) -> AppTest:
    return open_section(at, "costs_view", view)


def values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def chart(at: AppTest, index: int) -> dict[str, Any]:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


# ---------------------------------------------------------------------- smoke
def test_the_page_draws_its_cards_charts_and_downloads(store_url: str) -> None:
    at = open_costs()
    assert list(values(at)) == [
        cost_kpi.revenue_label("EUR"),
        cost_kpi.revenue_label("GBP"),
        cost_kpi.PRICED_OK,
        cost_kpi.MISMATCHES,
        cost_kpi.UNPRICED,
    ]
    assert len(at.get("plotly_chart")) == 2  # trend, by tariff (or EMP)
    assert len(at.get("download_button")) == 2
    assert cost_kpi.CREDITS_NOTE in captions(at)
    assert not at.dataframe  # the issues are in their own section
    show(at, PRICE)
    assert len(at.get("plotly_chart")) == 1 and len(at.get("download_button")) == 1
    show(at, ISSUES)
    assert not at.get("plotly_chart") and [h.value for h in at.subheader] == ["Price issues"]
    assert cost_kpi.revenue_label("EUR") in values(at)  # the cards stay above the sections


def test_the_page_runs_on_demo_data_and_explains_its_mismatch(demo_url: str) -> None:
    at = app_test()
    at.query_params["period"] = DEMO_JUNE_2024
    at.run()
    at.switch_page(COSTS).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 2
    assert set(values(at)) >= {cost_kpi.revenue_label("EUR"), cost_kpi.revenue_label("GBP")}
    assert values(at)[cost_kpi.MISMATCHES].startswith("1 (")
    assert len(show(at, PRICE).get("plotly_chart")) == 1
    show(at, ISSUES)
    assert list(at.dataframe[0].value["CDR"]) == [DEMO_MISMATCH]
    assert at.dataframe[1].value.iloc[0]["Cost"] == "Total"  # explained: re-priced with the stored tariffs
    assert not at.warning and not at.error
    show(at, REVENUE)
    for grain in ("day", "week", "month"):
        at.segmented_control(key="costs_grain").set_value(grain).run()
        assert not at.exception, at.exception
    at.segmented_control(key="costs_currency").set_value("GBP").run()
    assert not at.exception, at.exception


def test_the_page_runs_started_from_its_own_file(priced_url: str) -> None:
    at = app_test(str(ROOT / COSTS)).run()  # as Streamlit may run it (see cdrlib.ui.navigation)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Costs & tariffs"]
    assert len(at.get("plotly_chart")) == 2
    show(at, ISSUES)
    assert "Find X2 in the CDR explorer." in captions(at)  # no navigation to link through here


def test_an_empty_store_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDR_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = open_costs()
    assert [i.value for i in at.info] == ["No CDRs in this period under these filters."]
    assert not at.metric
    assert not at.get("plotly_chart")
    assert not at.error


def test_a_period_without_cdrs_says_so(store_url: str) -> None:
    at = open_costs()
    at.date_input(key="period").set_value((dt.date(2024, 3, 2), dt.date(2024, 3, 9))).run()
    assert not at.exception
    assert [i.value for i in at.info] == ["No CDRs in this period under these filters."]
    assert not at.get("plotly_chart")


# ---------------------------------------------------------------------- numbers
def test_revenue_per_currency_never_added_up(store_url: str) -> None:
    shown = values(open_costs())
    # EUR: 5.50 - 5.50 (credit) + 12.3456 + 3 + 25 + 1.75 + 2.25; GBP: M5 alone
    assert shown[cost_kpi.revenue_label("EUR")] == "€44.35"
    assert shown[cost_kpi.revenue_label("GBP")] == "£6.00"
    # nothing in the known dataset was checked by the engine
    assert shown[cost_kpi.PRICED_OK] == "–"
    assert shown[cost_kpi.MISMATCHES] == "0"


def test_price_check_cards(priced_url: str) -> None:
    at = open_costs()
    shown = values(at)
    assert shown[cost_kpi.revenue_label("EUR")] == "€61.35"  # 44.3456 + 6 + 5.5 + 5.5
    assert shown[cost_kpi.PRICED_OK] == "33.33 %"
    assert shown[cost_kpi.MISMATCHES] == "1 (33.33 %)"
    assert shown[cost_kpi.UNPRICED] == "1 (33.33 %)"
    assert "8 CDRs without a price check, left out of the check shares." in captions(at)


def test_weekly_revenue_by_component_as_csv(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_costs()
    assert at.segmented_control(key="costs_grain").value == "day"  # a month: per day
    at.segmented_control(key="costs_grain").set_value("week").run()
    assert not at.exception
    # Every CDR states energy 5 / fixed 0.5 (the factory's) whatever its total; the rest is not itemised.
    # Week of 26 Feb: M1 and its credit (whose components are not negated); 4 Mar: M2 (Sunday 10th);
    # 11 Mar: M3; 25 Mar: M6 (30th 23:30), M7 (31st 00:30) and M4 (31st 23:30 +02:00).
    assert csv_files["revenue-by-component-EUR-2024-03-01_2024-03-31.csv"] == (
        "bucket,currency,cdrs,revenue_excl,energy_cost,time_cost,parking_cost,fixed_cost,reservation_cost,other_cost\n"
        "2024-02-26,EUR,2,0.0000,10.0000,0.0000,0.0000,1.0000,0.0000,-11.0000\n"
        "2024-03-04,EUR,1,12.3456,5.0000,0.0000,0.0000,0.5000,0.0000,6.8456\n"
        "2024-03-11,EUR,1,3.0000,5.0000,0.0000,0.0000,0.5000,0.0000,-2.5000\n"
        "2024-03-18,EUR,0,0.0000,0.0000,0.0000,0.0000,0.0000,0.0000,0.0000\n"
        "2024-03-25,EUR,3,29.0000,15.0000,0.0000,0.0000,1.5000,0.0000,12.5000\n"
    )
    trend = chart(at, 0)
    assert [t["name"] for t in trend["data"]] == ["Energy", "Fixed", "Not itemised", "Total"]
    total = trend["data"][-1]["y"]
    assert total[3] is None  # no CDR in the week of 18 March: no total marked
    assert total[:3] + total[4:] == pytest.approx([0, 12.3456, 3, 29])
    assert trend["layout"]["yaxis"]["title"]["text"] == "Revenue excl. VAT (EUR)"
    assert trend["layout"]["barmode"] == "relative"  # the credit's negative part below zero


def test_revenue_by_tariff_and_emp_as_csv(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_costs()
    assert at.segmented_control(key="costs_split").value == "Tariff"  # one split at a time, tariff first
    assert "revenue-by-emp-EUR-2024-03-01_2024-03-31.csv" not in csv_files
    assert chart(at, 1)["layout"]["yaxis"]["title"]["text"] == "Tariff"
    at.segmented_control(key="costs_split").set_value("EMP").run()
    assert not at.exception, at.exception
    assert chart(at, 1)["layout"]["yaxis"]["title"]["text"] == "EMP"
    by_emp = csv_files["revenue-by-emp-EUR-2024-03-01_2024-03-31.csv"].splitlines()
    assert [line.split(",")[:6] for line in by_emp] == [
        ["label", "currency", "cdrs", "sessions", "energy", "revenue_excl"],
        ["NLTNM", "EUR", "4", "3", "77.0000", "26.7500"],  # M1, its credit, M4, M6
        ["DEABC", "EUR", "1", "1", "35.5000", "12.3456"],
        ["(none)", "EUR", "2", "2", "20.0000", "5.2500"],  # M3 and M7: not roamed
    ]
    by_tariff = csv_files["revenue-by-tariff-EUR-2024-03-01_2024-03-31.csv"].splitlines()
    assert by_tariff[1].startswith("T1,EUR,7,6,132.5000,44.3456,")


def test_price_per_kwh_spread(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_costs(PRICE)
    # EUR sessions: 0.25 (M6), 0.25 (M7), 0.2727 (M3), 0.275 (M1), 0.3478 (M2), 0.5 (M4); 49.8456 / 132.5 kWh
    assert (
        "Median €0.27/kWh over 6 sessions with energy (credit CDRs left out); 10 % of them pay €0.25/kWh or "
        "less, 90 % €0.50/kWh or less; from €0.25/kWh to €0.50/kWh. All together: €0.38/kWh "
        "(revenue excl. VAT / kWh)."
    ) in captions(at)
    rows = csv_files["price-per-kwh-EUR-2024-03-01_2024-03-31.csv"].splitlines()
    assert rows[0] == "cdr_id,tariff_id,emp_id,currency,total_energy,total_cost_excl,price_per_kwh"
    assert [r.split(",")[-1] for r in rows[1:]] == ["0.2500", "0.2500", "0.2727", "0.2750", "0.3478", "0.5000"]
    spread = chart(at, 0)  # bars of the histogram (bins of 0.0063 from 0.25), not the prices themselves
    (bars,) = spread["data"]
    # 0.25-0.2563: 0.25 twice; 0.2689-0.2752: 0.2727, 0.275; 0.3445-0.3508: 0.3478; 0.4957-0.502: 0.5
    assert [(round(c[0], 4), y) for c, y in zip(bars["customdata"], bars["y"], strict=True)] == [
        (0.25, 2), (0.2689, 2), (0.3445, 1), (0.4957, 1)
    ]  # fmt: skip
    lines = [shape["x0"] for shape in spread["layout"]["shapes"]]
    assert lines == pytest.approx([0.25, 0.2727, 0.5])  # p10, median, p90 (nearest rank)


def test_the_currency_choice_switches_every_chart(store_url: str, csv_files: dict[str, str]) -> None:
    at = open_costs()
    at.segmented_control(key="costs_currency").set_value("GBP").run()
    at.segmented_control(key="costs_split").set_value("EMP").run()
    assert not at.exception
    assert chart(at, 0)["layout"]["yaxis"]["title"]["text"] == "Revenue excl. VAT (GBP)"
    assert chart(at, 1)["layout"]["xaxis"]["title"]["text"] == "Revenue excl. VAT (GBP)"
    gbp = csv_files["revenue-by-emp-GBP-2024-03-01_2024-03-31.csv"].splitlines()
    assert [line.split(",")[:6] for line in gbp[1:]] == [["DEABC", "GBP", "1", "1", "15.0000", "6.0000"]]
    show(at, PRICE)
    assert any(c.startswith("Median £0.40/kWh over 1 session with energy") for c in captions(at))


def test_a_filter_changes_the_numbers(priced_url: str, csv_files: dict[str, str]) -> None:
    at = open_costs()
    at.multiselect(key="emp").set_value(["DEABC"]).run()
    assert not at.exception
    shown = values(at)
    assert shown[cost_kpi.revenue_label("EUR")] == "€12.35"  # M2 only
    assert shown[cost_kpi.revenue_label("GBP")] == "£6.00"
    assert shown[cost_kpi.MISMATCHES] == "0"  # X1 and X2 are NLTNM's
    show(at, ISSUES)
    assert [s.value for s in at.success] == [
        "The pricing engine confirms the stated price of every checked CDR in this period."
    ]
    assert not at.dataframe


# ---------------------------------------------------------------------- price issues
ISSUE_ROWS = [
    {
        "Start": "2024-03-13 10:00 +01:00",
        "CDR": "X2",
        "Location": STATION,
        "EMP": "NLTNM",
        "Tariff": "T9",
        "Stated excl. VAT": "€5.5000",
        "Recomputed excl. VAT": "",
        "Difference excl. VAT": "",
        "Stated incl. VAT": "€6.6550",
        "Recomputed incl. VAT": "",
        "Difference incl. VAT": "",
        "Status": "unpriced",
        "Reason": UNKNOWN_T9,
    },
    {
        "Start": "2024-03-12 10:00 +01:00",
        "CDR": "X1",
        "Location": STATION,
        "EMP": "NLTNM",
        "Tariff": "T1",
        "Stated excl. VAT": "€6.0000",
        "Recomputed excl. VAT": "€5.5000",
        "Difference excl. VAT": "€0.5000",
        "Stated incl. VAT": "€7.2600",
        "Recomputed incl. VAT": "€6.6550",
        "Difference incl. VAT": "€0.6050",
        "Status": "mismatch",
        "Reason": "stated 6.0000 excl. / 7.2600 incl. VAT, recomputed 5.5000 excl. / 6.6550 incl. VAT",
    },
]


def test_price_issues_newest_first_with_both_figures(priced_url: str) -> None:
    at = open_costs(ISSUES)
    assert at.dataframe[0].value.to_dict("records") == ISSUE_ROWS
    # the first issue is explained first: an unpriced CDR shows the engine's reason
    assert at.selectbox(key="costs_issue").value == "NL*XCP*X2"
    assert [w.value for w in at.warning] == [f"The pricing engine cannot price this CDR: {UNKNOWN_T9}"]


def test_a_mismatch_is_explained_and_links_to_the_explorer(priced_url: str) -> None:
    at = open_costs(ISSUES)
    at.selectbox(key="costs_issue").set_value("NL*XCP*X1").run()
    assert not at.exception
    assert not at.warning
    totals = at.dataframe[1].value
    assert totals.iloc[0].to_dict() == {
        "Cost": "Total",
        "Stated excl. VAT": "€6.0000",
        "Recomputed excl. VAT": "€5.5000",
        "Difference excl. VAT": "€0.5000",
        "Stated incl. VAT": "€7.2600",
        "Recomputed incl. VAT": "€6.6550",
        "Difference incl. VAT": "€0.6050",
    }
    lines = at.dataframe[2].value
    assert list(lines["Component"]) == ["ENERGY", "free", "FLAT", "ENERGY", "free"]
    assert list(lines["Cost excl. VAT"]) == ["€3.1250", "€0.0000", "€0.5000", "€1.8750", "€0.0000"]
    assert any(m.value.startswith("The stated total cost differs from the recomputed one") for m in at.markdown)
    link = at.get("page_link")[0].proto
    assert link.label == "Open X1 in the CDR explorer"
    assert link.query_string == "find=X1&cdr=NL%2AXCP%2AX1"
