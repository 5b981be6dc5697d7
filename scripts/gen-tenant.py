#!/usr/bin/env python3
"""Generate a synthetic VPP tenant data set for benchmarking `@any-data`.

Writes N accounts in the format `vpp-conformance serve --accounts FILE` reads
(the shape of fixtures/uem-vpp-accounts.json):

    {"tenantGuid": "SRP00000", "vppAccounts": [{guid, name, accountHolderInfo,
     tokenExpiryDate, autoUpdateNewAppVersions, token}, ...]}

The data is deterministic for a given N, --seed and --data-version, and
deliberately awkward: names repeat in other letter cases, some contain a comma,
a backslash or non-ASCII letters (é, ß, ...), many share prefixes; expiry
instants are YYYY-MM-DDTHH:MM:SS.mmmZ between 2020 and 2035 with random
milliseconds and some duplicated instants; tokens are 40-46 hex digits; GUIDs
are lower-case uuid4 strings.

--data-version 2 (the default) adds what real tenants hold and real back ends
get wrong (issue 33): cased letters beyond ASCII whose case is plain (Å, Ø, Ł,
Cyrillic, Greek), letters whose case mappings disagree (the dotted İ, the
dotless ı, ß, a final Σ), % and _, trailing spaces, and one instant in three on
a whole second (still written .000Z). --data-version 1 writes the data of the
earlier benchmark figures, byte for byte. The benchmarks pin both the version
and the seed (scripts/bench-any-data.sh), so figures compare like with like.

Usage: scripts/gen-tenant.py N OUT.json [--seed S] [--tenant SRP00000] [--data-version 2]
"""
import argparse
import datetime as dt
import json
import os
import random
import sys
import uuid

COMPANIES = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries",
    "Wayne Enterprises", "Cyberdyne", "Soylent", "Tyrell", "Wonka",
    "Société Générale", "Müller & Söhne", "Großhandel Weiß", "Café Crème",
    "Zoë's Bakery", "École Polytechnique", "Straße Logistik", "Nordlicht",
    "Blue Sky", "Red Rock", "Northwind", "Contoso", "Fabrikam",
]
UNITS = [
    "Retail", "Sales", "Support", "Finance", "HR", "IT", "Field Ops",
    "Warehouse", "R&D", "Marketing", "Légal", "Einkauf", "Außendienst",
    "Schools", "Clinics", "Kiosks", "Drivers", "Front Desk",
]
REGIONS = [
    "East", "West", "North", "South", "Montreal", "Toronto", "Québec",
    "München", "Köln", "Zürich", "Paris", "Lyon", "Genève", "Austin",
    "Berlin", "São Paulo", "Reykjavík", "Kraków",
]
PREFIXES = ["VPP-token", "VPP token", "VPP", "Token", "School District",
            "Beta", "Pilot", "Prod", "Test"]
# --data-version 2: cased letters beyond ASCII whose case is plain (simple and
# full case foldings agree), letters whose case mappings disagree, and the SQL
# wildcards, as words of a name.
PLAIN_BEYOND_ASCII = ["Ålesund Skole", "Østfold", "Ærø", "Łódź", "Škoda",
                      "Москва", "Αθήνα", "ÉCOLE", "Øresund"]
UNEVEN_CASE = ["İzmir", "İstanbul", "Iğdır", "Diyarbakır", "Straße", "ΟΔΟΣ",
               "Weiß"]
WILDCARDS = ["100%", "50% off", "_tmp", "a_b", "R_D"]
LATEST_DATA_VERSION = 2


def make_name(rng, i, version):
    if version >= 2:
        kind = rng.random()
        if kind < 0.10:
            name = f"{rng.choice(PLAIN_BEYOND_ASCII)} {rng.choice(UNITS)}"
        elif kind < 0.15:
            name = f"{rng.choice(UNEVEN_CASE)} {rng.choice(REGIONS)}"
        elif kind < 0.19:
            name = f"{rng.choice(COMPANIES)} {rng.choice(WILDCARDS)}"
        else:
            name = make_name(rng, i, 1)
        if rng.random() < 0.03:
            name += " "                                    # a trailing space
        return name
    kind = rng.random()
    if kind < 0.25:
        # Shared prefixes: "VPP-token-version-3", "VPP-token-version-31", ...
        return f"{rng.choice(PREFIXES)}-version-{rng.randint(1, 60)}"
    if kind < 0.40:
        # A comma inside the name.
        return f"{rng.choice(COMPANIES)}, {rng.choice(UNITS)}"
    if kind < 0.52:
        # A backslash inside the name.
        return f"{rng.choice(COMPANIES)}, {rng.choice(UNITS)}\\{rng.choice(REGIONS)}"
    if kind < 0.60:
        # A bare backslash, no comma.
        return f"{rng.choice(UNITS)}\\{rng.choice(REGIONS)} {rng.randint(1, 99)}"
    if kind < 0.80:
        return f"{rng.choice(COMPANIES)} {rng.choice(UNITS)} {rng.choice(REGIONS)}"
    if kind < 0.90:
        return f"{rng.choice(PREFIXES)} {rng.randint(1, 500)}"
    # Unique-ish name with a serial number.
    return f"{rng.choice(COMPANIES)} {rng.choice(REGIONS)} #{i}"


def recase(rng, name):
    """The same name in another letter case."""
    choice = rng.randrange(4)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return name.lower()
    if choice == 2:
        return name.swapcase()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


START = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
END = dt.datetime(2035, 12, 31, 23, 59, 59, 999000, tzinfo=dt.timezone.utc)
SPAN_MS = int((END - START).total_seconds() * 1000)


def make_instant(rng, version):
    t = START + dt.timedelta(milliseconds=rng.randint(0, SPAN_MS))
    if version >= 2 and rng.random() < 1 / 3:
        t = t.replace(microsecond=0)                       # on a whole second
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def make_token(rng):
    return "".join(rng.choice("0123456789abcdef") for _ in range(rng.randint(40, 46)))


def make_guid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate(n, seed, tenant, version=LATEST_DATA_VERSION):
    rng = random.Random(seed)
    accounts = []
    names = []
    instants = []
    guids = set()
    for i in range(n):
        r = rng.random()
        if names and r < 0.10:
            name = recase(rng, rng.choice(names))          # another letter case
        elif names and r < 0.15:
            name = rng.choice(names)                       # exact repeat
        else:
            name = make_name(rng, i, version)
        names.append(name)

        if instants and rng.random() < 0.08:
            instant = rng.choice(instants)                 # duplicate instant
        else:
            instant = make_instant(rng, version)
        instants.append(instant)

        guid = make_guid(rng)
        while guid in guids:
            guid = make_guid(rng)
        guids.add(guid)

        holder = f"Company {rng.choice(COMPANIES)}, {rng.choice(REGIONS)} office"
        if rng.random() < 0.3:
            holder += f", {rng.choice(UNITS)}"
        accounts.append({
            "guid": guid,
            "name": name,
            "accountHolderInfo": holder,
            "tokenExpiryDate": instant,
            "autoUpdateNewAppVersions": rng.random() < 0.5,
            "token": make_token(rng),
        })
    return {"tenantGuid": tenant, "vppAccounts": accounts}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int, help="number of accounts")
    p.add_argument("out", help="output JSON file ('-' for stdout)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tenant", default="SRP00000")
    p.add_argument("--data-version", type=int, default=LATEST_DATA_VERSION,
                   choices=range(1, LATEST_DATA_VERSION + 1),
                   help="which data to write (default %(default)s; 1: the data of "
                        "the earlier benchmark figures)")
    a = p.parse_args()
    if a.n < 0:
        p.error("N must be >= 0")
    data = generate(a.n, a.seed, a.tenant, a.data_version)
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
        return
    tmp = f"{a.out}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, a.out)  # atomic: a cache never holds a half-written file


if __name__ == "__main__":
    main()
