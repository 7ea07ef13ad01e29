"""Which candidates the Trainer may reuse instead of retraining: a trial whose model had a
full trial's training (all rows, full width, at least the full epochs with what it
inherited), as the Tuner records it in best_hyperparameters."""

import pytest

from search.fidelity import Fidelity
from search.trial import Trial, TrialStatus

FULL = Fidelity(5)


@pytest.mark.parametrize(
    "fidelity, attrs, expected",
    [
        (Fidelity(5), {}, True),
        (None, {}, True),  # no estimator: every trial is a full one
        (Fidelity(1, rows=0.56), {}, False),  # a low rung
        (Fidelity(5, width=0.5), {}, False),  # a narrower network is not the point's
        (Fidelity(4), {"model_epochs": 5}, True),  # continued from a parent's epoch
        (Fidelity(5), {"model_epochs": 3}, False),  # stopped early by its curve
    ],
)
def test_full_training_is_all_rows_full_width_and_the_full_epochs(fidelity, attrs, expected):
    from components.tuner.snapshots import trial_trained_in_full

    trial = Trial(0, {}, TrialStatus.COMPLETE, 1.0, fidelity, attrs=attrs)
    assert trial_trained_in_full(trial, FULL) is expected
