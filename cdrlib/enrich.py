"""What the CPO adds to a received CDR (domain.md, "The CDR and what the store keeps of it").

- the location's IANA time zone, from the location master data; for a location the store does not
  know yet: the zone the sender gave (OCPI 2.1.1), else the country's zone where the country has
  only one, else the reporting time zone, and then the CDR is marked as having a guessed time zone;
- the CDR's OU (its EVSE's, else its location's) and the location's OU;
- the EMP (token issuer) and whether the CDR is roamed: issued by another party than the CPO's own
  party ids (setting `CDR_OWN_PARTIES`; without it, the CDR's sender is the CPO).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from cdrlib import model

# ISO 3166-1 alpha-3 -> the IANA zone of countries that have exactly one (mainland and islands alike).
# Countries with several zones (e.g. ESP with the Canaries, PRT with the Azores, FRA overseas is a
# separate code) are absent on purpose: their CDRs fall back to the reporting time zone, marked guessed.
SINGLE_ZONE_COUNTRIES: dict[str, str] = {
    "AUT": "Europe/Vienna",
    "BEL": "Europe/Brussels",
    "BGR": "Europe/Sofia",
    "CHE": "Europe/Zurich",
    "CYP": "Asia/Nicosia",
    "CZE": "Europe/Prague",
    "DEU": "Europe/Berlin",
    "DNK": "Europe/Copenhagen",
    "EST": "Europe/Tallinn",
    "FIN": "Europe/Helsinki",
    "FRA": "Europe/Paris",
    "GBR": "Europe/London",
    "GRC": "Europe/Athens",
    "HRV": "Europe/Zagreb",
    "HUN": "Europe/Budapest",
    "IRL": "Europe/Dublin",
    "ISL": "Atlantic/Reykjavik",
    "ITA": "Europe/Rome",
    "LIE": "Europe/Vaduz",
    "LTU": "Europe/Vilnius",
    "LUX": "Europe/Luxembourg",
    "LVA": "Europe/Riga",
    "MLT": "Europe/Malta",
    "NLD": "Europe/Amsterdam",
    "NOR": "Europe/Oslo",
    "POL": "Europe/Warsaw",
    "ROU": "Europe/Bucharest",
    "SRB": "Europe/Belgrade",
    "SVK": "Europe/Bratislava",
    "SVN": "Europe/Ljubljana",
    "SWE": "Europe/Stockholm",
}


def enrich(
    cdr: model.Cdr,
    *,
    locations: Mapping[tuple[str, str, str], model.LocationFacts],
    own_parties: frozenset[str],
    reporting_tz: str,
) -> model.Cdr:
    """The CDR with time zone, OUs, EMP and roamed flag decided."""
    facts = locations.get((cdr.country_code, cdr.party_id, cdr.cdr_location.id))
    if facts is not None:
        time_zone, guessed = facts.time_zone, False
        location_ou = facts.ou_code
        ou = facts.evse_ou.get(cdr.cdr_location.evse_uid) or location_ou
    elif cdr.time_zone is not None:  # given by the sender (OCPI 2.1.1 locations carry one)
        time_zone, guessed = cdr.time_zone, False
        location_ou = ou = None
    else:
        time_zone = SINGLE_ZONE_COUNTRIES.get(cdr.cdr_location.country.upper(), reporting_tz)
        guessed = True
        location_ou = ou = None
    emp_id = cdr.emp_id or cdr.cdr_token.issuer
    own = own_parties or frozenset({cdr.sender})
    return dataclasses.replace(
        cdr,
        time_zone=time_zone,
        time_zone_guessed=guessed,
        ou_code=cdr.ou_code or ou,
        location_ou_code=cdr.location_ou_code or location_ou,
        emp_id=emp_id,
        roamed=emp_id is not None and emp_id not in own,
    )
