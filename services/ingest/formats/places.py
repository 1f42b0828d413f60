"""Where a buyer is: its country, Vigie territory codes, and the time zone of its deadlines.

A notice rarely names a time zone, yet a naive deadline must be read in the buyer's local time
and every tender carries `deadline_timezone` for display. The zone is found, in order, from:
1. a French department (BOAMP) or NUTS code (eForms) — overseas departments have their own zone;
2. the buyer's address: Canadian province (Québec → America/Toronto), else the country;
3. the publisher (a known OCDS prefix, or the country-code domain of the publisher's site);
4. otherwise UTC.
Countries with several zones use their capital's (Canada: America/Toronto, i.e. Canada east).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.formats.normalise import one_line
from shared.territories import (
    QUEBEC_REGIONS,
    REFERENCE,
    ancestors_and_self,
    commune_named,
    place_key,
    quebec_municipalities_named,
)
from shared.text import fold

DEFAULT_ZONE = "UTC"

COUNTRY_ZONES = {
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "HR": "Europe/Zagreb",
    "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn", "FI": "Europe/Helsinki", "FR": "Europe/Paris", "DE": "Europe/Berlin",
    "GR": "Europe/Athens", "HU": "Europe/Budapest", "IE": "Europe/Dublin", "IT": "Europe/Rome",
    "LV": "Europe/Riga", "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "MT": "Europe/Malta",
    "NL": "Europe/Amsterdam", "PL": "Europe/Warsaw", "PT": "Europe/Lisbon",
    "RO": "Europe/Bucharest", "SK": "Europe/Bratislava", "SI": "Europe/Ljubljana",
    "ES": "Europe/Madrid", "SE": "Europe/Stockholm", "NO": "Europe/Oslo",
    "IS": "Atlantic/Reykjavik", "LI": "Europe/Vaduz", "CH": "Europe/Zurich",
    "GB": "Europe/London", "UA": "Europe/Kyiv", "MD": "Europe/Chisinau", "AL": "Europe/Tirane",
    "MK": "Europe/Skopje", "RS": "Europe/Belgrade", "ME": "Europe/Podgorica",
    "BA": "Europe/Sarajevo", "TR": "Europe/Istanbul", "GE": "Asia/Tbilisi", "AM": "Asia/Yerevan",
    "CA": "America/Toronto", "US": "America/New_York", "MX": "America/Mexico_City",
    "CO": "America/Bogota", "PY": "America/Asuncion", "AR": "America/Argentina/Buenos_Aires",
    "CL": "America/Santiago", "PE": "America/Lima", "EC": "America/Guayaquil",
    "HN": "America/Tegucigalpa", "GT": "America/Guatemala", "DO": "America/Santo_Domingo",
    "PA": "America/Panama", "CR": "America/Costa_Rica", "BR": "America/Sao_Paulo",
    "UY": "America/Montevideo", "AU": "Australia/Sydney", "NZ": "Pacific/Auckland",
    "NG": "Africa/Lagos", "KE": "Africa/Nairobi", "ZA": "Africa/Johannesburg",
    "MA": "Africa/Casablanca", "SN": "Africa/Dakar", "CI": "Africa/Abidjan", "TN": "Africa/Tunis",
    "GH": "Africa/Accra", "UG": "Africa/Kampala", "ZM": "Africa/Lusaka", "BW": "Africa/Gaborone",
    "PH": "Asia/Manila", "ID": "Asia/Jakarta", "IN": "Asia/Kolkata", "NP": "Asia/Kathmandu",
    "AF": "Asia/Kabul", "KG": "Asia/Bishkek", "MN": "Asia/Ulaanbaatar", "BD": "Asia/Dhaka",
    "VN": "Asia/Ho_Chi_Minh", "TH": "Asia/Bangkok", "JP": "Asia/Tokyo", "KZ": "Asia/Almaty",
}  # fmt: skip

_ALPHA_3 = {
    "AUT": "AT", "BEL": "BE", "BGR": "BG", "HRV": "HR", "CYP": "CY", "CZE": "CZ", "DNK": "DK",
    "EST": "EE", "FIN": "FI", "FRA": "FR", "DEU": "DE", "GRC": "GR", "HUN": "HU", "IRL": "IE",
    "ITA": "IT", "LVA": "LV", "LTU": "LT", "LUX": "LU", "MLT": "MT", "NLD": "NL", "POL": "PL",
    "PRT": "PT", "ROU": "RO", "SVK": "SK", "SVN": "SI", "ESP": "ES", "SWE": "SE", "NOR": "NO",
    "ISL": "IS", "LIE": "LI", "CHE": "CH", "GBR": "GB", "UKR": "UA", "MDA": "MD", "ALB": "AL",
    "MKD": "MK", "SRB": "RS", "MNE": "ME", "BIH": "BA", "TUR": "TR", "GEO": "GE", "ARM": "AM",
    "CAN": "CA", "USA": "US", "MEX": "MX", "COL": "CO", "PRY": "PY", "ARG": "AR", "CHL": "CL",
    "PER": "PE", "ECU": "EC", "BRA": "BR", "URY": "UY", "AUS": "AU", "NZL": "NZ", "BWA": "BW",
}  # fmt: skip
# NUTS uses EL for Greece and UK for the United Kingdom where ISO uses GR and GB.
_ALPHA_2_ALIASES = {"EL": "GR", "UK": "GB"}
_COUNTRY_LABELS = {
    "united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "royaume-uni": "GB", "canada": "CA",
    "france": "FR", "belgium": "BE", "belgique": "BE", "belgie": "BE", "luxembourg": "LU",
    "germany": "DE", "deutschland": "DE", "allemagne": "DE", "spain": "ES", "espana": "ES",
    "espagne": "ES", "italy": "IT", "italia": "IT", "italie": "IT", "netherlands": "NL",
    "nederland": "NL", "pays-bas": "NL", "switzerland": "CH", "suisse": "CH", "schweiz": "CH",
    "ireland": "IE", "portugal": "PT", "greece": "GR", "mexico": "MX", "colombia": "CO",
    "paraguay": "PY", "moldova": "MD", "republic of moldova": "MD", "ukraine": "UA",
    "украина": "UA", "україна": "UA", "australia": "AU", "united states": "US",
    "united states of america": "US", "usa": "US", "etats-unis": "US",
}  # fmt: skip
# Compared folded (lower case, no accents), like the input.
_COUNTRY_NAMES = {fold(label): code for label, code in _COUNTRY_LABELS.items()}

# Canadian provinces and territories: codes and names, English and French.
_PROVINCES = {
    "QC": ("CA-QC", "America/Toronto"), "ON": ("CA-ON", "America/Toronto"),
    "NS": ("CA-NS", "America/Halifax"), "NB": ("CA-NB", "America/Moncton"),
    "PE": ("CA-PE", "America/Halifax"), "NL": ("CA-NL", "America/St_Johns"),
    "MB": ("CA-MB", "America/Winnipeg"), "SK": ("CA-SK", "America/Regina"),
    "AB": ("CA-AB", "America/Edmonton"), "BC": ("CA-BC", "America/Vancouver"),
    "YT": ("CA-YT", "America/Whitehorse"), "NT": ("CA-NT", "America/Yellowknife"),
    "NU": ("CA-NU", "America/Iqaluit"),
}  # fmt: skip
_PROVINCE_NAMES = {
    "quebec": "QC", "pq": "QC", "que": "QC", "ontario": "ON", "nova scotia": "NS",
    "nouvelle-ecosse": "NS", "new brunswick": "NB", "nouveau-brunswick": "NB",
    "prince edward island": "PE", "ile-du-prince-edouard": "PE",
    "newfoundland and labrador": "NL", "terre-neuve-et-labrador": "NL", "manitoba": "MB",
    "saskatchewan": "SK", "alberta": "AB", "british columbia": "BC",
    "colombie-britannique": "BC", "yukon": "YT", "northwest territories": "NT",
    "territoires du nord-ouest": "NT", "nunavut": "NU",
}  # fmt: skip

# French overseas departments and collectivities: department code → zone.
_OVERSEAS = {
    "971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
    "974": "Indian/Reunion", "975": "America/Miquelon", "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy", "978": "America/Marigot", "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti", "988": "Pacific/Noumea",
}  # fmt: skip
# NUTS codes of the overseas regions (2016+ FRY*, 2013 FRA*, 2010 FR9*).
_OVERSEAS_NUTS = {
    "FRY1": "971", "FRY2": "972", "FRY3": "973", "FRY4": "974", "FRY5": "976",
    "FRA1": "971", "FRA2": "972", "FRA3": "973", "FRA4": "974", "FRA5": "976",
    "FR91": "971", "FR92": "972", "FR93": "973", "FR94": "974",
}  # fmt: skip

_TERRITORY = re.compile(r"^[A-Z0-9-]{2,40}$")
_DEPARTMENT = re.compile(r"^(?:\d{2}|2[AB]|9[78]\d)$")


def country_code(raw: object) -> str | None:
    """ISO 3166 alpha-2 from `FR`, `FRA`, `UK`, `United Kingdom`, `México`, `Україна`..."""
    text = one_line(raw)
    if text is None:
        return None
    upper = text.upper()
    if re.fullmatch(r"[A-Z]{2}", upper):
        return _ALPHA_2_ALIASES.get(upper, upper)
    if upper in _ALPHA_3:
        return _ALPHA_3[upper]
    return _COUNTRY_NAMES.get(fold(text))


def territory(raw: object) -> str | None:
    """A territory code as the model accepts it (`FRH03`, `FR-DEP-35`, `CA-QC`), or None."""
    text = one_line(raw)
    if text is None:
        return None
    code = text.upper()
    return code if _TERRITORY.match(code) else None


def province(raw: object) -> str | None:
    """A Canadian province code (`QC`) from `QC`, `Québec`, `Quebec`, `PQ`..."""
    text = one_line(raw)
    if text is None:
        return None
    upper = text.upper()
    return upper if upper in _PROVINCES else _PROVINCE_NAMES.get(fold(text))


def locate(country: str | None, region: object = None) -> tuple[list[str], str | None]:
    """Buyer territories and time zone from a country and, in Canada, a province."""
    if country is None:
        return [], None
    if country == "CA":
        code = province(region)
        if code is not None:
            area, zone_name = _PROVINCES[code]
            return [area], zone_name
    return [country], COUNTRY_ZONES.get(country)


def french_department(raw: object = None, postal_code: object = None) -> str | None:
    """A department code (`35`, `2A`, `971`) given directly or read from a postal code."""
    text = one_line(raw)
    if text is not None and _DEPARTMENT.match(text.upper()):
        return text.upper()
    postal = one_line(postal_code)
    if postal is None or not re.fullmatch(r"\d{5}", postal):
        return None
    if postal.startswith(("97", "98")):
        return postal[:3]
    if postal.startswith("20"):  # Corsica: 200xx-201xx South (2A), 202xx-206xx North (2B)
        return "2A" if postal[2] in "01" else "2B"
    return postal[:2]


def department_territory(department: str) -> str:
    return f"FR-DEP-{department}"


def french_commune(department: str | None, city: object) -> str | None:
    """The commune of a French address (`35`, `RENNES CEDEX`), when its name is unambiguous."""
    name = one_line(city)
    if department is None or name is None:
        return None
    return commune_named(department, name)


def french_epci(company_id: str | None) -> str | None:
    """The EPCI whose SIREN begins this SIRET or SIREN (`20003441100013`), if Vigie knows it."""
    digits = re.sub(r"\D", "", company_id or "")
    code = f"FR-EPCI-{digits[:9]}"
    return code if len(digits) in (9, 14) and code in REFERENCE else None


def nuts_department(nuts: str | None) -> str | None:
    """The department a French NUTS 3 code (`FRH03`) stands for."""
    twins = ancestors_and_self(nuts)[1:] if nuts and nuts.startswith("FR") else ()
    return next((t.removeprefix("FR-DEP-") for t in twins if t.startswith("FR-DEP-")), None)


def department_zone(department: str | None) -> str:
    """Overseas departments keep their own clock; metropolitan France is Europe/Paris."""
    return _OVERSEAS.get(department or "", "Europe/Paris")


def nuts_zone(nuts: str | None) -> str | None:
    """The zone of a NUTS region: the overseas ones first, then the country's zone."""
    if not nuts:
        return None
    for prefix, department in _OVERSEAS_NUTS.items():
        if nuts.startswith(prefix):
            return _OVERSEAS[department]
    country = country_code(nuts[:2])
    return COUNTRY_ZONES.get(country) if country else None


def domain_country(host: str | None) -> str | None:
    """The country of a country-code domain (`buyandsell.gc.ca` → CA), a last-resort hint."""
    if not host:
        return None
    label = host.rsplit(".", 1)[-1].upper()
    if not re.fullmatch(r"[A-Z]{2}", label):
        return None
    country = _ALPHA_2_ALIASES.get(label, label)
    return country if country in COUNTRY_ZONES else None


# --- Québec: a buyer's address to its municipality ------------------------------------------

QUEBEC = "CA-QC"
QUEBEC_ZONE = "America/Toronto"
_QUEBEC_REGION_KEYS = {place_key(name): f"CA-QC-RA-{num}" for num, name in QUEBEC_REGIONS.items()}
_REGION_NUMBER = re.compile(r"(?<!\d)(0?[1-9]|1[0-7])(?!\d)")
_POSTAL_CODE = re.compile(r"^([A-Z]\d[A-Z])\s*(\d[A-Z]\d?)?$")


def quebec_region(raw: object) -> str | None:
    """An administrative region from `Montérégie`, `Montérégie (16)`, `16`, `Région 16`...
    A name and a number that disagree give nothing rather than a guess."""
    text = one_line(raw)
    if text is None:
        return None
    by_name = _QUEBEC_REGION_KEYS.get(place_key(re.sub(r"\d+|\brégion\b|\bregion\b", " ", text)))
    numbers = {f"CA-QC-RA-{int(n):02d}" for n in _REGION_NUMBER.findall(text)}
    by_number = numbers.pop() if len(numbers) == 1 else None
    if by_name and by_number and by_name != by_number:
        return None
    return by_name or by_number


def quebec_postal_code(raw: object) -> str | None:
    """A Québec postal code (`J4B 2Z7` → `J4B2Z7`): Québec's begin with G, H or J."""
    text = one_line(raw)
    match = _POSTAL_CODE.match(text.upper()) if text else None
    if match is None or match.group(1)[0] not in "GHJ":
        return None
    return match.group(1) + (match.group(2) or "")


def in_quebec(region: object, postal_code: object = None) -> bool:
    """Whether an address's region (`QC`, `Québec`, `Montérégie (16)`) or postal code says
    Québec. A bare region number says it only where the country is already known."""
    text = one_line(region)
    named = text is not None and not text.strip("() ").isdigit() and quebec_region(text)
    return province(region) == "QC" or bool(named) or quebec_postal_code(postal_code) is not None


@dataclass(frozen=True)
class Placement:
    """Where a Québec buyer is: its most precise territory, and why it is not a municipality
    when a locality was given but could not be settled (for the log; None otherwise)."""

    territory: str
    reason: str | None = None


def _common_area(codes: list[str]) -> str:
    """The smallest territory containing them all (two Valcourt: their MRC)."""
    chains = [ancestors_and_self(code) for code in codes]
    shared = set(chains[0]).intersection(*chains[1:])
    return next(code for code in chains[0] if code in shared)


def place_in_quebec(
    locality: object, region: object = None, postal_code: object = None
) -> Placement:
    """A Québec address's municipality, from its locality settled by region and postal code.

    The locality is compared as people write it (`ST-BRUNO-DE-MONTARVILLE`). Namesakes are told
    apart by the region, then by the town hall's postal code (or its first three characters);
    when neither settles it, the buyer stays at the smallest territory holding every candidate
    (their region, or Québec) and the reason says so — never a guess."""
    area = quebec_region(region) or QUEBEC
    name = one_line(locality)
    if name is None:
        return Placement(area)
    found = list(quebec_municipalities_named(name))
    if not found:
        return Placement(area, f"no Québec municipality is named {name!r}")
    if area != QUEBEC:
        inside = [m for m in found if area in ancestors_and_self(m.code)]
        if not inside:
            return Placement(area, f"no municipality named {name!r} in {area}")
        found = inside
    postal = quebec_postal_code(postal_code)
    if len(found) > 1 and postal:
        # The town hall's full postal code, else its first three characters (its area).
        for width in (len(postal), 3):
            settled = [m for m in found if m.postal_code[:width] == postal[:width]]
            if len(settled) == 1:
                found = settled
                break
    codes = [m.code for m in found]
    if len(codes) == 1:
        return Placement(codes[0])
    return Placement(
        _common_area(codes),
        f"{name!r} names {len(codes)} municipalities ({', '.join(codes)}); "
        "neither the region nor the postal code says which",
    )
