"""An experiment's results from the exposures the journeys recorded."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from core.experiment_stats import ArmCounts, compare
from models.experiment import ArmReport, ExperimentExposure, ExperimentReport
from models.playbook import Playbook
from models.triggers import Trigger
from workflows.experiments import HOLDOUT


def experiment_trigger(playbook: Playbook, key: str) -> Trigger | None:
    return next(
        (t for t in playbook.engagement.triggers if t.experiment and t.experiment.key == key),
        None,
    )


def arm_counts(session: Session, tenant_id: str, experiment: str) -> dict[str, ArmCounts]:
    rows = session.exec(
        select(
            ExperimentExposure.variant,
            func.count(),
            func.count(col(ExperimentExposure.converted_at)),
        )
        .where(
            ExperimentExposure.tenant_id == tenant_id,
            ExperimentExposure.experiment == experiment,
        )
        .group_by(col(ExperimentExposure.variant))
    ).all()
    return {variant: ArmCounts(exposed=n, converted=c) for variant, n, c in rows}


def experiment_report(session: Session, tenant_id: str, trigger: Trigger) -> ExperimentReport:
    """Per variant: exposed, converted, rate, and lift over the holdout with its interval and
    p-value; arms with fewer than the minimum sample are flagged, not hidden."""
    experiment, goal = trigger.experiment, trigger.goal
    assert experiment is not None and goal is not None  # the playbook checks both
    counts = arm_counts(session, tenant_id, experiment.key)
    holdout = counts.get(HOLDOUT, ArmCounts(exposed=0, converted=0))
    arms = []
    for variant in experiment.variants:
        arm = counts.get(variant.key, ArmCounts(exposed=0, converted=0))
        result = compare(arm, holdout, experiment.min_sample)
        arms.append(
            ArmReport(
                variant=variant.key,
                exposed=arm.exposed,
                converted=arm.converted,
                rate=arm.rate,
                lift=result.lift if holdout.exposed else None,
                lift_low=result.lift_low,
                lift_high=result.lift_high,
                p_value=result.p_value,
                enough_data=result.enough_data,
            )
        )
    arms.append(
        ArmReport(
            variant=HOLDOUT,
            exposed=holdout.exposed,
            converted=holdout.converted,
            rate=holdout.rate,
            enough_data=holdout.exposed >= experiment.min_sample,
        )
    )
    return ExperimentReport(
        key=experiment.key,
        trigger=trigger.key,
        goal=f"milestone {goal.milestone}" if goal.milestone else f"event {goal.event}",
        window_days=goal.within_days,
        holdout_share=experiment.holdout,
        min_sample=experiment.min_sample,
        arms=arms,
        enough_data=all(arm.enough_data for arm in arms),
    )


def experiment_reports(
    session: Session, tenant_id: str, playbook: Playbook
) -> list[ExperimentReport]:
    """Every experiment in the playbook, with its results so far."""
    return [
        experiment_report(session, tenant_id, trigger)
        for trigger in playbook.engagement.triggers
        if trigger.experiment is not None
    ]
