"""Accuracy of the health score on a synthetic portfolio with known outcomes.

Prints the backtest (ROC AUC, at-risk precision/recall 30/60/90 days ahead), how early the
warnings come, and the churn model's cross-validated quality.
Run: python -m bench.accuracy [customers] [seed]
"""

from __future__ import annotations

import sys
from datetime import timedelta

from activities.churn_model import fit_churn_model
from activities.health_backtest import CustomerHistory, backtest, first_alarm
from bench.synthetic import KEY_FEATURES, generate
from models.playbook import HealthConfig


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    config = HealthConfig(key_features=KEY_FEATURES)
    histories = [
        CustomerHistory(c.customer_id, c.plan, c.segment, c.events, c.churned, c.outcome_at)
        for c in generate(customers, seed=seed)
    ]
    report = backtest(histories, config)
    print(
        f"{customers} synthetic customers (seed {seed}): {report.churned} churned, "
        f"{report.renewed} renewed"
    )
    for h in report.horizons:
        print(
            f"  {h.days:>2} days before: ROC AUC {h.roc_auc}, at-risk precision "
            f"{h.at_risk_precision}, recall {h.at_risk_recall}"
        )
    churners = [h for h in histories if h.churned]
    renewals = [h for h in histories if not h.churned]
    lead = timedelta(days=14)
    warned = sum(
        1 for h in churners if (alarm := first_alarm(h, config)) and alarm <= h.outcome_at - lead
    )
    false_alarms = sum(1 for h in renewals if first_alarm(h, config))
    print(
        f"  early warning or at-risk >= 14 days before churn: {warned}/{len(churners)} "
        f"({warned / len(churners):.0%}); renewals ever alarmed: {false_alarms}/{len(renewals)} "
        f"({false_alarms / len(renewals):.0%})"
    )
    fit = fit_churn_model(histories, config, histories[0].outcome_at)
    print(
        f"  churn model: 5-fold cross-validated ROC AUC {fit.cv_auc}, Brier {fit.brier} "
        f"({fit.churned} churns, {fit.renewed} renewals)"
    )


if __name__ == "__main__":
    main()
