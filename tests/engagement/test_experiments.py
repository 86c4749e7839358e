"""Experiment arms are stable and follow the weights; the statistics match SciPy's own tests."""

from __future__ import annotations

from collections import Counter

import pytest
from scipy.stats import chi2_contingency

from core.experiment_stats import ArmCounts, compare
from models.triggers import Action, Experiment, Variant
from workflows.experiments import HOLDOUT, assign

EMAIL = [Action(channel="email", template="welcome")]
EXPERIMENT = Experiment(
    key="welcome_copy",
    holdout=0.2,
    variants=[
        Variant(key="short", weight=3, then=EMAIL),
        Variant(key="long", weight=1, then=EMAIL),
    ],
)


def test_assignment_is_stable_and_follows_weights_and_holdout() -> None:
    arms = Counter(assign(EXPERIMENT, f"customer-{n}") for n in range(20_000))
    assert assign(EXPERIMENT, "customer-7") == assign(EXPERIMENT, "customer-7")
    assert arms[HOLDOUT] / 20_000 == pytest.approx(0.2, abs=0.01)
    assert arms["short"] / 20_000 == pytest.approx(0.6, abs=0.01)
    assert arms["long"] / 20_000 == pytest.approx(0.2, abs=0.01)


def test_another_experiment_shuffles_customers_independently() -> None:
    other = EXPERIMENT.model_copy(update={"key": "other"})
    same = sum(assign(EXPERIMENT, f"c{n}") == assign(other, f"c{n}") for n in range(5_000))
    # Independent draws agree with probability 0.2² + 0.6² + 0.2² = 0.44.
    assert same / 5_000 == pytest.approx(0.44, abs=0.03)


@pytest.mark.parametrize(
    ("arm", "holdout"),
    [((120, 1000), (100, 1000)), ((45, 300), (20, 310)), ((5, 50), (9, 60))],
)
def test_p_value_equals_the_chi_square_test_without_correction(
    arm: tuple[int, int], holdout: tuple[int, int]
) -> None:
    result = compare(
        ArmCounts(converted=arm[0], exposed=arm[1]),
        ArmCounts(converted=holdout[0], exposed=holdout[1]),
        min_sample=100,
    )
    table = [[arm[0], arm[1] - arm[0]], [holdout[0], holdout[1] - holdout[0]]]
    expected = chi2_contingency(table, correction=False).pvalue
    assert result.p_value == pytest.approx(expected, rel=1e-9)


def test_lift_interval_and_the_not_enough_data_flag() -> None:
    result = compare(
        ArmCounts(converted=120, exposed=1000), ArmCounts(converted=100, exposed=1000), 100
    )
    # 0.02 ± 1.959964 × sqrt(0.12·0.88/1000 + 0.1·0.9/1000), worked out by hand.
    assert result.lift == pytest.approx(0.02)
    assert result.lift_low == pytest.approx(-0.0074118, abs=1e-6)
    assert result.lift_high == pytest.approx(0.0474118, abs=1e-6)
    assert result.enough_data
    small = compare(ArmCounts(converted=3, exposed=40), ArmCounts(converted=1, exposed=45), 100)
    assert not small.enough_data and small.p_value is not None
    empty = compare(ArmCounts(converted=0, exposed=0), ArmCounts(converted=1, exposed=45), 100)
    assert (empty.p_value, empty.lift_low) == (None, None)
