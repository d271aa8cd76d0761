"""Liveness and readiness."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    """The process is alive."""

    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    """The chain answers and the index has caught up."""

    status: str = Field(examples=["ready"])
    chain_block: int
    index_block: int
    lag_blocks: int
