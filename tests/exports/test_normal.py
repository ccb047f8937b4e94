"""The Normal (eViolin) export: exact files, CDRs per EMP, the period by creation date in local days."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import sys
import zipfile
from decimal import Decimal

import pytest

from cdrlib import exports, model
from cdrlib.exports import csvfmt
from cdrlib.exports import data as export_data
from cdrlib.store import Store
from tests.factories import make_cdr, utc
from tests.test_cli import ROOT, run

FIRST, LAST = dt.date(2024, 3, 1), dt.date(2024, 3, 31)  # Europe/Amsterdam: 2024-02-29T23:00Z .. 03-31T22:00Z


def cdr(cdr_id: str, emp: str | None, **changes) -> model.Cdr:
    token = model.CdrToken(emp[:2] if emp else "NL", emp[2:] if emp else "XCP", f"UID-{cdr_id}", "RFID",
                           f"{emp or 'NL-XCP'}-C-{cdr_id}")
    return make_cdr(id=cdr_id, cdr_token=token, emp_id=emp or "NLXCP", roamed=emp is not None,
                    content_hash=cdr_id, created_at=changes.pop("created_at", utc(2024, 3, 10, 12, 0)), **changes)


@pytest.fixture
def store(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'x.db'}") as st:
        loc = make_cdr().cdr_location
        st.add_cdrs([
            cdr("A1", "NLTNM"),
            cdr("A2", "NLTNM", cdr_location=dataclasses.replace(loc, address="=HYPERLINK(1)", city="Zürich")),
            cdr("B1", "DE/ICE", credit=True, credit_reference_id="B0",
                total_cost=model.Price(Decimal("-5.5"), Decimal("-6.655"))),
            cdr("N1", None),
            cdr("LAST", "NLTNM", created_at=utc(2024, 3, 31, 21, 59, 59)),  # 23:59:59 CEST on the 31st: in
            cdr("NEXT", "NLTNM", created_at=utc(2024, 3, 31, 22, 0, 0)),  # 00:00:00 on 1 April: out
            cdr("EARLY", "NLTNM", created_at=utc(2024, 2, 29, 22, 59, 59)),  # 23:59:59 on 29 February: out
        ])
        yield st


def build(store, dialect="excel") -> dict[str, bytes]:
    data = export_data.read(store, FIRST, LAST, "Europe/Amsterdam")
    payload = exports.FORMATS["normal"].build(data, csvfmt.dialect(dialect))
    archive = zipfile.ZipFile(io.BytesIO(payload))
    return {name: archive.read(name) for name in archive.namelist()}


HEADER = (
    "CDR_ID,Start_datetime,End_datetime,Duration,Volume,Charge_Point_Address,Charge_Point_ZIP,Charge_Point_City,"
    "Charge_Point_Country,Charge_Point_Type,Product_Type,Tariff_Type,Authentication_ID,Contract_ID,Meter_ID,"
    "OBIS_Code,Charge_Point_ID,Service_Provider_ID,Infra_Provider_ID,Calculated_Cost"
)
ROW = (
    "{id},2024-03-05T08:00:00+00:00,2024-03-05T10:00:00+00:00,2:00:00,20.0000,{address},3511 ED,{city},NLD,AC,"
    "IEC_62196_T2,,UID-{id},{contract},,,NL*XCP*E0001,{emp},NLXCP,{cost}"
)


def row(cdr_id, emp, contract, cost="5.5000", address="Stationsplein 1", city="Utrecht"):
    return ROW.format(id=cdr_id, emp=emp, contract=contract, cost=cost, address=address, city=city)


def test_one_file_per_emp_and_the_not_roamed_ones_exactly(store):
    files = build(store)
    assert list(files) == ["DE_ICE.csv", "NLTNM.csv", "not_roamed.csv"]  # "/" is not allowed in a name
    assert files["NLTNM.csv"].decode("utf-8-sig") == "\r\n".join([
        HEADER,
        row("A1", "NLTNM", "NLTNM-C-A1"),
        row("A2", "NLTNM", "NLTNM-C-A2", address="'=HYPERLINK(1)", city="Zürich"),
        row("LAST", "NLTNM", "NLTNM-C-LAST"),
        "",
    ])
    assert files["NLTNM.csv"].startswith(csvfmt.BOM)
    assert files["DE_ICE.csv"].decode("utf-8-sig") == "\r\n".join(
        [HEADER, row("B1", "DE/ICE", "DE/ICE-C-B1", cost="-5.5000"), ""]
    )
    assert files["not_roamed.csv"].decode("utf-8-sig") == "\r\n".join(
        [HEADER, row("N1", "NLXCP", "NL-XCP-C-N1"), ""]
    )


def test_excel_eu_dialect(store):
    text = build(store, "excel-eu")["DE_ICE.csv"].decode("utf-8-sig")
    assert text.splitlines()[1].endswith(";NL*XCP*E0001;DE/ICE;NLXCP;-5,5000")
    assert ";20,0000;" in text


def test_an_empty_period_is_a_zip_with_an_empty_not_roamed_file(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'empty.db'}") as st:
        files = build(st, "plain")
    assert files == {"not_roamed.csv": (HEADER + "\n").encode()}


def test_cli_writes_the_file_and_prints_the_counts(store, tmp_path):
    res = run("export", "normal", "--from", "2024-03-01", "--to", "2024-03-31", "--db", store.url, "-o", str(tmp_path))
    assert res.returncode == 0, res.stderr
    target = tmp_path / "cdrs-normal_2024-03-01_2024-03-31.zip"
    assert zipfile.ZipFile(target).namelist() == ["DE_ICE.csv", "NLTNM.csv", "not_roamed.csv"]
    assert "5 CDRs created" in res.stdout and "NLTNM.csv: 3 rows" in res.stdout
    assert "not_roamed.csv: 1 rows" in res.stdout
    full = run("export", "full", "--from", "2024-03-01", "--to", "2024-03-31", "--db", store.url, "-o", str(tmp_path))
    assert full.returncode == 0, full.stderr
    assert "cdrs_full.csv: 4 rows" in full.stdout and "of which EMP NLTNM: 3 roamed CDRs" in full.stdout
    assert zipfile.ZipFile(tmp_path / "cdrs-full_2024-03-01_2024-03-31.zip").testzip() is None
    for name in ("reimbursement", "distribution"):
        res = run("export", name, "--from", "2024-03-01", "--to", "2024-03-31", "--db", store.url, "-o", str(tmp_path))
        assert res.returncode == 0, res.stderr
        assert (tmp_path / f"cdrs-{name}_2024-03-01_2024-03-31.csv").read_bytes().startswith(b"\xef\xbb\xbfCDR_ID")
    empty = run("export", "full", "--from", "2020-01-01", "--to", "2020-01-31", "--db", store.url, "-o", str(tmp_path))
    assert empty.returncode == 0 and "0 CDRs created" in empty.stdout
    bad = run("export", "normal", "--from", "2024-03-31", "--to", "2024-03-01", "--db", store.url)
    assert bad.returncode == 2 and "after" in bad.stderr
    assert run("export", "normal", "--from", "31-03-2024", "--to", "2024-03-01").returncode == 2
    assert run("export", "normal", "--from", "2024-03-01", "--to", "2024-03-01", "--dialect", "x").returncode == 2


def test_cli_refuses_a_store_that_is_not_there_and_creates_nothing(tmp_path):
    """A mistyped --db must not give an empty export that looks valid (nor a new empty store)."""
    missing = tmp_path / "typo" / "cdrs.db"
    for args in (["export", "normal", "--from", "2024-03-01", "--to", "2024-03-31", "-o", str(tmp_path)], ["reprice"]):
        res = run(*args, "--db", f"sqlite:///{missing}")
        assert res.returncode == 2, res.stdout
        assert f"no CDR store at sqlite:///{missing}" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "typo").exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_output_folder_checks_come_before_the_work(store, tmp_path):
    period = ["--from", "2024-03-01", "--to", "2024-03-31", "--db", store.url]
    res = run("export", "full", *period, "-o", f"{tmp_path / 'missing'}/")
    assert res.returncode == 2 and "no such folder" in res.stderr
    assert not (tmp_path / "missing").exists()  # not a file of that name either
    res = run("export", "full", *period, "-o", str(tmp_path / "missing" / "x.zip"))
    assert res.returncode == 2 and f"the folder {tmp_path / 'missing'} does not exist" in res.stderr
    res = run("export", "full", *period, "-o", f"{tmp_path}/")  # an existing folder, written as one
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "cdrs-full_2024-03-01_2024-03-31.zip").is_file()


def test_cli_output_cut_short_by_its_reader_is_no_traceback(store, tmp_path):
    """``python -m cdrlib export ... | head -1``: the reader leaves after one line; the file is whole."""
    command = [sys.executable, "-m", "cdrlib", "export", "normal", "--from", "2024-03-01", "--to", "2024-03-31",
               "--db", store.url, "-o", str(tmp_path)]  # fmt: skip
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # gone before the first line
        error = proc.stderr.read().decode()
    assert "Traceback" not in error and "BrokenPipe" not in error
    assert proc.returncode == 141
    assert zipfile.ZipFile(tmp_path / "cdrs-normal_2024-03-01_2024-03-31.zip").testzip() is None
