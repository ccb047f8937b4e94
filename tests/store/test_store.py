"""The store on a real SQLite file and a real PostgreSQL database: every field survives, duplicates,
conflicts, transactions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from decimal import Decimal

import polars as pl
import pytest
import sqlalchemy as sa

from cdrlib import model
from cdrlib.errors import StoreError
from cdrlib.store import ANALYTICS_COLUMNS, Store
from cdrlib.store import schema as s
from tests.factories import make_cdr, utc


@pytest.fixture
def store(empty_store_url: str):
    """A new store, once on SQLite and once on PostgreSQL."""
    with Store.open(empty_store_url) as st:
        yield st


JAN_1 = utc(2024, 1, 1)


def _tariff(tid: str = "T1", updated: dt.datetime = JAN_1) -> model.Tariff:
    return model.Tariff(
        "NL",
        "XCP",
        tid,
        "EUR",
        updated,
        '{"elements":[{"price_components":[{"price":0.25,"step_size":1,"type":"ENERGY","vat":21}]}]}',
        type="REGULAR",
        start_date_time=utc(2024, 1, 1),
    )


def _full_cdr() -> model.Cdr:
    """A CDR with every optional field set, 2.3.0 taxes included."""
    start = utc(2024, 3, 30, 23, 15, 0)
    tax = (model.TaxAmount("VAT", Decimal("1.05"), "NL001", Decimal("21")),)
    return make_cdr(
        id="FULL-1",
        start_date_time=start,
        end_date_time=start + dt.timedelta(hours=3, seconds=7),
        cdr_location=dataclasses.replace(make_cdr().cdr_location, state="Utrecht"),
        authorization_reference="AUTH-9",
        meter_id="MTR-1",
        tariffs=(_tariff(), _tariff("T2")),
        charging_periods=(
            model.ChargingPeriod(
                start,
                "T1",
                Decimal("1.2345"),
                Decimal("0.5"),
                None,
                Decimal("0.25"),
                Decimal("6"),
                Decimal("16"),
                Decimal("3.7"),
                Decimal("11"),
            ),
            model.ChargingPeriod(start + dt.timedelta(hours=1), "T2", parking_time=Decimal("2.0019")),
        ),
        signed_data='{"encoding_method":"OCMF","signed_values":[]}',
        total_cost=model.Price(Decimal("5.0000"), Decimal("6.05"), tax),
        total_fixed_cost=model.Price(Decimal("0.5"), Decimal("0.605")),
        total_energy_cost=model.Price(Decimal("0.3086"), Decimal("0.3734")),
        total_time_cost=model.Price(Decimal("1"), None),
        total_parking_time=Decimal("2.0019"),
        total_parking_cost=model.Price(Decimal("2"), Decimal("2.42")),
        total_reservation_cost=model.Price(Decimal("0.1"), Decimal("0.121")),
        remark="ok",
        invoice_reference_id="INV-1",
        credit=False,
        credit_reference_id=None,
        home_charging_compensation=True,
        ocpi_version="2.3.0",
        extensions='{"x_vendor":{"a":1}}',
        created_at=utc(2024, 4, 2, 8, 0, 0, 123456),
        time_zone="Europe/Amsterdam",
        time_zone_guessed=True,
        meter_start=1_000_000,
        meter_stop=1_001_235,
        roamed=False,
        emp_id="NLXCP",
    )


def test_every_field_survives_write_and_read(store):
    cdr = _full_cdr()
    assert store.add_cdrs([cdr]).inserted == 1
    back = store.get_cdr("NL", "XCP", "FULL-1")
    assert back is not None
    for f in dataclasses.fields(model.Cdr):
        assert getattr(back, f.name) == getattr(cdr, f.name), f.name
    assert back == cdr


def test_created_at_defaults_to_now_and_is_utc(store):
    before = dt.datetime.now(dt.UTC)
    store.add_cdrs([make_cdr(created_at=None)])
    back = store.get_cdr("NL", "XCP", "CDR0001")
    assert back.created_at.tzinfo is not None
    assert before - dt.timedelta(seconds=1) <= back.created_at <= dt.datetime.now(dt.UTC)


def test_same_cdr_again_is_a_duplicate_and_different_one_a_conflict(store):
    a = make_cdr()
    assert store.add_cdrs([a]).inserted == 1
    again = store.add_cdrs([a, dataclasses.replace(a, id="OTHER")])
    assert (again.inserted, again.duplicates, again.conflicts) == (1, 1, ())
    changed = dataclasses.replace(a, total_energy=Decimal("21"), content_hash="h2")
    res = store.add_cdrs([changed])
    assert res.inserted == 0 and res.conflicts == (changed,)
    assert store.get_cdr("NL", "XCP", "CDR0001").total_energy == Decimal("20")  # never overwritten
    assert store.count_cdrs() == 2


def test_same_key_twice_in_one_call(store):
    a = make_cdr()
    res = store.add_cdrs([a, a, dataclasses.replace(a, content_hash="other")])
    assert (res.inserted, res.duplicates, len(res.conflicts)) == (1, 1, 1)


def test_a_failing_write_leaves_no_half_written_cdr(store, monkeypatch):
    import cdrlib.store as store_mod

    real = store_mod._bulk_insert

    def fail_on_periods(conn, table, columns, rows):
        if table.name == "cdr_period":
            raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("disk I/O error"))
        return real(conn, table, columns, rows)

    monkeypatch.setattr(store_mod, "_bulk_insert", fail_on_periods)
    with pytest.raises(StoreError, match="cannot write CDRs"):
        store.add_cdrs([make_cdr(), make_cdr(id="B")])
    monkeypatch.setattr(store_mod, "_bulk_insert", real)
    assert store.count_cdrs() == 0
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(s.cdr_period)).scalar() == 0
    # running it again completes it
    assert store.add_cdrs([make_cdr(), make_cdr(id="B")]).inserted == 2
    assert len(store.get_cdr("NL", "XCP", "B").charging_periods) == 2


def test_tariff_versions_are_kept_once(store):
    t1 = _tariff()
    store.add_cdrs([make_cdr(tariffs=(t1,)), make_cdr(id="B", tariffs=(t1,))])
    store.put_tariffs([t1, _tariff(updated=utc(2024, 6, 1))])
    assert [t.last_updated for t in store.tariffs()] == [utc(2024, 1, 1), utc(2024, 6, 1)]


def test_sqlite_is_in_wal_mode(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'cdrs.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_bad_url_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("no-such-scheme")
    with pytest.raises(StoreError, match="cannot use database URL"):
        Store.open("nosuchdb://x/y")
    with pytest.raises(StoreError, match="cannot open the CDR store"):
        Store.open(f"sqlite:///{tmp_path}")  # a directory, not a file


def test_analytics_frame_holds_every_cdr_in_key_order_with_its_highest_max_power(store):
    store.put_ous([model.OrganizationUnit("ROOT", "Root"), model.OrganizationUnit("ACME", "Acme", "ROOT", True)])
    store.add_cdrs(
        [
            make_cdr(id="A"),
            make_cdr(id="B", ou_code="ROOT", roamed=False, emp_id="NLXCP"),
            make_cdr(id="C", start_date_time=utc(2024, 5, 1)),
        ]
    )
    periods = (
        model.ChargingPeriod(utc(2024, 6, 1), "T1", energy=Decimal("5"), max_power=Decimal("11.5")),
        model.ChargingPeriod(utc(2024, 6, 1, 1), "T1", energy=Decimal("5"), max_power=Decimal("22")),
    )
    store.add_cdrs([make_cdr(id="P", start_date_time=utc(2024, 6, 1), charging_periods=periods)])
    frame = store.analytics_frame()
    assert frame.columns == list(ANALYTICS_COLUMNS)
    assert frame["cdr_id"].to_list() == ["A", "B", "C", "P"]
    assert frame["roamed"].to_list() == [True, False, True, True]
    assert frame["total_cost_excl_e4"].to_list() == [55000, 55000, 55000, 55000]
    assert frame["start_us"][0] == 1709625600 * 1_000_000
    assert frame["max_power_e4"].to_list() == [None, None, None, 220_000]  # the highest of the periods
    assert store.ou_subtree("ROOT") == {"ROOT", "ACME"}
    version = store.data_version()
    store.add_cdrs([make_cdr(id="D")])
    assert store.data_version() != version


@pytest.mark.parametrize("where", ["file", "memory"])  # ConnectorX in a child process; the cursor
def test_analytics_frame_keeps_every_text_exactly(tmp_path, where):
    """The location, EVSE, party and tariff texts are read from SQLite packed as one JSON array per CDR:
    quotes, backslashes, control characters, non-ASCII text, JSON-like text and NULL come back as stored."""
    names = ['say "hi" \\ back\\slash', "tab\tnew\nline", "Zürich — 駅 🚗", "[1, null]", "null", "", None]
    cdrs = [
        make_cdr(
            id=f"T{i}",
            cdr_location=dataclasses.replace(make_cdr().cdr_location, name=name, id=f"L{i % 3}"),
            emp_id=None if name is None else "NLTNM",
        )
        for i, name in enumerate(names)
    ]
    url = f"sqlite:///{tmp_path / 'texts.db'}" if where == "file" else "sqlite://"
    with Store.open(url) as st:
        st.add_cdrs(cdrs)
        frame = st.analytics_frame()
    assert frame["location_name"].to_list() == names
    assert frame["location_id"].to_list() == [f"L{i % 3}" for i in range(len(names))]
    assert frame["emp_id"].to_list() == ["NLTNM"] * (len(names) - 1) + [None]  # NULL, not the text "null"
    assert frame.schema == pl.Schema(ANALYTICS_COLUMNS)


def test_iter_cdrs_by_created_period_reads_in_chunks(store):
    cdrs = [make_cdr(id=f"C{i:03}", created_at=utc(2024, 3, 1) + dt.timedelta(hours=i)) for i in range(30)]
    store.add_cdrs(cdrs)
    got = list(store.iter_cdrs(created_from=utc(2024, 3, 1, 5), created_to=utc(2024, 3, 2, 1), chunk_size=7))
    assert [c.id for c in got] == [f"C{i:03}" for i in range(5, 25)]
    assert all(len(c.charging_periods) == 2 for c in got)


def test_master_data_round_trip(store):
    ous = [model.OrganizationUnit("ROOT", "Root"), model.OrganizationUnit("ACME", "Acme", "ROOT", True)]
    store.put_ous(reversed(ous))
    assert store.ous() == sorted(ous, key=lambda o: o.code)
    loc = model.Location(
        "NL",
        "XCP",
        "LOC001",
        "Stationsplein 1",
        "Utrecht",
        "NLD",
        "52.1",
        "5.1",
        "Europe/Amsterdam",
        utc(2024, 1, 1),
        name="Station",
        ou_code="ACME",
        evses=(model.Evse("EVSE001", "NL*XCP*E0001", "ROOT"), model.Evse("EVSE002", "NL*XCP*E0002")),
    )
    assert store.put_locations([loc]) == 1
    assert store.locations() == [loc]
    facts = store.location_index()[("NL", "XCP", "LOC001")]
    assert facts.time_zone == "Europe/Amsterdam" and facts.evse_ou == {"EVSE001": "ROOT", "EVSE002": None}
    # an older version does not overwrite a newer one
    assert store.put_locations([dataclasses.replace(loc, city="Old", last_updated=utc(2023, 1, 1))]) == 0
    assert store.locations()[0].city == "Utrecht"
    reimb = model.ReimbursementConfig(
        "NL",
        "XCP",
        "LOC001",
        tariffs=(model.ReimbursementTariff(dt.date(2024, 1, 1), Decimal("0.25"), Decimal("0.3025"), "EUR"),),
        payees=(model.Payee(dt.date(2024, 1, 1), "J. Jansen", "NL91ABNA0417164300"),),
        contract_id="NL-TNM-C12345678-X",
    )
    store.put_reimbursements([reimb])
    assert store.reimbursements() == [reimb]
    rule = model.DistributionRule(
        "ACME",
        "Acme share",
        (
            model.DistributionVersion(
                dt.date(2024, 1, 1), Decimal("0.10"), "PERCENTAGE", "EUR", None, Decimal("30"), Decimal("70")
            ),
        ),
    )
    store.put_distribution_rules([rule])
    assert store.distribution_rules() == [rule]


def test_database_failures_become_store_errors(tmp_path):
    path = tmp_path / "gone.db"
    st = Store.open(f"sqlite:///{path}")
    st.add_cdrs([make_cdr(id="FIRST")])
    with st.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE cdr_period")
    with pytest.raises(StoreError, match=r"the CDR store at .* failed"):
        list(st.iter_cdrs())
    with pytest.raises(StoreError, match=r"cannot write CDRs to .*no such table"):
        st.add_cdrs([make_cdr()])
    st.close()


def test_unusable_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the folder"):
        Store.open(f"sqlite:///{blocker}/sub/cdrs.db")


def test_location_with_an_unknown_ou_adds_the_ou(store):
    loc = model.Location(
        "NL",
        "XCP",
        "L9",
        "Dorpsstraat 1",
        "Ede",
        "NLD",
        "52.0",
        "5.6",
        "Europe/Amsterdam",
        utc(2024, 1, 1),
        ou_code="NEWCO",
        evses=(model.Evse("E1", ou_code="NEWCO-SITE"),),
    )
    assert store.put_locations([loc]) == 1
    assert {o.code: o.name for o in store.ous()} == {"NEWCO": "NEWCO", "NEWCO-SITE": "NEWCO-SITE"}


def test_row_builder_matches_the_table_columns():
    import cdrlib.store as store_mod

    row = store_mod._cdr_row(_full_cdr())
    assert len(row) + 1 == len(store_mod._CDR_COLUMNS) == len(s.cdr.columns) - 1  # + batch_pk, - pk
    named = dict(zip(store_mod._CDR_COLUMNS, row, strict=False))
    assert named["cdr_id"] == "FULL-1" and named["content_hash"] == "h1" and named["evse_uid"] == "EVSE001"
    assert named["total_reservation_cost_incl_e4"] == 1210 and named["meter_stop"] == 1_001_235


@pytest.mark.parametrize(
    ("value", "stored"),
    [("1.2345", 12345), ("1.23455", 12346), ("-1.23455", -12346), ("0", 0), ("12", 120000), ("0.00004", 0)],
)
def test_numbers_are_stored_to_four_decimals_half_up(value, stored):
    from cdrlib.model import to_e4

    assert to_e4(Decimal(value)) == stored


def test_dashboard_reads_while_an_import_writes(tmp_path):
    """WAL: an import commits while a dashboard read is under way, and the read keeps its snapshot.

    In SQLite's default rollback-journal mode the commit would wait for the reader (and fail after
    the busy timeout)."""
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    with Store.open(url) as writer, Store.open(url) as reader:
        writer.add_cdrs([make_cdr(id="FIRST")])
        with reader.engine.connect() as rconn:
            rconn.exec_driver_sql("BEGIN")
            assert rconn.exec_driver_sql("SELECT count(*) FROM cdr").scalar() == 1  # read under way
            started = dt.datetime.now(dt.UTC)
            assert writer.add_cdrs([make_cdr(id="SECOND")]).inserted == 1
            assert (dt.datetime.now(dt.UTC) - started).total_seconds() < 5
            assert rconn.exec_driver_sql("SELECT count(*) FROM cdr").scalar() == 1  # its snapshot
            rconn.exec_driver_sql("COMMIT")
        assert reader.count_cdrs() == 2


def test_long_texts_are_kept_whole(store):
    """OCPI's lengths are not enforced on input (a long street name must not cost a billing record),
    so the store keeps texts of any length, on PostgreSQL too (TEXT columns)."""
    loc = dataclasses.replace(make_cdr().cdr_location, address="Lange Straße " * 10)
    store.add_cdrs([make_cdr(id="L" * 60, cdr_location=loc)])
    assert store.get_cdr("NL", "XCP", "L" * 60).cdr_location.address == "Lange Straße " * 10
    assert all(not isinstance(col.type, sa.String) or isinstance(col.type, sa.Text) for col in s.cdr.columns)


def test_a_changed_tariff_under_the_same_version_is_kept_beside_the_first(store):
    first = _tariff()
    changed = dataclasses.replace(first, document=first.document.replace("0.25", "9.99"))
    store.add_cdrs([make_cdr(id="A", tariffs=(first,)), make_cdr(id="B", tariffs=(changed,))])
    assert store.get_cdr("NL", "XCP", "A").tariffs == (first,)
    assert store.get_cdr("NL", "XCP", "B").tariffs == (changed,)
    assert len(store.tariffs()) == 2


def test_a_store_of_an_older_schema_is_a_clear_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Store.open(url).close()
    with sa.create_engine(url).begin() as conn:
        conn.exec_driver_sql("ALTER TABLE cdr DROP COLUMN content_hash")
    with pytest.raises(StoreError, match=r"another version of this program: it lacks cdr\.content_hash"):
        Store.open(url)


def test_a_fast_read_leaves_the_stores_own_connections_working(tmp_path):
    """ConnectorX (its own copy of SQLite) reads in a child process: in this one it dropped the WAL
    locks of the store's connections (``disk I/O error``) and later reads missed committed CDRs."""
    import sqlite3

    with Store.open(f"sqlite:///{tmp_path / 'cdrs.db'}") as store:
        store.add_cdrs([make_cdr(id="A")])
        assert store.analytics_frame()["cdr_id"].to_list() == ["A"]
        store.add_cdrs([make_cdr(id="B")])
        assert store.analytics_frame()["cdr_id"].to_list() == ["A", "B"]
        assert store.count_cdrs() == 2
        assert sqlite3.connect(tmp_path / "cdrs.db").execute("select count(*) from cdr").fetchone() == (2,)
