"""Per-API-key token buckets: how many device messages a key may send, and how fast.

A bucket holds up to ``burst`` tokens and refills at ``per_second``; each message takes
one. The bucket is kept in memory only (a restart refills it), which is the usual trade
for a limit whose job is to shield the pipeline from one misbehaving device fleet.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class RateLimit(BaseModel):
    """A service group's limit, applied to each of its API keys separately."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_second: float = Field(gt=0, le=1_000_000, description="Sustained messages per second.")
    burst: int = Field(
        ge=1, le=1_000_000, description="Messages a key may send at once after a quiet spell."
    )


@dataclass(slots=True)
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, limit: RateLimit, now: float) -> TokenBucket:
        return cls(limit.per_second, float(limit.burst), float(limit.burst), now)

    def take(self, now: float) -> bool:
        """Spend one token; False (nothing spent) when the bucket is empty."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def retry_after(self) -> float:
        """Seconds until the next token."""
        return max(0.0, (1.0 - self.tokens) / self.rate)


__all__ = ["RateLimit", "TokenBucket"]
