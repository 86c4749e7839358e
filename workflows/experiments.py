"""Deterministic experiment assignment: the same customer always lands in the same arm.

The arm comes from a hash of the experiment and customer ids, so it survives replays, retries
and continue-as-new without being stored first, and the API can recompute it.
"""

from __future__ import annotations

import hashlib

from models.triggers import Experiment

HOLDOUT = "holdout"


def bucket(experiment_key: str, customer_id: str) -> float:
    """A uniform number in [0, 1) fixed by the two ids."""
    digest = hashlib.sha256(f"{experiment_key}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(experiment: Experiment, customer_id: str) -> str:
    """The variant key, or `holdout` (which is sent nothing)."""
    point = bucket(experiment.key, customer_id)
    if point < experiment.holdout:
        return HOLDOUT
    scaled = (point - experiment.holdout) / (1 - experiment.holdout)
    total = sum(variant.weight for variant in experiment.variants)
    edge = 0.0
    for variant in experiment.variants:
        edge += variant.weight / total
        if scaled < edge:
            return variant.key
    return experiment.variants[-1].key
