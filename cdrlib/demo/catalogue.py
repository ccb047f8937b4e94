"""The fixed master data of the demo CPO "XCP Charging": OUs, EMPs, sites with their EVSEs and
connectors, charge cards, reimbursement configurations and distribution rules.

Everything here is made up but shaped like the real thing: one CPO party (``NL`` ``XCP``) running
sites in the Netherlands, Belgium, Germany and one in London; customers (a logistics company with an
office, a depot and employees' home chargers, a municipality, a parking-garage operator, a Belgian
city, a German garage operator, a consultancy whose drivers charge at home); EMPs with pools of RFID
cards; the CPO's own cards, app users and ad-hoc (card terminal) payment.

Nothing here draws on the generation seed: the master data is the same for every run. Dates that
depend on the generated period (reimbursement prices, distribution versions) take it as arguments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from cdrlib import model

CPO_COUNTRY = "NL"
CPO_PARTY = "XCP"
CPO_ID = "NLXCP"
CPO_NAME = "XCP Charging B.V."

# ---------------------------------------------------------------------------------------------- OUs
OUS: tuple[model.OrganizationUnit, ...] = (
    model.OrganizationUnit("XCP", "XCP Charging B.V."),
    model.OrganizationUnit("XCP-NL", "Region Netherlands", "XCP"),
    model.OrganizationUnit("XCP-NL-PUB", "Public charging Netherlands", "XCP-NL"),
    model.OrganizationUnit("XCP-NL-HUB", "Fast-charging hubs Netherlands", "XCP-NL"),
    model.OrganizationUnit("ACME", "Acme Logistics B.V.", "XCP-NL", is_customer=True),
    model.OrganizationUnit("ACME-HQ", "Acme Logistics - head office Utrecht", "ACME", is_customer=True),
    model.OrganizationUnit("ACME-TLB", "Acme Logistics - distribution centre Tilburg", "ACME", is_customer=True),
    model.OrganizationUnit("ACME-HOME", "Acme Logistics - employees' home chargers", "ACME", is_customer=True),
    model.OrganizationUnit("GEM-UTR", "Gemeente Utrecht", "XCP-NL", is_customer=True),
    model.OrganizationUnit("CPA", "CityPark Amsterdam B.V.", "XCP-NL", is_customer=True),
    model.OrganizationUnit("XCP-BE", "Region Belgium", "XCP"),
    model.OrganizationUnit("XCP-BE-PUB", "Public charging Belgium", "XCP-BE"),
    model.OrganizationUnit("GENT", "Stad Gent", "XCP-BE", is_customer=True),
    model.OrganizationUnit("XCP-DE", "Region Germany", "XCP"),
    model.OrganizationUnit("XCP-DE-PUB", "Public charging Germany", "XCP-DE"),
    model.OrganizationUnit("PHK", "Parkhaus Koeln GmbH", "XCP-DE", is_customer=True),
    model.OrganizationUnit("XCP-GB", "Region United Kingdom", "XCP"),
    model.OrganizationUnit("XCP-FLEET", "Fleet and home charging", "XCP"),
    model.OrganizationUnit("BRIGHT", "Brightfield Consultancy B.V.", "XCP-FLEET", is_customer=True),
)

# --------------------------------------------------------------------------------------------- EMPs
EMPS: tuple[model.Emp, ...] = (
    model.Emp("NLTNM", "Tanamo Mobility B.V."),
    model.Emp("NLEVB", "EVBright Benelux B.V."),
    model.Emp("NLSHL", "Shoreline Recharge Nederland B.V."),
    model.Emp("DEICE", "IceCharge Mobility GmbH"),
    model.Emp("BEALL", "AllRoam Belgium NV"),
    model.Emp("FRCHM", "ChargeMonde SAS"),
    model.Emp("GBPLG", "PlugGo UK Ltd"),
    model.Emp(CPO_ID, "XCP Charging (own cards, app and ad-hoc payment)"),
)

# EMP id -> number of RFID cards in its pool. NLTNM card 0..ACME_FLEET_CARDS-1 are Acme's fleet cards.
CARD_POOLS: dict[str, int] = {
    "NLTNM": 4_000,
    "NLEVB": 2_500,
    "NLSHL": 2_000,
    "DEICE": 2_500,
    "BEALL": 1_500,
    "FRCHM": 800,
    "GBPLG": 600,
}
OWN_RFID_CARDS = 500
OWN_APP_USERS = 1_500
ACME_FLEET_CARDS = 120

# ------------------------------------------------------------------------------------------- tariffs
# Tariff ids (documents in `cdrlib.demo.tariffs`).
T_NL_AC = "XCP-NL-AC"
T_NL_GARAGE = "XCP-NL-GARAGE"
T_BE_AC = "XCP-BE-AC"
T_DE_AC = "XCP-DE-AC"
T_DE_GARAGE = "XCP-DE-GARAGE"
T_EU_DC = "XCP-EU-DC"
T_DE_DC = "XCP-DE-DC"
T_GB_AC = "XCP-GB-AC"
T_GB_DC = "XCP-GB-DC"
T_OFFICE = "XCP-OFFICE"
T_HOME = "XCP-HOME"
T_HOME_DE = "XCP-HOME-DE"
T_ADHOC = "XCP-ADHOC"

# --------------------------------------------------------------------------------------------- sites
# Kinds of site; `cdrlib.demo.sessions` gives each its daily and weekly pattern.
OFFICE, HOME, STREET, GARAGE, HUB, RETAIL = "OFFICE", "HOME", "STREET", "GARAGE", "HUB", "RETAIL"

# Sessions per EVSE on an ordinary weekday, relative: only the ratios matter.
ACTIVITY = {
    (OFFICE, False): 1.0,
    (HOME, False): 1.2,
    (STREET, False): 2.2,
    (GARAGE, False): 1.6,
    (GARAGE, True): 4.0,
    (HUB, True): 4.5,
    (RETAIL, False): 1.5,
    (RETAIL, True): 3.5,
    (OFFICE, True): 3.0,
}

COUNTRY3 = {"NL": "NLD", "BE": "BEL", "DE": "DEU", "GB": "GBR"}
ZONES = {"NL": "Europe/Amsterdam", "BE": "Europe/Brussels", "DE": "Europe/Berlin", "GB": "Europe/London"}
CURRENCY = {"NL": "EUR", "BE": "EUR", "DE": "EUR", "GB": "GBP"}

# Token sources and their weights per site "mix" (AC and DC separately). EMP ids draw from the EMP's
# card pool; OWN = the CPO's RFID cards, APP = app users, ADHOC = card terminal / QR payment,
# ACME = Acme's fleet cards (NLTNM), OWNER = the card of the driver living at a home charger.
MIXES: dict[str, dict[str, float]] = {
    "NL": {"NLTNM": 24, "NLEVB": 18, "NLSHL": 14, "DEICE": 4, "BEALL": 4, "FRCHM": 3, "GBPLG": 1,
           "OWN": 10, "APP": 12, "ACME": 3},
    "NL_DC": {"NLTNM": 22, "NLEVB": 16, "NLSHL": 14, "DEICE": 6, "BEALL": 5, "FRCHM": 5, "GBPLG": 1,
              "OWN": 5, "APP": 12, "ACME": 2, "ADHOC": 10},
    "BE": {"BEALL": 30, "NLTNM": 12, "NLEVB": 8, "NLSHL": 6, "DEICE": 5, "FRCHM": 6, "OWN": 6, "APP": 10},
    "BE_DC": {"BEALL": 28, "NLTNM": 12, "NLEVB": 8, "NLSHL": 6, "DEICE": 6, "FRCHM": 8, "OWN": 3, "APP": 10,
              "ADHOC": 8},
    "DE": {"DEICE": 40, "NLTNM": 6, "NLEVB": 4, "BEALL": 3, "FRCHM": 5, "NLSHL": 4, "OWN": 4, "APP": 8},
    "GB": {"GBPLG": 55, "NLTNM": 5, "FRCHM": 5, "DEICE": 3, "OWN": 5, "APP": 20},
    "ACME": {"ACME": 75, "NLTNM": 8, "NLEVB": 6, "NLSHL": 5, "APP": 6},
    "HOME": {"OWNER": 92, "NLTNM": 3, "NLEVB": 3, "APP": 2},
}


@dataclass(frozen=True, slots=True)
class Site:
    """One location. ``ac``/``dc``: number of EVSEs; ``evse_ou``: EVSE number -> its own OU;
    ``evse_tariff``: EVSE number -> a tariff other than the site's AC tariff."""

    id: str
    name: str
    address: str
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    latitude: str
    longitude: str
    ou: str
    kind: str
    ac: int = 0
    ac_kw: str = "11"  # "3.7", "7.4", "11", "22"
    ac_format: str = "SOCKET"
    dc: int = 0
    dc_kw: int = 150
    chademo: bool = False
    tariff_ac: str | None = None
    tariff_dc: str | None = None
    mix_ac: str = "NL"
    mix_dc: str = "NL_DC"
    evse_ou: tuple[tuple[int, str], ...] = ()
    evse_tariff: tuple[tuple[int, str], ...] = ()
    owner: str | None = None  # home chargers: the owner's card, "EMP:card number"

    @property
    def time_zone(self) -> str:
        return ZONES[self.country]


def _nl(n: str, name: str, addr: str, pc: str, city: str, lat: str, lon: str, ou: str, kind: str, **kw: Any) -> Site:
    return Site(n, name, addr, pc, city, "NL", lat, lon, ou, kind, **kw)


def _be(n: str, name: str, addr: str, pc: str, city: str, lat: str, lon: str, ou: str, kind: str, **kw: Any) -> Site:
    kw.setdefault("mix_ac", "BE")
    kw.setdefault("mix_dc", "BE_DC")
    return Site(n, name, addr, pc, city, "BE", lat, lon, ou, kind, **kw)


def _de(n: str, name: str, addr: str, pc: str, city: str, lat: str, lon: str, ou: str, kind: str, **kw: Any) -> Site:
    kw.setdefault("mix_ac", "DE")
    kw.setdefault("mix_dc", "DE")
    return Site(n, name, addr, pc, city, "DE", lat, lon, ou, kind, **kw)


_NL_STREET = {"ac": 2, "tariff_ac": T_NL_AC}
_NL_HUB = {"tariff_dc": T_EU_DC}
_NL_HOME = {"ac": 1, "ac_kw": "7.4", "ac_format": "CABLE", "tariff_ac": T_HOME, "mix_ac": "HOME"}

SITES: tuple[Site, ...] = (
    # Gemeente Utrecht: on-street chargers
    _nl("NLUTR001", "Biltstraat", "Biltstraat 112", "3572 BJ", "Utrecht", "52.09362", "5.13102", "GEM-UTR", STREET,
        **_NL_STREET),
    _nl("NLUTR002", "Amsterdamsestraatweg", "Amsterdamsestraatweg 410", "3551 CV", "Utrecht", "52.10589", "5.09354",
        "GEM-UTR", STREET, **_NL_STREET),
    _nl("NLUTR003", "Kanaalweg", "Kanaalweg 58", "3526 KM", "Utrecht", "52.08212", "5.09781", "GEM-UTR", STREET,
        **_NL_STREET),
    _nl("NLUTR004", "Burgemeester Reigerstraat", "Burgemeester Reigerstraat 21", "3581 KK", "Utrecht", "52.08726",
        "5.13458", "GEM-UTR", STREET, **_NL_STREET),
    _nl("NLUTR005", "Vleutenseweg", "Vleutenseweg 300", "3532 HP", "Utrecht", "52.09363", "5.09012", "GEM-UTR",
        STREET, **_NL_STREET),
    _nl("NLUTR006", "Croeselaan", "Croeselaan 160", "3521 CJ", "Utrecht", "52.08001", "5.10985", "GEM-UTR", STREET,
        **_NL_STREET),
    # Own on-street chargers
    _nl("NLRTD001", "Nieuwe Binnenweg", "Nieuwe Binnenweg 201", "3021 GE", "Rotterdam", "51.91522", "4.46281",
        "XCP-NL-PUB", STREET, **_NL_STREET),
    _nl("NLRTD002", "Goudsesingel", "Goudsesingel 70", "3011 KD", "Rotterdam", "51.92301", "4.48901", "XCP-NL-PUB",
        STREET, **_NL_STREET),
    _nl("NLDHG001", "Laan van Meerdervoort", "Laan van Meerdervoort 450", "2563 BL", "Den Haag", "52.07301", "4.26712",
        "XCP-NL-PUB", STREET, **_NL_STREET),
    _nl("NLHLM001", "Kleine Houtweg", "Kleine Houtweg 18", "2012 CH", "Haarlem", "52.37413", "4.63785", "XCP-NL-PUB",
        STREET, **_NL_STREET),
    _nl("NLGRQ001", "Herestraat", "Herestraat 95", "9711 LJ", "Groningen", "53.21341", "6.56702", "XCP-NL-PUB",
        STREET, **_NL_STREET),
    _nl("NLZWL001", "Assendorperstraat", "Assendorperstraat 120", "8012 DP", "Zwolle", "52.50452", "6.09702",
        "XCP-NL-PUB", STREET, **_NL_STREET),
    _nl("NLAMS001", "Admiraal de Ruijterweg", "Admiraal de Ruijterweg 300", "1055 MP", "Amsterdam", "52.37881",
        "4.84672", "XCP-NL-PUB", STREET, **_NL_STREET),
    _nl("NLEIN001", "Kruisstraat", "Kruisstraat 110", "5612 CK", "Eindhoven", "51.44712", "5.48234", "XCP-NL-PUB",
        STREET, **_NL_STREET),
    # CityPark Amsterdam: parking garages; the fast chargers in Centrum are the CPO's own (hub OU)
    _nl("NLAMS002", "CityPark Centrum", "Marnixstraat 250", "1016 TL", "Amsterdam", "52.37425", "4.87883", "CPA",
        GARAGE, ac=10, tariff_ac=T_NL_GARAGE, dc=2, dc_kw=150, tariff_dc=T_EU_DC,
        evse_ou=((11, "XCP-NL-HUB"), (12, "XCP-NL-HUB"))),
    _nl("NLAMS003", "CityPark Zuid", "Gustav Mahlerlaan 30", "1082 MC", "Amsterdam", "52.33801", "4.87302", "CPA",
        GARAGE, ac=8, tariff_ac=T_NL_GARAGE),
    # Acme Logistics: office (two visitor chargers run by the CPO) and depot
    _nl("NLUTR007", "Acme Logistics HQ", "Papendorpseweg 100", "3528 BJ", "Utrecht", "52.07891", "5.07692",
        "ACME-HQ", OFFICE, ac=12, ac_format="CABLE", tariff_ac=T_OFFICE, mix_ac="ACME",
        evse_ou=((11, "XCP-NL-PUB"), (12, "XCP-NL-PUB")), evse_tariff=((11, T_NL_AC), (12, T_NL_AC))),
    _nl("NLTLB001", "Acme Logistics DC Tilburg", "Kraaivenstraat 25", "5048 AB", "Tilburg", "51.59012", "5.05801",
        "ACME-TLB", OFFICE, ac=8, ac_kw="22", tariff_ac=T_OFFICE, mix_ac="ACME", dc=1, dc_kw=50,
        tariff_dc=T_EU_DC, mix_dc="ACME"),
    # Fast-charging hubs along motorways
    _nl("NLVKV001", "Laadplein A2 Vinkeveen", "Demmeriksekade 1", "3645 KA", "Vinkeveen", "52.21501", "4.93702",
        "XCP-NL-HUB", HUB, dc=6, dc_kw=300, chademo=True, **_NL_HUB),
    _nl("NLBDG001", "Laadplein A12 Bodegraven", "Broekveldselaan 8", "2411 NM", "Bodegraven", "52.07702", "4.73101",
        "XCP-NL-HUB", HUB, dc=4, dc_kw=150, **_NL_HUB),
    _nl("NLEIN002", "Laadplein A67 Eindhoven Airport", "Luchthavenweg 81", "5657 EA", "Eindhoven", "51.45012",
        "5.39301", "XCP-NL-HUB", HUB, dc=6, dc_kw=300, chademo=True, **_NL_HUB),
    _nl("NLDEV001", "Laadplein A1 Deventer", "Siemelinksweg 51", "7418 CA", "Deventer", "52.24502", "6.19312",
        "XCP-NL-HUB", HUB, dc=4, dc_kw=150, **_NL_HUB),
    _nl("NLAMF001", "Laadplein A28 Amersfoort", "Hogeweg 70", "3814 CE", "Amersfoort", "52.16501", "5.40402",
        "XCP-NL-HUB", HUB, dc=4, dc_kw=150, **_NL_HUB),
    # Shopping centres: AC in the car park, two 50 kW chargers
    _nl("NLUTR008", "Winkelcentrum Leidsche Rijn", "Brennerbaan 150", "3524 BN", "Utrecht", "52.08302", "5.06301",
        "XCP-NL-PUB", RETAIL, ac=4, tariff_ac=T_NL_AC, dc=2, dc_kw=50, chademo=True, tariff_dc=T_EU_DC),
    _nl("NLALM001", "Retailpark Almere", "Randstad 2130", "1316 BW", "Almere", "52.37012", "5.21802", "XCP-NL-PUB",
        RETAIL, ac=4, tariff_ac=T_NL_AC, dc=2, dc_kw=50, tariff_dc=T_EU_DC),
    # Home chargers: Acme employees (reimbursed for every Acme card) and Brightfield drivers (one card)
    _nl("NLHOM001", "Home charger Utrecht (Acme)", "Merelstraat 14", "3514 CN", "Utrecht", "52.10012", "5.12302",
        "ACME-HOME", HOME, owner="ACME:0", **_NL_HOME),
    _nl("NLHOM002", "Home charger Houten (Acme)", "Zwanenhof 3", "3991 TB", "Houten", "52.02801", "5.16802",
        "ACME-HOME", HOME, owner="ACME:1", **_NL_HOME),
    _nl("NLHOM003", "Home charger Nieuwegein (Acme)", "Wijkersloot 9", "3437 BH", "Nieuwegein", "52.03401", "5.09102",
        "ACME-HOME", HOME, owner="ACME:2", **{**_NL_HOME, "ac_kw": "11"}),
    _nl("NLHOM004", "Home charger Amersfoort (Brightfield)", "Leusderweg 212", "3817 KH", "Amersfoort", "52.14801",
        "5.38202", "BRIGHT", HOME, owner="NLEVB:7", **_NL_HOME),
    _nl("NLHOM005", "Home charger Leiden (Brightfield)", "Rijnsburgerweg 88", "2333 AE", "Leiden", "52.16702",
        "4.47402", "BRIGHT", HOME, owner="NLTNM:1234", **{**_NL_HOME, "ac_kw": "11"}),
    # Belgium: Stad Gent on-street, own hub and garages, two home chargers
    _be("BEGNT001", "Sint-Pietersnieuwstraat", "Sint-Pietersnieuwstraat 120", "9000", "Gent", "51.04452", "3.72601",
        "GENT", STREET, ac=2, tariff_ac=T_BE_AC),
    _be("BEGNT002", "Dampoortstraat", "Dampoortstraat 50", "9000", "Gent", "51.05601", "3.74102", "GENT", STREET,
        ac=2, tariff_ac=T_BE_AC),
    _be("BEGNT003", "Kortrijksesteenweg", "Kortrijksesteenweg 300", "9000", "Gent", "51.03512", "3.71002", "GENT",
        STREET, ac=2, tariff_ac=T_BE_AC),
    _be("BEGNT004", "Brugsesteenweg", "Brugsesteenweg 210", "9000", "Gent", "51.06401", "3.69812", "GENT", STREET,
        ac=2, tariff_ac=T_BE_AC),
    _be("BEANR001", "Laadplein E19 Antwerpen-Noord", "Noorderlaan 150", "2030", "Antwerpen", "51.24402", "4.41202",
        "XCP-BE-PUB", HUB, dc=4, dc_kw=150, chademo=True, tariff_dc=T_EU_DC),
    _be("BEBRU001", "Parking Sablon", "Rue de Ruysbroeck 45", "1000", "Bruxelles", "50.84102", "4.35502",
        "XCP-BE-PUB", GARAGE, ac=8, tariff_ac=T_BE_AC),
    _be("BELEU001", "Parking Leuven Station", "Diestsepoort 5", "3000", "Leuven", "50.88112", "4.71502", "XCP-BE-PUB",
        GARAGE, ac=6, tariff_ac=T_BE_AC),
    _be("BEHOM001", "Home charger Mechelen (Brightfield)", "Hanswijkstraat 40", "2800", "Mechelen", "51.02102",
        "4.48302", "BRIGHT", HOME, owner="BEALL:3", **{**_NL_HOME, "mix_ac": "HOME"}),
    _be("BEHOM002", "Home charger Brugge (Brightfield)", "Gistelse Steenweg 310", "8200", "Brugge", "51.19102",
        "3.20302", "BRIGHT", HOME, owner="BEALL:11", **{**_NL_HOME, "ac_kw": "11", "mix_ac": "HOME"}),
    # Germany: Parkhaus Koeln garages (one EVSE run by the CPO), office park, street, motorway hub, one home
    _de("DECGN001", "Parkhaus Am Dom", "Komoedienstrasse 11", "50667", "Koeln", "50.94202", "6.95502", "PHK", GARAGE,
        ac=10, tariff_ac=T_DE_GARAGE, evse_ou=((10, "XCP-DE-PUB"),)),
    _de("DECGN002", "Parkhaus Rheinauhafen", "Agrippinawerft 30", "50678", "Koeln", "50.92702", "6.96502", "PHK",
        GARAGE, ac=8, tariff_ac=T_DE_GARAGE),
    _de("DEDUS001", "Bueropark Seestern", "Am Seestern 18", "40547", "Duesseldorf", "51.24402", "6.71502",
        "XCP-DE-PUB", OFFICE, ac=6, tariff_ac=T_DE_AC),
    _de("DEAAC001", "Pontstrasse", "Pontstrasse 120", "52062", "Aachen", "50.78102", "6.07802", "XCP-DE-PUB", STREET,
        ac=2, tariff_ac=T_DE_AC),
    _de("DEBER001", "Invalidenstrasse", "Invalidenstrasse 50", "10115", "Berlin", "52.53012", "13.37502",
        "XCP-DE-PUB", STREET, ac=2, tariff_ac=T_DE_AC),
    _de("DESGB001", "Rastanlage A3 Siegburg", "An der A3 1", "53721", "Siegburg", "50.80102", "7.22402",
        "XCP-DE-PUB", HUB, dc=4, dc_kw=300, tariff_dc=T_DE_DC),
    _de("DEHOM001", "Home charger Bonn (Brightfield)", "Koblenzer Strasse 101", "53177", "Bonn", "50.69502",
        "7.15602", "BRIGHT", HOME, owner="DEICE:5", **{**_NL_HOME, "ac_kw": "11", "tariff_ac": T_HOME_DE,
                                                      "mix_ac": "HOME"}),
    # United Kingdom: one car park in London, in pounds
    Site("GBLON001", "Wharf Road Car Park", "Wharf Road 20", "N1 7RW", "London", "GB", "51.53202", "-0.09402",
         "XCP-GB", GARAGE, ac=4, ac_kw="7.4", tariff_ac=T_GB_AC, dc=2, dc_kw=150, tariff_dc=T_GB_DC, mix_ac="GB",
         mix_dc="GB"),
)


@dataclass(frozen=True, slots=True)
class Connector:
    """One connector of one EVSE, with everything a CDR at it needs (precomputed once)."""

    index: int
    site: Site
    evse_no: int
    evse_uid: str
    evse_id: str
    connector_id: str
    standard: str
    format: str
    power_type: str
    max_kw: float  # the generator's physics only; never money
    is_dc: bool
    tariff_id: str
    ou_code: str  # the EVSE's OU, else the location's
    cdr_location: model.CdrLocation
    meter_id: str | None
    meter_base_wh: int
    weight: float  # relative sessions per day on a weekday


_AC_PHASES = {"3.7": "AC_1_PHASE", "7.4": "AC_1_PHASE", "11": "AC_3_PHASE", "22": "AC_3_PHASE"}
_AC_AMPS = {"3.7": 16, "7.4": 32, "11": 16, "22": 32}


def _stable_int(text: str, modulo: int) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") % modulo


@cache
def connectors() -> tuple[Connector, ...]:
    """Every connector of every site, in a fixed order."""
    found: list[Connector] = []
    for site_no, site in enumerate(SITES, start=1):
        evse_ou = dict(site.evse_ou)
        evse_tariff = dict(site.evse_tariff)
        specs: list[tuple[int, bool]] = [(n, False) for n in range(1, site.ac + 1)]
        specs += [(n, True) for n in range(site.ac + 1, site.ac + site.dc + 1)]
        for evse_no, is_dc in specs:
            uid = f"{site.id}-{evse_no}"
            evse_id = f"{site.country}*XCP*E{site_no:03d}{evse_no:02d}"
            meter_id = None
            if is_dc or site.country == "DE":
                meter_id = f"{'EMH' if site.country == 'DE' else 'ABB'}-{_stable_int(uid, 10**8):08d}"
            if is_dc:
                plugs = [("1", "IEC_62196_T2_COMBO", 0.96)]
                if site.chademo and evse_no == site.ac + 1:
                    plugs = [("1", "IEC_62196_T2_COMBO", 0.9), ("2", "CHADEMO", 0.1)]
                for cid, standard, share in plugs:
                    kw = float(site.dc_kw) if standard != "CHADEMO" else 50.0
                    found.append(_connector(len(found), site, evse_no, uid, evse_id, cid, standard, "CABLE", "DC", kw,
                                            True, evse_tariff.get(evse_no, site.tariff_dc), evse_ou.get(evse_no),
                                            meter_id, ACTIVITY[(site.kind, True)] * share))
            else:
                found.append(_connector(len(found), site, evse_no, uid, evse_id, "1", "IEC_62196_T2", site.ac_format,
                                        _AC_PHASES[site.ac_kw], float(site.ac_kw), False,
                                        evse_tariff.get(evse_no, site.tariff_ac), evse_ou.get(evse_no), meter_id,
                                        ACTIVITY[(site.kind, False)]))
    return tuple(found)


def _connector(index: int, site: Site, evse_no: int, uid: str, evse_id: str, cid: str, standard: str, fmt: str,
               power_type: str, kw: float, is_dc: bool, tariff_id: str | None, ou: str | None, meter_id: str | None,
               weight: float) -> Connector:
    assert tariff_id is not None, f"{uid}: no tariff"
    loc = model.CdrLocation(
        id=site.id,
        name=site.name,
        address=site.address,
        city=site.city,
        postal_code=site.postal_code,
        country=COUNTRY3[site.country],
        latitude=site.latitude,
        longitude=site.longitude,
        evse_uid=uid,
        evse_id=evse_id,
        connector_id=cid,
        connector_standard=standard,
        connector_format=fmt,
        connector_power_type=power_type,
    )
    return Connector(index, site, evse_no, uid, evse_id, cid, standard, fmt, power_type, kw, is_dc, tariff_id,
                     ou or site.ou, loc, meter_id, 1_000_000 + _stable_int(uid, 40_000_000), weight)


def locations(last_updated: dt.datetime) -> list[model.Location]:
    """The sites as OCPI 2.2.1 locations, each with its EVSEs (and their own OU where it differs)."""
    by_site: dict[str, list[Connector]] = {}
    for c in connectors():
        by_site.setdefault(c.site.id, []).append(c)
    stamp = last_updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    result = []
    for site in SITES:
        evses: list[model.Evse] = []
        evse_docs = []
        for evse_no in sorted({c.evse_no for c in by_site[site.id]}):
            plugs = [c for c in by_site[site.id] if c.evse_no == evse_no]
            first = plugs[0]
            doc = {
                "uid": first.evse_uid,
                "evse_id": first.evse_id,
                "status": "AVAILABLE",
                "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"]
                + (["CREDIT_CARD_PAYABLE"] if first.is_dc and site.country in ("NL", "BE") else []),
                "connectors": [_connector_doc(c, stamp) for c in plugs],
                "last_updated": stamp,
            }
            evse_docs.append(doc)
            own_ou = dict(site.evse_ou).get(evse_no)
            evses.append(model.Evse(first.evse_uid, first.evse_id, own_ou, canonical_json(doc)))
        location_doc = {
            "country_code": CPO_COUNTRY,
            "party_id": CPO_PARTY,
            "id": site.id,
            "publish": site.kind != HOME,
            "name": site.name,
            "address": site.address,
            "city": site.city,
            "postal_code": site.postal_code,
            "country": COUNTRY3[site.country],
            "coordinates": {"latitude": site.latitude, "longitude": site.longitude},
            "parking_type": _PARKING_TYPE[site.kind],
            "evses": evse_docs,
            "operator": {"name": CPO_NAME},
            "time_zone": site.time_zone,
            "last_updated": stamp,
        }
        result.append(
            model.Location(
                country_code=CPO_COUNTRY,
                party_id=CPO_PARTY,
                id=site.id,
                address=site.address,
                city=site.city,
                country=COUNTRY3[site.country],
                latitude=site.latitude,
                longitude=site.longitude,
                time_zone=site.time_zone,
                last_updated=last_updated,
                name=site.name,
                postal_code=site.postal_code,
                ou_code=site.ou,
                evses=tuple(evses),
                document=canonical_json(location_doc),
            )
        )
    return result


_PARKING_TYPE = {
    OFFICE: "PARKING_LOT",
    HOME: "ON_DRIVEWAY",
    STREET: "ON_STREET",
    GARAGE: "PARKING_GARAGE",
    HUB: "ALONG_MOTORWAY",
    RETAIL: "PARKING_LOT",
}


def _connector_doc(c: Connector, stamp: str) -> dict[str, Any]:
    if c.is_dc:
        volts, amps = (920, 500) if c.max_kw > 150 else (500, 375 if c.max_kw > 50 else 125)
    else:
        volts, amps = (230, _AC_AMPS[c.site.ac_kw]) if c.power_type == "AC_1_PHASE" else (400, _AC_AMPS[c.site.ac_kw])
    return {
        "id": c.connector_id,
        "standard": c.standard,
        "format": c.format,
        "power_type": c.power_type,
        "max_voltage": volts,
        "max_amperage": amps,
        "max_electric_power": int(c.max_kw * 1000),
        "tariff_ids": [c.tariff_id],
        "last_updated": stamp,
    }


def canonical_json(value: Any) -> str:
    """Canonical JSON text as `cdrlib.ocpi.jsontext.canonical` writes it: keys sorted, no spaces,
    non-ASCII kept, `Decimal` numbers exact in their shortest form (``0.40`` -> ``0.4``)."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{_string(k)}:{canonical_json(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool | int):
        return json.dumps(value)
    raise TypeError(f"not JSON: {value!r}")


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# -------------------------------------------------------------------------------------------- tokens
@dataclass(frozen=True, slots=True)
class TokenPools:
    """Every reusable token, and where each source's cards start in ``tokens``."""

    tokens: tuple[model.CdrToken, ...]
    start: dict[str, int]  # source (EMP id, "OWN", "APP") -> index of its first card
    size: dict[str, int]


def emaid(country: str, party: str, number: int) -> str:
    """An EMAID-shaped contract id, e.g. ``NL-TNM-C00001234-K``. The last character is a check
    character of this generator (a hash), not the DIN SPEC 91286 check digit."""
    body = f"{country}{party}C{number:08d}"
    check = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"[_stable_int(body, 34)]
    return f"{country}-{party}-C{number:08d}-{check}"


def rfid_uid(source: str, number: int) -> str:
    """A 7-byte NFC UID in hex (ISO 14443, NXP manufacturer byte 04)."""
    return "04" + hashlib.sha256(f"{source}:{number}".encode()).hexdigest()[:12].upper()


@cache
def token_pools() -> TokenPools:
    tokens: list[model.CdrToken] = []
    start: dict[str, int] = {}
    size: dict[str, int] = {}
    for emp_id, count in CARD_POOLS.items():
        start[emp_id], size[emp_id] = len(tokens), count
        cc, party = emp_id[:2], emp_id[2:]
        # Card numbers are spread out, as issued over the years.
        tokens.extend(
            model.CdrToken(cc, party, rfid_uid(emp_id, n), "RFID", emaid(cc, party, 1_000_000 + 7 * n + n % 5))
            for n in range(count)
        )
    start["OWN"], size["OWN"] = len(tokens), OWN_RFID_CARDS
    tokens.extend(
        model.CdrToken(CPO_COUNTRY, CPO_PARTY, rfid_uid("OWN", n), "RFID", emaid(CPO_COUNTRY, CPO_PARTY, 200_000 + n))
        for n in range(OWN_RFID_CARDS)
    )
    start["APP"], size["APP"] = len(tokens), OWN_APP_USERS
    tokens.extend(
        model.CdrToken(
            CPO_COUNTRY,
            CPO_PARTY,
            f"APP-{hashlib.sha256(f'APP:{n}'.encode()).hexdigest()[:16].upper()}",
            "APP_USER",
            emaid(CPO_COUNTRY, CPO_PARTY, 500_000 + n),
        )
        for n in range(OWN_APP_USERS)
    )
    return TokenPools(tuple(tokens), start, size)


def card(ref: str) -> int:
    """Index in `token_pools().tokens` of a card named ``"EMP:number"`` (``ACME:n`` = Acme fleet card n)."""
    source, number = ref.split(":")
    pools = token_pools()
    if source == "ACME":
        return pools.start["NLTNM"] + int(number)
    return pools.start[source] + int(number)


def cards() -> list[model.Card]:
    """Acme's fleet cards (NLTNM cards 0 .. ACME_FLEET_CARDS - 1): they belong to OU ``ACME``, so that
    reimbursement by OU pays Acme's drivers."""
    pools = token_pools()
    first = pools.start["NLTNM"]
    out = []
    for n in range(ACME_FLEET_CARDS):
        contract_id = pools.tokens[first + n].contract_id
        assert contract_id is not None
        out.append(model.Card(contract_id, "ACME", f"Acme fleet card {n + 1}"))
    return out


# ------------------------------------------------------------------------------------- reimbursement
def iban(country: str, bban: str) -> str:
    """An IBAN with correct check digits (ISO 13616, mod 97-10) for ``bban``."""
    digits = "".join(str(int(ch, 36)) for ch in f"{bban}{country}00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def nl_account(seed: int) -> str:
    """A 10-digit Dutch account number that passes the old eleven test (elfproef)."""
    n = 100_000_000 + seed * 7919
    while True:
        digits = f"{n:010d}"
        if sum(int(d) * w for d, w in zip(digits, range(10, 0, -1), strict=True)) % 11 == 0:
            return digits
        n += 1


def be_bban(bank: int, account: int) -> str:
    """A Belgian BBAN: 3-digit bank, 7-digit account, 2-digit national check (mod 97, 0 -> 97)."""
    first = f"{bank:03d}{account:07d}"
    check = int(first) % 97 or 97
    return f"{first}{check:02d}"


def reimbursements(first_day: dt.date, price_change: dt.date) -> list[model.ReimbursementConfig]:
    """Home-charger reimbursement: Acme per OU (every card of OU ``ACME``, see `cards`), Brightfield per card.

    Prices per kWh change at ``price_change``; one Acme employee changes bank account then too.
    """
    eur = "EUR"
    since = first_day - dt.timedelta(days=180)

    def prices(old: str, new: str, vat: str) -> tuple[model.ReimbursementTariff, ...]:
        rate = 1 + Decimal(vat) / 100
        e4 = Decimal("0.0001")
        return (
            model.ReimbursementTariff(since, Decimal(old), (Decimal(old) * rate).quantize(e4), eur),
            model.ReimbursementTariff(price_change, Decimal(new), (Decimal(new) * rate).quantize(e4), eur),
        )

    def payee(name: str, account: str, country: str = "NL", when: dt.date = since) -> model.Payee:
        return model.Payee(when, name, iban(country, account))

    nl = prices("0.2200", "0.2500", "21")
    configs = [
        model.ReimbursementConfig("NL", "XCP", "NLHOM001", nl, (payee("M. de Vries", "INGB" + nl_account(11)),),
                                  ou_code="ACME"),
        model.ReimbursementConfig(
            "NL", "XCP", "NLHOM002", nl,
            (payee("S. Bakker", "ABNA" + nl_account(12)),
             payee("S. Bakker", "RABO" + nl_account(13), when=price_change + dt.timedelta(days=20))),
            ou_code="ACME"),
        model.ReimbursementConfig("NL", "XCP", "NLHOM003", nl, (payee("J. Jansen", "RABO" + nl_account(14)),),
                                  ou_code="ACME"),
    ]
    bright = {
        "NLHOM004": (prices("0.2300", "0.2600", "21"), payee("P. Visser", "INGB" + nl_account(21))),
        "NLHOM005": (prices("0.2300", "0.2600", "21"), payee("A. Smit", "SNSB" + nl_account(22))),
        "BEHOM001": (prices("0.2800", "0.3000", "21"), payee("L. Peeters", be_bban(1, 2_345_678), "BE")),
        "BEHOM002": (prices("0.2800", "0.3000", "21"), payee("E. Claes", be_bban(735, 451_203), "BE")),
        "DEHOM001": (prices("0.3000", "0.3200", "19"),
                     payee("K. Schmidt", "37040044" + f"{532_013_000 + 7:010d}", "DE")),
    }
    sites = {s.id: s for s in SITES}
    pools = token_pools()
    for loc_id, (tariffs, who) in bright.items():
        owner = sites[loc_id].owner
        assert owner is not None
        configs.append(
            model.ReimbursementConfig("NL", "XCP", loc_id, tariffs, (who,),
                                      contract_id=pools.tokens[card(owner)].contract_id)
        )
    return configs


def distribution_rules(first_day: dt.date, change: dt.date) -> list[model.DistributionRule]:
    """Revenue sharing with the customers that own chargers, each with a new version at ``change``."""
    since = first_day - dt.timedelta(days=365)
    d = Decimal
    fixed = "FIXED_FEE"
    pct = "PERCENTAGE"
    return [
        model.DistributionRule("ACME-HQ", "Acme HQ: energy plus CPO fee", (
            model.DistributionVersion(since, d("0.2000"), fixed, "EUR", cpo_fee_per_kwh=d("0.0500")),
            model.DistributionVersion(change, d("0.2200"), fixed, "EUR", cpo_fee_per_kwh=d("0.0600")),
        )),
        model.DistributionRule("GEM-UTR", "Gemeente Utrecht concession", (
            model.DistributionVersion(since, d("0.1800"), pct, "EUR", cpo_percentage=d("30"),
                                      customer_percentage=d("70")),
            model.DistributionVersion(change, d("0.2000"), pct, "EUR", cpo_percentage=d("25"),
                                      customer_percentage=d("75")),
        )),
        model.DistributionRule("CPA", "CityPark garages", (
            model.DistributionVersion(since, d("0.2100"), pct, "EUR", cpo_percentage=d("40"),
                                      customer_percentage=d("60")),
            model.DistributionVersion(change, d("0.2100"), pct, "EUR", cpo_percentage=d("35"),
                                      customer_percentage=d("65")),
        )),
        model.DistributionRule("GENT", "Stad Gent concession", (
            model.DistributionVersion(since, d("0.1900"), pct, "EUR", cpo_percentage=d("50"),
                                      customer_percentage=d("50")),
            model.DistributionVersion(change, d("0.2100"), pct, "EUR", cpo_percentage=d("45"),
                                      customer_percentage=d("55")),
        )),
        model.DistributionRule("PHK", "Parkhaus Koeln operation", (
            model.DistributionVersion(since, d("0.2500"), fixed, "EUR", cpo_fee_per_kwh=d("0.0400")),
            model.DistributionVersion(change, d("0.2700"), fixed, "EUR", cpo_fee_per_kwh=d("0.0450")),
        )),
    ]
