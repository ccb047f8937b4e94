"""Settings from the environment, validated once at the boundary.

| variable            | meaning                                              | default                  |
|---------------------|------------------------------------------------------|--------------------------|
| `CDR_DB_URL`        | SQLAlchemy URL of the CDR store                      | `sqlite:///data/cdrs.db` |
| `CDR_REPORTING_TZ`  | IANA zone in which calendar periods are whole days   | `Europe/Amsterdam`       |
| `CDR_OWN_PARTIES`   | the CPO's own party ids, comma separated (`NLXCP,BEXCP`) | the sender of each CDR |
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cdrlib.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "cdrs.db"
DEFAULT_REPORTING_TZ = "Europe/Amsterdam"
_PARTY_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}$")


@dataclass(frozen=True, slots=True)
class Settings:
    db_url: str
    reporting_tz: str = DEFAULT_REPORTING_TZ
    own_parties: frozenset[str] = frozenset()  # empty: the sender of each CDR is the CPO
    db_url_is_default: bool = False

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.reporting_tz)


def default_db_url() -> str:
    return f"sqlite:///{DEFAULT_DB_PATH}"


def parse_own_parties(text: str) -> frozenset[str]:
    """``"NLXCP, bexcp"`` -> ``{"NLXCP", "BEXCP"}``; a malformed id is a `ConfigError`."""
    parties = set()
    for part in text.split(","):
        party = part.strip().upper()
        if not party:
            continue
        if not _PARTY_RE.match(party):
            raise ConfigError(
                f"CDR_OWN_PARTIES: {part.strip()!r} is not a party id (country code + 3-character party id, e.g. NLXCP)"
            )
        parties.add(party)
    return frozenset(parties)


def check_time_zone(name: str, *, setting: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{setting}: unknown time zone {name!r} (use an IANA name like Europe/Amsterdam)") from exc
    return name


def load(environ: Mapping[str, str] | None = None, *, db_url: str | None = None) -> Settings:
    """Read the settings; ``db_url`` (the CLI's ``--db``) wins over ``CDR_DB_URL``."""
    env = os.environ if environ is None else environ
    url = db_url or env.get("CDR_DB_URL", "").strip()
    return Settings(
        db_url=url or default_db_url(),
        reporting_tz=check_time_zone(
            env.get("CDR_REPORTING_TZ", "").strip() or DEFAULT_REPORTING_TZ, setting="CDR_REPORTING_TZ"
        ),
        own_parties=parse_own_parties(env.get("CDR_OWN_PARTIES", "")),
        db_url_is_default=not url,
    )
