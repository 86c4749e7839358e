"""A/B statistics per variant against the holdout: rate, lift with a 95% interval, p-value.

Two-proportion z-test (pooled standard error for the p-value, unpooled for the interval of the
difference), normal quantiles from SciPy.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, Field
from scipy.stats import norm

CONFIDENCE = 0.95


class ArmCounts(BaseModel):
    exposed: int = Field(ge=0)
    converted: int = Field(ge=0)

    @property
    def rate(self) -> float:
        return self.converted / self.exposed if self.exposed else 0.0


class Comparison(BaseModel):
    rate: float
    baseline_rate: float
    lift: float = Field(description="Rate minus the holdout's rate (absolute).")
    lift_low: float | None
    lift_high: float | None
    p_value: float | None
    enough_data: bool


def compare(arm: ArmCounts, holdout: ArmCounts, min_sample: int) -> Comparison:
    """How the arm did against the holdout; None where the numbers cannot say anything."""
    lift = arm.rate - holdout.rate
    enough = arm.exposed >= min_sample and holdout.exposed >= min_sample
    if not arm.exposed or not holdout.exposed:
        return Comparison(
            rate=arm.rate,
            baseline_rate=holdout.rate,
            lift=lift,
            lift_low=None,
            lift_high=None,
            p_value=None,
            enough_data=False,
        )
    z = float(norm.ppf(1 - (1 - CONFIDENCE) / 2))
    spread = math.sqrt(
        arm.rate * (1 - arm.rate) / arm.exposed
        + holdout.rate * (1 - holdout.rate) / holdout.exposed
    )
    pooled = (arm.converted + holdout.converted) / (arm.exposed + holdout.exposed)
    pooled_se = math.sqrt(pooled * (1 - pooled) * (1 / arm.exposed + 1 / holdout.exposed))
    p_value = 1.0 if pooled_se == 0 else float(2 * norm.sf(abs(lift) / pooled_se))
    return Comparison(
        rate=arm.rate,
        baseline_rate=holdout.rate,
        lift=lift,
        lift_low=lift - z * spread,
        lift_high=lift + z * spread,
        p_value=p_value,
        enough_data=enough,
    )
