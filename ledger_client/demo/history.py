"""The demo's past: when each step of the seeding happened, and a clock that writes it there.

A first demo run writes about a year of history: the ledger is deployed, the administrations
join and their MRAs are negotiated in the first weeks; each administration loads its existing
registry when it joins and then issues certificates as their validity starts; suspensions,
reinstatements, revocations, amendments and renewals are spread over the months; partners
acknowledge events after a latency typical of each (hours to days), some not yet.

How: the embedded node's clock is set back (``evm_setTime``) before the ledger is deployed in a
new data directory (:func:`rewind_new_chain`), then to each step's time before it is sent
(:class:`HistoryClock`); blocks in the past are sealed at once, and once the history is written
the clock follows the wall clock again (:meth:`HistoryClock.finish`). On a chain whose ledger was
deployed recently (no room for a past) every step happens now (:meth:`HistoryClock.at` does nothing).
Every time is a pure function of the seed, the deployment block's time and the anchor date, so
an interrupted seeding resumes on the same schedule.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

from ledger_client.demo.catalogue import CODES
from ledger_client.demo.lifecycle import Acknowledgement, Step
from ledger_client.demo.network import MRA_PLANS, DemoError
from ledger_client.documents import CertificateDocument
from ledger_client.ledger import Ledger

DAY = 86_400
HOUR = 3_600
#: How far back a new demo chain starts (the node's genesis is a year back as well).
HISTORY_DAYS = 360
#: Less room than this between the deployment and the anchor date: no history, everything now.
MIN_HISTORY_DAYS = 30
#: Days after the start on which each administration joins and loads its registry.
ONBOARDING_DAY = {"CR": 3, "PE": 6, "CL": 8, "CO": 11, "MX": 14}
#: MRA name → (day proposed, days after the proposal on which each further party accepts).
MRA_DAYS = {"Pacific Alliance": (16, (4, 9, 15)), "CR-MX": (48, (23,)), "CR-PE": (112, (12,))}
#: Median hours a partner takes to acknowledge an event (log-normal spread), by partner.
ACK_MEDIAN_HOURS = {"CL": 5.0, "CO": 30.0, "CR": 14.0, "MX": 52.0, "PE": 20.0}
ACK_SPREAD = 0.9


def history_start(genesis: int) -> int:
    """When the history of a new chain begins: 08:00 UTC of the day after its genesis."""
    return (genesis // DAY + 1) * DAY + 8 * HOUR


def rewind_new_chain(data_dir: str | os.PathLike[str]) -> bool:
    """Before the ledger is deployed in a new data directory: set the node's clock back to the
    start of the history (kept in its journal). True when it did; False for a chain with blocks."""
    from ledger_client.node import DurableChain

    with DurableChain(Path(data_dir), block_mode="instant") as node:
        if node.head_number() > 0:
            return False
        genesis = node.block_by_number(0)
        assert genesis is not None
        node.set_time(history_start(int(genesis.header.timestamp)))
    return True


@dataclass(frozen=True)
class Schedule:
    """When each step of the demo's seeding happens (Unix seconds).

    Attributes:
        start: the history's first moment (the deployment); end: its last (the anchor date's midnight).
        administrations: when each administration registers.
        mras: MRA name → (proposal time, acceptance time of each party in party order).
        issuance: certificate number → when it is issued.
        steps: certificate number → when each planned lifecycle step happens.
        acknowledgements: (certificate id, partner, sequence) → when it is sent; the planned ones
            that would fall after ``end`` are missing (still in the partner's inbox).
    """

    start: int
    end: int
    administrations: Mapping[str, int]
    mras: Mapping[str, tuple[int, tuple[int, ...]]]
    issuance: Mapping[str, int]
    steps: Mapping[str, tuple[int, ...]]
    acknowledgements: Mapping[tuple[bytes, str, int], int]

    @property
    def backdated(self) -> bool:
        """Whether there is a past to write (else every step happens now)."""
        return self.end - self.start >= MIN_HISTORY_DAYS * DAY

    def in_force(self, a: str, b: str) -> int | None:
        """When the first demo MRA joining ``a`` and ``b`` came into force (its last acceptance)."""
        times = [max(self.mras[plan.name][1]) for plan in MRA_PLANS if {a, b} <= set(plan.parties)]
        return min(times) if times else None


def _midnight(day: date) -> int:
    return int(datetime.combine(day, clock_time(0, 0), tzinfo=UTC).timestamp())


def _office_hours(rng: random.Random, day_start: int) -> int:
    """A moment between 08:30 and 17:30 of the day that starts at ``day_start``."""
    return day_start + 8 * HOUR + 1800 + rng.randrange(9 * HOUR)


def plan_schedule(
    start: int,
    today: date,
    documents: Sequence[CertificateDocument],
    plan: Mapping[str, Sequence[Step]],
    acknowledgements: Sequence[Acknowledgement],
    *,
    seed: int,
) -> Schedule:
    """The times of the seeding's steps between ``start`` (the deployment) and ``today``'s midnight."""
    rng = random.Random(f"aeo-ledger-demo:{seed}:history")
    end = _midnight(today)
    span = max(end - start, 0)

    def day(n: float) -> int:  # n days into the history, scaled down when it is shorter than planned
        return start + int(min(n * DAY, n * DAY * span / (HISTORY_DAYS * DAY)))

    administrations = {code: day(0) + 600 + index * 60 for index, code in enumerate(CODES)}
    mras = {}
    for plan_ in MRA_PLANS:
        proposed_day, accept_days = MRA_DAYS[plan_.name]
        proposed = _office_hours(rng, day(proposed_day) // DAY * DAY)
        accepted = [proposed + 60]  # the proposer accepts its own proposal at once
        accepted += [_office_hours(rng, day(proposed_day + d) // DAY * DAY) for d in accept_days]
        accepted = [max(t, proposed + 60 * (i + 1)) for i, t in enumerate(accepted)]
        mras[plan_.name] = (proposed, tuple(accepted))
    issuance = {}
    for document in documents:
        onboarding = _office_hours(rng, day(ONBOARDING_DAY[document.issuer]) // DAY * DAY)
        valid_from = int(document.valid_from.timestamp())
        if valid_from < onboarding or span == 0:
            issuance[document.certificate_number] = onboarding  # the registry loaded on joining
        else:
            issuance[document.certificate_number] = min(_office_hours(rng, valid_from // DAY * DAY), end - HOUR)
    steps: dict[str, tuple[int, ...]] = {}
    for number, planned in plan.items():
        times: list[int] = []
        after = issuance[number]
        for index, step in enumerate(planned):
            if step.action == "renew":
                moment = end - rng.randint(2, 6) * DAY + rng.randrange(8 * HOUR)
            elif index == 0:
                low, high = after + 7 * DAY, end - 3 * DAY
                moment = rng.randint(low, high) if high > low else after + HOUR
            else:
                moment = after + rng.randint(12, 60) * DAY
            moment = max(min(moment, end - HOUR), after + 600)
            times.append(moment)
            after = moment
        steps[number] = tuple(times)
    schedule = Schedule(start, end, administrations, mras, issuance, steps, {})
    by_id = {document.certificate_id(): document for document in documents}
    acks: dict[tuple[bytes, str, int], int] = {}
    for ack in acknowledgements:
        document = by_id[ack.certificate_id]
        number = document.certificate_number
        event = issuance[number] if ack.sequence == 1 else steps[number][ack.sequence - 2]
        live = schedule.in_force(ack.partner, document.issuer)
        base = max(event, live or event) + 60
        hours = ACK_MEDIAN_HOURS[ack.partner] * math.exp(rng.gauss(0.0, ACK_SPREAD))
        moment = base + int(hours * HOUR)
        if moment < end:
            acks[(ack.certificate_id, ack.partner, ack.sequence)] = moment
    return Schedule(start, end, administrations, mras, issuance, steps, acks)


class HistoryClock:
    """Moves the embedded node's clock to each step's time while the history is written."""

    def __init__(self, ledger: Ledger, schedule: Schedule, *, settable: bool | None = None) -> None:
        """``settable``: whether the node's clock may be set (``evm_setTime``); default: only the
        in-process embedded node's. ``aeo-ledger network`` passes True for its own node over JSON-RPC."""
        self._ledger = ledger
        self._schedule = schedule
        # only the embedded durable node's clock can be set back
        can_set = ledger.chain.settable_clock if settable is None else settable
        self.enabled = schedule.backdated and can_set

    def at(self, moment: int) -> None:
        """The next transactions happen at ``moment`` (or just after the chain's latest block)."""
        if self.enabled:
            self._set_time(moment)

    def finish(self) -> None:
        """Follow the wall clock again (the chain catches up to now with its next block)."""
        if self.enabled:
            self._rpc("evm_setTime", int(time.time()))
            self._rpc("evm_mine")  # the head is now: the chain's time is the wall clock's

    def _set_time(self, moment: int) -> None:
        self._rpc("evm_setTime", moment)

    def _rpc(self, method: str, *params: object) -> None:
        answer = self._ledger.chain.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in answer:
            raise DemoError(f"{method} failed: {answer['error']}")
