"""Static material of the demo network: the five administrations and plausible national data.

Names, offices, cities and identifier formats follow each country's conventions (Chilean RUT
and Colombian NIT with their check digits, Costa Rican cédula jurídica, Mexican RFC, Peruvian
RUC with its check digit). Every operator is fictitious.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ledger_client.models import Programme, Role


@dataclass(frozen=True)
class City:
    """A city of an operator's address."""

    name: str
    region: str
    postal_code: str
    streets: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """How one administration's registry looks.

    Attributes:
        code: ISO alpha-2 code.
        name: display name on the ledger (at most 64 bytes of UTF-8).
        country: the country's name.
        weight: share of the demo's certificates issued by this administration.
        offices: offices that issue AEO certificates.
        cities: where operators are registered.
        legal_forms: company suffixes with their relative frequency.
        places: words that make operator names sound local.
        tax_id: generator of a national tax id.
        number: national certificate number from (year, sequence).
    """

    code: str
    name: str
    country: str
    weight: float
    offices: tuple[str, ...]
    cities: tuple[City, ...]
    legal_forms: tuple[tuple[str, int], ...]
    places: tuple[str, ...]
    tax_id: Callable[[random.Random], str]
    number: Callable[[int, int], str]


def _rut(rng: random.Random) -> str:
    body = rng.randint(76_000_000, 77_999_999)
    total, factor = 0, 2
    for digit in reversed(str(body)):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    check = 11 - total % 11
    dv = "0" if check == 11 else "K" if check == 10 else str(check)
    text = f"{body:,}".replace(",", ".")
    return f"{text}-{dv}"


def _nit(rng: random.Random) -> str:
    body = f"{rng.choice((800, 830, 860, 900, 901))}{rng.randint(0, 999_999):06d}"
    weights = (3, 7, 13, 17, 19, 23, 29, 37, 41)
    total = sum(int(d) * w for d, w in zip(reversed(body), weights, strict=False))
    remainder = total % 11
    dv = remainder if remainder in (0, 1) else 11 - remainder
    return f"{body[:3]}.{body[3:6]}.{body[6:]}-{dv}"


def _cedula_juridica(rng: random.Random) -> str:
    return f"3-{rng.choice(('101', '101', '101', '102'))}-{rng.randint(100_000, 899_999)}"


_RFC_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RFC_HOMOCLAVE = "ABCDEFGHIJKLMNPQRSTUVWXYZ123456789"


def _rfc(rng: random.Random) -> str:
    letters = "".join(rng.choice(_RFC_LETTERS) for _ in range(3))
    founded = f"{rng.randint(85, 123) % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return letters + founded + "".join(rng.choice(_RFC_HOMOCLAVE) for _ in range(3))


def _ruc(rng: random.Random) -> str:
    body = f"20{rng.randint(10_000_000, 99_999_999)}"
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    check = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return body + str(check % 10)


PROFILES: dict[str, Profile] = {
    "CL": Profile(
        code="CL",
        name="Servicio Nacional de Aduanas (Chile)",
        country="Chile",
        weight=0.20,
        offices=(
            "Aduana de Valparaíso",
            "Aduana de San Antonio",
            "Aduana Metropolitana",
            "Aduana de Iquique",
            "Aduana de Antofagasta",
            "Aduana de Talcahuano",
        ),
        cities=(
            City("Santiago", "Región Metropolitana", "7550000", ("Av. Apoquindo", "Av. Providencia", "Av. Vitacura")),
            City("Valparaíso", "Valparaíso", "2340000", ("Av. Brasil", "Calle Blanco", "Av. Errázuriz")),
            City("San Antonio", "Valparaíso", "2660000", ("Av. Barros Luco", "Av. Centenario")),
            City("Antofagasta", "Antofagasta", "1240000", ("Av. Grecia", "Av. Angamos")),
            City("Iquique", "Tarapacá", "1100000", ("Av. Arturo Prat", "Zona Franca, Manzana")),
            City("Concepción", "Biobío", "4030000", ("Av. Los Carrera", "Av. Paicaví")),
        ),
        legal_forms=(("S.A.", 4), ("SpA", 4), ("Ltda.", 2)),
        places=(
            "Andes",
            "Cordillera",
            "Atacama",
            "del Maipo",
            "Biobío",
            "Austral",
            "Aconcagua",
            "Patagonia",
            "Valle Central",
            "Los Lagos",
            "Pacífico Sur",
            "Colchagua",
        ),
        tax_id=_rut,
        number=lambda year, seq: f"CL-OEA-{year}-{seq:04d}",
    ),
    "CO": Profile(
        code="CO",
        name="DIAN - Dirección de Impuestos y Aduanas Nacionales",
        country="Colombia",
        weight=0.22,
        offices=(
            "Dirección Seccional de Aduanas de Bogotá",
            "Dirección Seccional de Aduanas de Cartagena",
            "Dirección Seccional de Aduanas de Barranquilla",
            "Dirección Seccional de Aduanas de Buenaventura",
            "Dirección Seccional de Aduanas de Medellín",
        ),
        cities=(
            City("Bogotá D.C.", "Bogotá D.C.", "110111", ("Calle 26", "Carrera 7", "Avenida El Dorado", "Calle 100")),
            City("Medellín", "Antioquia", "050021", ("Carrera 43A", "Calle 10", "Avenida Las Vegas")),
            City("Cartagena", "Bolívar", "130001", ("Avenida Pedro de Heredia", "Zona Industrial de Mamonal, Km")),
            City("Barranquilla", "Atlántico", "080001", ("Vía 40", "Calle 30", "Carrera 53")),
            City("Cali", "Valle del Cauca", "760001", ("Calle 15", "Avenida 3N")),
            City("Buenaventura", "Valle del Cauca", "764501", ("Avenida Portuaria", "Calle 2")),
        ),
        legal_forms=(("S.A.S.", 6), ("S.A.", 3), ("Ltda.", 1)),
        places=(
            "Andina",
            "del Caribe",
            "Cafetera",
            "Magdalena",
            "de la Sabana",
            "Antioqueña",
            "del Valle",
            "Cauca",
            "del Pacífico",
            "Santandereana",
            "de los Llanos",
            "Caldense",
        ),
        tax_id=_nit,
        number=lambda year, seq: f"CO-OEA-{seq:05d}-{year}",
    ),
    "CR": Profile(
        code="CR",
        name="Dirección General de Aduanas (Costa Rica)",
        country="Costa Rica",
        weight=0.14,
        offices=(
            "Aduana Santamaría",
            "Aduana Central",
            "Aduana de Limón",
            "Aduana de Caldera",
            "Aduana de Peñas Blancas",
        ),
        cities=(
            City("San José", "San José", "10101", ("Paseo Colón", "Avenida Segunda", "Sabana Norte")),
            City("Heredia", "Heredia", "40101", ("Zona Franca América, edificio", "Ultrapark II, edificio")),
            City("Alajuela", "Alajuela", "20101", ("Zona Franca Coyol, edificio", "Radial a El Coyol")),
            City("Cartago", "Cartago", "30101", ("Zona Franca La Lima, nave", "Parque Industrial de Cartago")),
            City("Limón", "Limón", "70101", ("Avenida 2", "Terminal de Moín")),
            City("Puntarenas", "Puntarenas", "60101", ("Calle 3", "Puerto Caldera")),
        ),
        legal_forms=(("S.A.", 7), ("S.R.L.", 3)),
        places=(
            "Tropical",
            "Guanacaste",
            "Talamanca",
            "del Atlántico",
            "Central",
            "Irazú",
            "Arenal",
            "del Pacífico",
            "Caribe",
            "Monteverde",
            "Tortuguero",
            "Poás",
        ),
        tax_id=_cedula_juridica,
        number=lambda year, seq: f"CR-OEA-{seq:06d}",
    ),
    "MX": Profile(
        code="MX",
        name="Agencia Nacional de Aduanas de México (ANAM)",
        country="Mexico",
        weight=0.26,
        offices=(
            "Aduana de Nuevo Laredo",
            "Aduana de Manzanillo",
            "Aduana de Veracruz",
            "Aduana del AICM",
            "Aduana de Lázaro Cárdenas",
            "Aduana de Tijuana",
            "Aduana de Querétaro",
        ),
        cities=(
            City(
                "Ciudad de México",
                "CDMX",
                "06600",
                ("Av. Paseo de la Reforma", "Av. Insurgentes Sur", "Av. Ejército Nacional"),
            ),
            City("Monterrey", "Nuevo León", "64000", ("Av. Constitución", "Av. Lázaro Cárdenas")),
            City("Guadalajara", "Jalisco", "44100", ("Av. Vallarta", "Av. López Mateos Sur")),
            City("Nuevo Laredo", "Tamaulipas", "88000", ("Blvd. Colosio", "Av. Reforma")),
            City("Manzanillo", "Colima", "28200", ("Av. Teniente Azueta", "Blvd. Miguel de la Madrid")),
            City("Querétaro", "Querétaro", "76000", ("Av. 5 de Febrero", "Parque Industrial Querétaro, lote")),
            City("Tijuana", "Baja California", "22000", ("Blvd. Agua Caliente", "Blvd. Insurgentes")),
        ),
        legal_forms=(("S.A. de C.V.", 6), ("S. de R.L. de C.V.", 3), ("S.A.P.I. de C.V.", 1)),
        places=(
            "del Bajío",
            "Sonorense",
            "Norteña",
            "Azteca",
            "Maya",
            "del Golfo",
            "Sierra Madre",
            "Anáhuac",
            "Tapatía",
            "Regiomontana",
            "Huasteca",
            "del Pacífico",
        ),
        tax_id=_rfc,
        number=lambda year, seq: f"MX-OEA-{year}-{seq:05d}",
    ),
    "PE": Profile(
        code="PE",
        name="SUNAT - Superintendencia Nacional de Aduanas (Perú)",
        country="Peru",
        weight=0.18,
        offices=(
            "Intendencia de Aduana Marítima del Callao",
            "Intendencia de Aduana Aérea y Postal",
            "Intendencia de Aduana de Paita",
            "Intendencia de Aduana de Tacna",
            "Intendencia de Aduana de Arequipa",
        ),
        cities=(
            City(
                "Lima", "Lima", "15073", ("Av. Javier Prado Este", "Av. Canaval y Moreyra", "Av. República de Panamá")
            ),
            City("Callao", "Callao", "07001", ("Av. Néstor Gambetta", "Av. Argentina", "Av. Elmer Faucett")),
            City("Arequipa", "Arequipa", "04001", ("Av. Ejército", "Parque Industrial, calle")),
            City("Trujillo", "La Libertad", "13001", ("Av. América Sur", "Av. España")),
            City("Piura", "Piura", "20001", ("Av. Sánchez Cerro", "Zona Industrial, Mz.")),
            City("Tacna", "Tacna", "23001", ("Av. Bolognesi", "Zofratacna, lote")),
        ),
        legal_forms=(("S.A.C.", 6), ("S.A.", 3), ("E.I.R.L.", 1)),
        places=(
            "Inca",
            "Andina",
            "del Sur",
            "Chavín",
            "Mochica",
            "del Pacífico",
            "Altiplano",
            "Amazónica",
            "Nazca",
            "Chimú",
            "Paracas",
            "Vilcanota",
        ),
        tax_id=_ruc,
        number=lambda year, seq: f"PE-OEA-{year}-{seq:04d}",
    ),
}
CODES: tuple[str, ...] = ("CL", "CO", "CR", "MX", "PE")


@dataclass(frozen=True)
class Sector:
    """A kind of operator: the first word(s) of its name and its supply-chain roles."""

    prefix: str
    roles: tuple[Role, ...]
    optional_roles: tuple[Role, ...] = ()
    weight: int = 1


SECTORS: tuple[Sector, ...] = (
    Sector("Agroexportadora", (Role.EXPORTER,), (Role.IMPORTER,), 4),
    Sector("Frutícola", (Role.EXPORTER,), (Role.WAREHOUSE,), 2),
    Sector("Importadora", (Role.IMPORTER,), (Role.WAREHOUSE,), 4),
    Sector("Comercializadora", (Role.IMPORTER, Role.EXPORTER), (), 4),
    Sector("Transportes", (Role.CARRIER,), (Role.LOGISTICS,), 3),
    Sector("Naviera", (Role.CARRIER,), (), 1),
    Sector("Agencia de Aduanas", (Role.CUSTOMS_BROKER,), (Role.LOGISTICS,), 3),
    Sector("Almacenes Generales", (Role.WAREHOUSE,), (Role.LOGISTICS,), 2),
    Sector("Manufacturas", (Role.MANUFACTURER, Role.EXPORTER), (Role.IMPORTER,), 3),
    Sector("Industrias", (Role.MANUFACTURER, Role.IMPORTER), (Role.EXPORTER,), 3),
    Sector("Logística", (Role.LOGISTICS,), (Role.WAREHOUSE, Role.CARRIER), 3),
    Sector("Terminal Portuaria", (Role.PORT_OPERATOR,), (), 1),
    Sector("Zona Franca", (Role.FREE_ZONE_OPERATOR,), (), 1),
    Sector("Laboratorios", (Role.MANUFACTURER, Role.IMPORTER), (Role.EXPORTER,), 2),
    Sector("Minera", (Role.EXPORTER,), (Role.IMPORTER,), 1),
    Sector("Pesquera", (Role.EXPORTER,), (), 1),
    Sector("Textiles", (Role.MANUFACTURER, Role.EXPORTER), (), 2),
    Sector("Autopartes", (Role.MANUFACTURER, Role.IMPORTER, Role.EXPORTER), (), 2),
)

#: Programme mixes with their relative frequency (AEO-S + AEO-C most common).
PROGRAMME_MIXES: tuple[tuple[Programme, int], ...] = (
    (Programme.SECURITY | Programme.SIMPLIFICATIONS, 11),
    (Programme.SECURITY, 6),
    (Programme.SIMPLIFICATIONS, 3),
)
