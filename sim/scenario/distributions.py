"""Distributions a scenario may name for durations and delays, validated by pydantic.

Each knows its analytic mean and variance (so theory checks are one line) and compiles
into a plain sampler bound to one random stream, which is all the engine calls.

Every parameter is a finite number from 0 to :data:`MAX_VALUE` in the unit of the field
that holds the distribution (``latency_s``: seconds, ``install_min``: minutes): NaN or
infinity would stop the clock or break a sampler mid-run. A log-normal's ``sd`` is at
most :data:`MAX_CV` times its ``mean`` (already extreme), so ``(sd / mean)**2`` cannot
overflow.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Sampler = Callable[[], float]
_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
MAX_VALUE = 1e9  # 31 years in seconds; far past any duration a scenario means
MAX_CV = 100.0


class Constant(BaseModel):
    model_config = _STRICT
    dist: Literal["constant"] = "constant"
    value: float = Field(ge=0, le=MAX_VALUE)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sampler(self, rng: random.Random) -> Sampler:
        value = self.value
        return lambda: value


class Exponential(BaseModel):
    model_config = _STRICT
    dist: Literal["exponential"]
    mean: float = Field(gt=0, le=MAX_VALUE)

    @property
    def variance(self) -> float:
        return self.mean ** 2

    def sampler(self, rng: random.Random) -> Sampler:
        rate = 1.0 / self.mean
        draw = rng.expovariate
        return lambda: draw(rate)


class LogNormal(BaseModel):
    """Log-normal given by the mean and standard deviation of the value itself."""

    model_config = _STRICT
    dist: Literal["lognormal"]
    mean: float = Field(gt=0, le=MAX_VALUE)
    sd: float = Field(gt=0, le=MAX_VALUE)

    @model_validator(mode="after")
    def _bounded_spread(self) -> LogNormal:
        if self.sd > MAX_CV * self.mean:
            raise ValueError(f"sd must be at most {MAX_CV:g} x mean")
        return self

    @property
    def variance(self) -> float:
        return self.sd ** 2

    def sampler(self, rng: random.Random) -> Sampler:
        sigma2 = math.log(1 + (self.sd / self.mean) ** 2)
        mu, sigma = math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)
        draw = rng.lognormvariate
        return lambda: draw(mu, sigma)


class Uniform(BaseModel):
    model_config = _STRICT
    dist: Literal["uniform"]
    low: float = Field(ge=0, le=MAX_VALUE)
    high: float = Field(ge=0, le=MAX_VALUE)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sampler(self, rng: random.Random) -> Sampler:
        low, span, draw = self.low, self.high - self.low, rng.random
        return lambda: low + span * draw()


class Triangular(BaseModel):
    model_config = _STRICT
    dist: Literal["triangular"]
    low: float = Field(ge=0, le=MAX_VALUE)
    mode: float = Field(ge=0, le=MAX_VALUE)
    high: float = Field(ge=0, le=MAX_VALUE)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("need low <= mode <= high")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sampler(self, rng: random.Random) -> Sampler:
        low, high, mode, draw = self.low, self.high, self.mode, rng.triangular
        return lambda: draw(low, high, mode)


def _number_is_constant(value: object) -> object:
    # `latency_s: 3` reads as a constant; anything else must name its dist.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


Distribution = Annotated[
    Constant | Exponential | LogNormal | Uniform | Triangular,
    BeforeValidator(_number_is_constant),
    Field(discriminator="dist"),
]
