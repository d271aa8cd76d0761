"""Deterministic fictitious AEO certificates: same seed and day, same documents, byte for byte.

Dates are anchored to ``today`` (the chain's current date for the demo): validity starts up to
six years back; about a third are open-ended, a few expire within weeks, a few already expired,
the rest run three or five years. Certificate numbers follow each administration's format and
grow with the issuance date.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ledger_client.demo.catalogue import CODES, PROFILES, PROGRAMME_MIXES, SECTORS, Profile, Sector
from ledger_client.documents import CertificateDocument, Operator, PostalAddress
from ledger_client.models import Programme, Role

#: Share of SME operators (the APEC/IDB surveys put SMEs at a minority of AEO holders).
SME_SHARE = 0.35
_START = time(0, 0, 0, tzinfo=UTC)
_END = time(23, 59, 59, tzinfo=UTC)


def allocate(count: int, codes: Sequence[str] = CODES) -> dict[str, int]:
    """How many of ``count`` certificates each administration issues (largest remainder of the weights)."""
    weights = {code: PROFILES[code].weight for code in codes}
    total = sum(weights.values())
    exact = {code: count * w / total for code, w in weights.items()}
    shares = {code: int(value) for code, value in exact.items()}
    by_remainder = sorted(codes, key=lambda c: (shares[c] - exact[c], c))
    for code in by_remainder[: count - sum(shares.values())]:
        shares[code] += 1
    return shares


def _weighted(rng: random.Random, items: Sequence[tuple[object, int]]) -> object:
    return rng.choices([item for item, _ in items], weights=[w for _, w in items])[0]


@dataclass
class _Names:
    """Operator names and tax ids already used by one administration."""

    names: set[str]
    tax_ids: set[str]


def _operator(profile: Profile, sector: Sector, rng: random.Random, used: _Names) -> Operator:
    legal_form = str(_weighted(rng, profile.legal_forms))
    city = rng.choice(profile.cities)
    stem = f"{sector.prefix} {rng.choice(profile.places)}"
    name = f"{stem} {legal_form}"
    if name in used.names:
        name = f"{stem} {city.name} {legal_form}"
    suffix = 2
    while name in used.names:
        name = f"{stem} {suffix} {legal_form}"
        suffix += 1
    used.names.add(name)
    tax_id = profile.tax_id(rng)
    while tax_id in used.tax_ids:
        tax_id = profile.tax_id(rng)
    used.tax_ids.add(tax_id)
    street = rng.choice(city.streets)
    if profile.code == "CO" and street.startswith(("Calle", "Carrera", "Avenida", "Vía")):
        street = f"{street} # {rng.randint(1, 120)}-{rng.randint(1, 99)}"
    else:
        street = f"{street} {rng.randint(10, 9999)}"
    address = PostalAddress(
        street=street, city=city.name, postal_code=city.postal_code, region=city.region, country=profile.code
    )
    return Operator(legal_name=name, tax_id=tax_id, address=address)


def _validity(rng: random.Random, today: date) -> tuple[datetime, datetime | None]:
    start = today - timedelta(days=rng.randint(20, 6 * 365))
    valid_from = datetime.combine(start, _START)
    draw = rng.random()
    if draw < 0.35:
        return valid_from, None
    if draw < 0.42:
        end = today + timedelta(days=rng.randint(7, 75))
    elif draw < 0.45 and (today - start).days > 200:
        end = today - timedelta(days=rng.randint(1, 150))
    else:
        end = start + timedelta(days=365 * rng.choice((3, 5)))
        if end < today + timedelta(days=90):
            end = today + timedelta(days=rng.randint(200, 1400))
    return valid_from, datetime.combine(end, _END)


def _scope(sector: Sector, rng: random.Random) -> tuple[list[str], list[str]]:
    roles = list(sector.roles) + [role for role in sector.optional_roles if rng.random() < 0.35]
    programmes = _weighted(rng, PROGRAMME_MIXES)
    assert isinstance(programmes, Programme)
    return (
        [role.name for role in Role if role in roles and role.name is not None],
        [p.name for p in Programme if p & programmes and p.name is not None],
    )


def issuer_documents(code: str, count: int, *, seed: int, today: date) -> list[CertificateDocument]:
    """``count`` certificate documents of administration ``code``, in number order."""
    profile = PROFILES[code]
    rng = random.Random(f"aeo-ledger-demo:{seed}:{code}")
    sme = set(rng.sample(range(count), round(count * SME_SHARE)))
    used = _Names(set(), set())
    drafts = []
    for index in range(count):
        sector = rng.choices(SECTORS, weights=[s.weight for s in SECTORS])[0]
        operator = _operator(profile, sector, rng, used)
        roles, programmes = _scope(sector, rng)
        valid_from, valid_until = _validity(rng, today)
        drafts.append((valid_from, index, operator, roles, programmes, valid_until, rng.choice(profile.offices)))
    drafts.sort(key=lambda d: (d[0], d[1]))
    sequence = rng.randint(40, 400)
    documents = []
    for valid_from, index, operator, roles, programmes, valid_until, office in drafts:
        sequence += rng.randint(1, 9)
        documents.append(
            CertificateDocument(
                certificate_number=profile.number(valid_from.year, sequence),
                issuer=code,
                issuing_office=office,
                operator=operator,
                roles=roles,
                programmes=programmes,
                sme=index in sme,
                valid_from=valid_from,
                valid_until=valid_until,
            )
        )
    return documents


def generate_documents(
    count: int, *, seed: int, today: date, codes: Sequence[str] = CODES
) -> dict[str, list[CertificateDocument]]:
    """``count`` certificate documents spread over ``codes`` by their weights: code → documents."""
    return {
        code: issuer_documents(code, share, seed=seed, today=today)
        for code, share in allocate(count, codes).items()
        if share
    }


def amended_document(document: CertificateDocument, seed: int) -> CertificateDocument:
    """The same certificate after the operator moved and added the logistics role (change of data)."""
    rng = random.Random(f"aeo-ledger-demo:{seed}:amend:{document.certificate_number}")
    profile = PROFILES[document.issuer]
    city = rng.choice(profile.cities)
    address = PostalAddress(
        street=f"{rng.choice(city.streets)} {rng.randint(10, 9999)}",
        city=city.name,
        postal_code=city.postal_code,
        region=city.region,
        country=document.issuer,
    )
    operator = document.operator.model_copy(update={"address": address})
    roles = sorted(set(document.roles) | {"LOGISTICS"}, key=lambda name: int(Role[name]))
    return document.model_copy(update={"operator": operator, "roles": roles})


def renewed_document(document: CertificateDocument, today: date, years: int = 3) -> CertificateDocument:
    """The same certificate renewed from ``today`` for ``years`` years."""
    valid_from = datetime.combine(today, _START)
    valid_until = datetime.combine(today + timedelta(days=365 * years), _END)
    return document.model_copy(update={"valid_from": valid_from, "valid_until": valid_until})
