"""A store made before the pricing engine gets its price-check columns added when opened."""

from __future__ import annotations

import sqlite3

from cdrlib import model, pricing
from cdrlib.store import Store
from cdrlib.store import schema as s
from tests.factories import make_cdr


def test_a_store_without_the_price_columns_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    with Store.open(url) as store:
        store.add_cdrs([make_cdr(id="OLD")])
    with sqlite3.connect(path) as conn:  # make it look like a store of the first release
        conn.execute("DROP INDEX ix_cdr_price_status")
        for column in s.PRICE_CHECK_COLUMNS:
            conn.execute(f"ALTER TABLE cdr DROP COLUMN {column.name}")
    with Store.open(url) as store:
        old = store.get_cdr("NL", "XCP", "OLD")
        assert old is not None and old.price_check is None  # kept, not checked yet
        check = model.PriceCheck(model.PRICE_UNPRICED, "no tariff")
        store.set_price_checks([(old.key, check)])
        assert store.get_cdr("NL", "XCP", "OLD").price_check == check
        store.add_cdrs([make_cdr(id="NEW", price_check=pricing.check(make_cdr()))])
        assert store.get_cdr("NL", "XCP", "NEW").price_check.status == model.PRICE_UNPRICED
    with sqlite3.connect(path) as conn:
        names = {r[1] for r in conn.execute("PRAGMA index_list(cdr)")}
    assert "ix_cdr_price_status" in names
