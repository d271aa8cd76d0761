"""Enums and frozen dataclasses of the domain, shared by the client, the index and the API."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag


class CertificateStatus(IntEnum):
    """Stored status of a certificate (``ICertificateRegistry.Status``). Expiry is derived."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REVOKED = 3
    ANNULLED = 4


class CertificateAction(IntEnum):
    """What a certificate event did (``ICertificateRegistry.Action``), an input of the history head."""

    NONE = 0
    ISSUED = 1
    SUSPENDED = 2
    REINSTATED = 3
    REVOKED = 4
    ANNULLED = 5
    AMENDED = 6
    RENEWED = 7


class MraStatus(IntEnum):
    """Stored status of an MRA (``IMraRegistry.MraStatus``). In force = ACTIVE and effective."""

    NONE = 0
    PROPOSED = 1
    ACTIVE = 2
    SUSPENDED = 3
    TERMINATED = 4


class MraAction(IntEnum):
    """What an MRA event did (``IMraRegistry.MraAction``), an input of the MRA history head."""

    NONE = 0
    PROPOSED = 1
    ACCEPTED = 2
    SUSPENDED = 3
    RESUMED = 4
    TERMINATED = 5


class Programme(IntFlag):
    """AEO programmes, as bits of the on-chain ``programmes`` mask (8 bits)."""

    SECURITY = 1  # AEO-S: safety and security
    SIMPLIFICATIONS = 2  # AEO-C: customs simplifications
    FISCAL = 4  # fiscal / tax-compliance (e.g. excise) programmes
    SANITARY = 8  # phyto-/zoo-sanitary agencies' trusted-trader programmes


class Role(IntFlag):
    """Operator roles in the supply chain, as bits of the on-chain ``roles`` mask (16 bits)."""

    IMPORTER = 1
    EXPORTER = 2
    CARRIER = 4
    CUSTOMS_BROKER = 8
    WAREHOUSE = 16
    MANUFACTURER = 32
    LOGISTICS = 64  # freight forwarder / logistics operator
    PORT_OPERATOR = 128
    FREE_ZONE_OPERATOR = 256


#: Certificate flag bit 0: the operator is a small or medium-sized enterprise.
FLAG_SME = 1
#: Certificate flag bit 1: the operator withholds (or has withdrawn) its consent to the exchange of
#: its data with MRA partners; no partner recognises the certificate. Clear = consent given.
FLAG_CONSENT_WITHHELD = 2


def consents(flags: int) -> bool:
    """Whether a certificate's ``flags`` word records the operator's consent (bit 1 clear)."""
    return not flags & FLAG_CONSENT_WITHHELD


#: Masks of the defined bits.
PROGRAMME_MASK = int(Programme.SECURITY | Programme.SIMPLIFICATIONS | Programme.FISCAL | Programme.SANITARY)
ROLE_MASK = sum(int(r) for r in Role)
#: Largest timestamp the contracts store (uint32 seconds: 2106-02-07).
MAX_TIMESTAMP = 2**32 - 1


class ReasonCode(IntEnum):
    """Reason codes of suspensions, revocations, annulments and amendments (uint16 on-chain)."""

    NONE = 0
    NON_COMPLIANCE = 1  # criteria no longer met
    OPERATOR_REQUEST = 2  # the operator asked for it
    INVESTIGATION = 3  # pending investigation or audit finding
    CHANGE_OF_DATA = 4  # legal entity, address or ownership changed
    CEASED_ACTIVITY = 5  # the operator ceased trading
    FRAUD = 6  # false information at application (annulment)
    PERIODIC_REVIEW = 7  # outcome of the periodic monitoring review
    ADMINISTRATIVE_ERROR = 8  # the administration corrects an error
    CORRECTIVE_ACTION_COMPLETED = 9  # reinstatement after remediation
    OTHER = 99


@dataclass(frozen=True)
class Certificate:
    """A certificate's current on-chain state."""

    id: bytes
    issuer: str
    status: CertificateStatus
    programmes: int
    roles: int
    sme: bool
    valid_from: int
    valid_until: int  # 0 = open-ended
    event_count: int
    head: bytes  # 16 bytes
    consent: bool = True  # the operator consents to the exchange with MRA partners (flag bit 1 clear)

    def expired_at(self, timestamp: int) -> bool:
        """Whether the certificate is past its validity at ``timestamp`` (expiry is derived)."""
        return self.valid_until != 0 and timestamp > self.valid_until

    def valid_at(self, timestamp: int) -> bool:
        """Active and within its validity period at ``timestamp``."""
        return (
            self.status == CertificateStatus.ACTIVE and self.valid_from <= timestamp and not self.expired_at(timestamp)
        )


@dataclass(frozen=True)
class Mra:
    """An MRA's current on-chain state."""

    id: int
    status: MraStatus
    proposer: str
    parties: tuple[str, ...]
    programmes: int
    roles: int
    effective_from: int
    accepted_count: int
    event_count: int
    document_hash: bytes
    head: bytes
    terms_hash: bytes

    def in_force_at(self, timestamp: int) -> bool:
        """ACTIVE and the effective date reached at ``timestamp``."""
        return self.status == MraStatus.ACTIVE and self.effective_from <= timestamp


@dataclass(frozen=True)
class Administration:
    """A customs administration."""

    code: str
    name: str
    frozen: bool
    signers: tuple[str, ...]


@dataclass(frozen=True)
class Recognition:
    """Whether an administration recognises a certificate, which programmes, under which MRA."""

    certificate_id: bytes
    recognizer: str
    recognised: bool
    programmes: int
    mra_id: int  # 0 when not recognised


@dataclass(frozen=True)
class ExchangeKey:
    """An administration's published exchange key (X25519, 32 bytes) and gateway URL.

    ``version`` is 1 for its first publication and one more at each rotation.
    """

    administration: str
    public_key: bytes
    gateway_url: str
    version: int
