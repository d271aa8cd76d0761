"""Partner feed, inbox, acknowledgements, recognition and KPIs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.certificates import CertificateEventOut
from api.schemas.common import CertificateId, Code, Hex32, ProgrammeName, Transaction, hex0x, programme_names, utc
from ledger_client.index import AdministrationKpis, FeedEntry, FeedPage, MonthKpis, Percentiles, ProgrammeKpis
from ledger_client.models import Recognition


class FeedEventOut(BaseModel):
    """A partner's certificate event, and whether the reading administration acknowledged it."""

    event: CertificateEventOut
    acknowledged: bool
    acknowledged_block: int | None

    @classmethod
    def of(cls, entry: FeedEntry) -> FeedEventOut:
        """From the index's feed entry."""
        return cls(
            event=CertificateEventOut.of(entry.event),
            acknowledged=entry.acknowledged,
            acknowledged_block=entry.acknowledged_block,
        )


class FeedPageOut(BaseModel):
    """One page of the feed. ``next_cursor`` is always set: at the end of the feed it is where to
    resume once new events arrive (poll with it; ``more`` false means nothing further yet)."""

    items: list[FeedEventOut]
    next_cursor: str = Field(description="opaque cursor after the last event returned (pass it as `cursor`)")
    more: bool = Field(description="whether further events are already indexed (ask again at once)")

    @classmethod
    def of(cls, page: FeedPage) -> FeedPageOut:
        """From the index's feed page."""
        return cls(items=[FeedEventOut.of(e) for e in page.items], next_cursor=page.next_cursor, more=page.more)


class AcknowledgeRequest(BaseModel):
    """The token's administration applied this certificate event in its national system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"certificate_id": "0x504527c2f1d3b5a79e0c4f6a8b2d1e3f5a7c9e0b1d3f5a7c9e1b3d5f7a9c0e2d", "sequence": 2},
            ]
        },
    )

    certificate_id: CertificateId
    sequence: int = Field(ge=1, le=2**24 - 1, description="the event's number in the certificate's history")


class AcknowledgementWritten(BaseModel):
    """A recorded acknowledgement and its transaction."""

    certificate_id: Hex32
    partner: Code
    sequence: int
    transaction: Transaction


class RecognitionOut(BaseModel):
    """Whether an administration recognises a certificate (now on-chain, or at a moment from the index)."""

    certificate_id: Hex32
    by: Code
    recognised: bool
    programmes: list[ProgrammeName] = Field(description="the recognised programmes")
    mra_id: int | None = Field(description="the MRA granting recognition")
    at: datetime | None = Field(description="the moment asked about (null: now)")
    source: Literal["chain", "index"] = Field(description="chain: the on-chain view; index: history at `at`")

    @classmethod
    def of(cls, r: Recognition, at: int | None) -> RecognitionOut:
        """From the domain answer."""
        return cls(
            certificate_id=hex0x(r.certificate_id),
            by=r.recognizer,
            recognised=r.recognised,
            programmes=programme_names(r.programmes),
            mra_id=r.mra_id or None,
            at=None if at is None else utc(at),
            source="chain" if at is None else "index",
        )


class LatencyOut(BaseModel):
    """Acknowledgement latency of one partner, in seconds (block time of ack minus event)."""

    partner: Code
    count: int = Field(description="acknowledgements (count)")
    p50: float = Field(description="seconds")
    p90: float = Field(description="seconds")
    p95: float = Field(description="seconds")
    p99: float = Field(description="seconds")
    max: float = Field(description="seconds")


class PercentilesOut(BaseModel):
    """Count and nearest-rank percentiles of acknowledgement latencies, in seconds."""

    count: int = Field(description="acknowledgements (count)")
    p50: float = Field(description="seconds")
    p90: float = Field(description="seconds")
    p95: float = Field(description="seconds")
    p99: float = Field(description="seconds")
    max: float = Field(description="seconds")

    @classmethod
    def of(cls, p: Percentiles) -> PercentilesOut:
        """From the index's figures."""
        return cls(count=p.count, p50=p.p50, p90=p.p90, p95=p.p95, p99=p.p99, max=p.max)


class ProgrammeKpisOut(BaseModel):
    """One programme: its certificates, SME share, acknowledgement latency and certificates whose
    operator withholds consent."""

    programme: ProgrammeName
    certificates: int = Field(description="certificates (count) with the programme")
    sme: int = Field(description="certificates (count) of SMEs with the programme")
    sme_share: float = Field(ge=0, le=1, description="fraction (0..1) of the programme's certificates that are SMEs'")
    acknowledgement_latency: PercentilesOut = Field(
        description="seconds, over acknowledgements of events of the programme's certificates"
    )
    consent_withheld: int = Field(
        ge=0,
        description="certificates (count) with the programme in force at `at` whose operator withholds consent"
        " to the exchange with MRA partners, so that no partner recognises them",
    )

    @classmethod
    def of(cls, p: ProgrammeKpis) -> ProgrammeKpisOut:
        """From the index's figures."""
        return cls(
            programme=ProgrammeName(p.programme),
            certificates=p.certificates,
            sme=p.sme,
            sme_share=p.sme_share,
            acknowledgement_latency=PercentilesOut.of(p.acknowledgement_latency),
            consent_withheld=p.consent_withheld,
        )


class MonthKpisOut(BaseModel):
    """One UTC calendar month of an administration's history."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2026-01"], description="UTC calendar month (YYYY-MM)")
    start: datetime = Field(description="first instant of the month (inclusive)")
    end: datetime = Field(description="first instant of the next month (exclusive)")
    events: dict[str, int] = Field(
        description="certificate events (count) recorded in the month, by action", examples=[{"ISSUED": 12}]
    )
    by_status: dict[str, int] = Field(
        description="certificates (count) by status at the month's end (at `at` for the last month)"
    )
    acknowledgements: int = Field(description="acknowledgements (count) recorded in the month")
    acknowledgement_latency: PercentilesOut = Field(description="seconds, over the acknowledgements of the month")
    by_programme: dict[str, dict[str, int]] = Field(
        description="per programme, its certificates (count) by status at the month's end (at `at` for the last"
        " month); ACTIVE = in force; a certificate counts under each of its programmes",
        examples=[{"SECURITY": {"ACTIVE": 10, "SUSPENDED": 1, "REVOKED": 0, "ANNULLED": 0, "EXPIRED": 2}}],
    )

    @classmethod
    def of(cls, m: MonthKpis) -> MonthKpisOut:
        """From the index's figures."""
        return cls(
            month=m.month,
            start=utc(m.start),
            end=utc(m.end),
            events=m.events,
            by_status=m.by_status,
            acknowledgements=m.acknowledgements,
            acknowledgement_latency=PercentilesOut.of(m.acknowledgement_latency),
            by_programme=m.by_programme,
        )


#: Units the API's rendering changes: instants are ISO 8601 here.
API_UNITS = {
    "at": "ISO 8601 UTC instant",
    "monthly.start": "ISO 8601 UTC instant (inclusive)",
    "monthly.end": "ISO 8601 UTC instant (exclusive)",
}


class KpisOut(BaseModel):
    """Key figures of an administration's certificates; `units` names the unit of every figure."""

    code: Code
    at: datetime
    certificates: int = Field(description="certificates (count)")
    by_status: dict[str, int] = Field(
        examples=[{"ACTIVE": 180, "EXPIRED": 2, "SUSPENDED": 8, "REVOKED": 10}],
        description="certificates (count) by status at `at`",
    )
    by_programme: dict[str, int] = Field(description="certificates (count) with each programme")
    by_role: dict[str, int] = Field(description="certificates (count) with each role")
    sme: int = Field(description="certificates (count) of SMEs")
    non_sme: int = Field(description="certificates (count) of other operators")
    sme_share: float = Field(ge=0, le=1, description="fraction (0..1) of the certificates that are SMEs'")
    acknowledgement_latency: list[LatencyOut] = Field(description="per partner, seconds")
    consent_withheld: int = Field(
        ge=0,
        examples=[3],
        description="certificates (count) in force at `at` (ACTIVE) whose operator withholds consent to the"
        " exchange with MRA partners (certificate flag bit 1), so that no partner recognises them",
    )
    programmes: list[ProgrammeKpisOut] = Field(
        description="SME share, acknowledgement latency and certificates whose operator withholds consent per programme"
    )
    monthly: list[MonthKpisOut] = Field(description="the history month by month, oldest first")
    units: dict[str, str] = Field(description="the unit of every figure, by (dotted) field name")

    @classmethod
    def of(cls, k: AdministrationKpis) -> KpisOut:
        """From the index's figures."""
        return cls(
            code=k.code,
            at=utc(k.at),
            certificates=k.certificates,
            by_status=k.by_status,
            by_programme=k.by_programme,
            by_role=k.by_role,
            sme=k.sme,
            non_sme=k.non_sme,
            sme_share=k.sme_share,
            acknowledgement_latency=[
                LatencyOut(partner=s.partner, count=s.count, p50=s.p50, p90=s.p90, p95=s.p95, p99=s.p99, max=s.max)
                for s in k.acknowledgement_latency
            ],
            consent_withheld=k.consent_withheld,
            programmes=[ProgrammeKpisOut.of(p) for p in k.programmes],
            monthly=[MonthKpisOut.of(m) for m in k.monthly],
            units={**k.units, **API_UNITS},
        )
