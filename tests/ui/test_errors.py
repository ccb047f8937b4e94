"""A bad setting shows a clear message on every page, never a traceback."""

from __future__ import annotations

import pytest

from cdrlib.ui import navigation
from tests.ui.conftest import ROOT, app_test

PAGE_FILES = [str(ROOT / p.path) for p in navigation.PAGES]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CDR_DB_URL", "not a url", "not a database URL: 'not a url'"),
        (
            "CDR_DB_URL",
            "postgresql+nodriver://cpo:secret@db/cdrs",
            "cannot use database URL postgresql+nodriver://cpo:***@db/cdrs",
        ),
        ("CDR_REPORTING_TZ", "Mars/Olympus_Mons", "CDR_REPORTING_TZ: unknown time zone 'Mars/Olympus_Mons'"),
        ("CDR_OWN_PARTIES", "NLXCP,nope", "CDR_OWN_PARTIES: 'nope' is not a party id"),
    ],
)
@pytest.mark.parametrize("script", [str(ROOT / "app.py"), *PAGE_FILES], ids=lambda p: p.rsplit("/", 1)[-1])
def test_bad_settings_give_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, script: str, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv("CDR_DB_URL", f"sqlite:///{tmp_path}/cdrs.db")
    monkeypatch.setenv(variable, value)
    at = app_test(script).run()
    assert not at.exception, at.exception
    assert len(at.error) == 1
    assert message in at.error[0].value
    assert "secret" not in at.error[0].value
    assert not at.metric
