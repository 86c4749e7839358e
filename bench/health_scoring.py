"""Health engine speed: batch scoring of prepared features, and one customer's scoring.

Targets (issue 3): 100,000 customers' features in under 1 s; one customer under 5 ms (no I/O).
Run: python -m bench.health_scoring [customers]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime

import numpy as np

from activities.health_engine import (
    FeatureTable,
    level_codes,
    risk_levels,
    score_table,
    weight_matrix,
)
from activities.health_features import FEATURE_NAMES, HealthFeatures, recency_weights_total
from activities.health_scoring import score_customer
from models.playbook import HealthConfig

CONFIG = HealthConfig(
    key_features=["a", "b", "c", "d", "e"],
    segment_weights={"enterprise": {"usage": 20, "feature_adoption": 30}},
)


def synthetic_table(customers: int, seed: int = 1) -> FeatureTable:
    """Plausible random features, with support and billing data missing for some customers."""
    rng = np.random.default_rng(seed)
    full = recency_weights_total(CONFIG.window_days, CONFIG.recency_half_life_days)
    columns = {
        "active_weight": rng.uniform(0, full, customers),
        "active_weight_max": np.full(customers, full),
        "active_days": rng.integers(0, 31, customers).astype(float),
        "usage_events": rng.integers(0, 500, customers).astype(float),
        "usage_baseline": np.full(customers, 100.0),
        "days_since_last": rng.uniform(0, 40, customers),
        "key_used": rng.integers(0, 6, customers).astype(float),
        "key_total": np.full(customers, 5.0),
        "distinct_features": rng.integers(0, 12, customers).astype(float),
        "replies": rng.integers(0, 3, customers).astype(float),
        "tickets": rng.integers(0, 8, customers).astype(float),
        "tickets_baseline": rng.uniform(0, 3, customers),
        "urgent_open": rng.integers(0, 2, customers).astype(float),
        "sentiment": rng.uniform(-1, 1, customers),
        "invoices_paid": rng.integers(0, 4, customers).astype(float),
        "invoices_failed": rng.integers(0, 2, customers).astype(float),
        "downgrades": rng.integers(0, 2, customers).astype(float),
    }
    no_support = rng.random(customers) < 0.3
    for name in ("tickets", "tickets_baseline", "urgent_open", "sentiment"):
        columns[name][no_support] = np.nan
    return FeatureTable(np.column_stack([columns[name] for name in FEATURE_NAMES]))


def bench_batch(customers: int, repeats: int = 5) -> list[float]:
    table = synthetic_table(customers)
    segments = ["enterprise" if i % 4 == 0 else None for i in range(customers)]
    previous = level_codes([None] * customers)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        weights = weight_matrix(CONFIG, segments)
        scores = score_table(table, CONFIG, weights)
        risk_levels(scores.score, previous, CONFIG)
        timings.append(time.perf_counter() - start)
    return timings


def bench_single(samples: int = 2000) -> list[float]:
    table = synthetic_table(samples, seed=2)
    rows = [HealthFeatures(*map(float, row)) for row in table.values]
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    timings = []
    for row in rows:
        start = time.perf_counter()
        score_customer(row, CONFIG, segment=None, previous_level=None, history=[], as_of=as_of)
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    batch = bench_batch(customers)
    single = sorted(bench_single())
    print(f"batch scoring of {customers:,} customers (incl. weights and risk bands):")
    print(
        f"  best {min(batch) * 1000:.0f} ms, median {statistics.median(batch) * 1000:.0f} ms "
        f"over {len(batch)} runs (target < 1000 ms)"
    )
    print(f"one customer (features → explained score, no I/O), {len(single)} samples:")
    print(
        f"  median {statistics.median(single) * 1000:.2f} ms, "
        f"p95 {single[int(len(single) * 0.95)] * 1000:.2f} ms (target < 5 ms)"
    )


if __name__ == "__main__":
    main()
