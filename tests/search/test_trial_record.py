"""A trial's record: what study files and the study store hold, read back the same, and
records written before the schedule had typed fields (rung, bracket, promotion, inheritance,
stop target under ``attrs``) read into those fields, so a retrain warm-starts from an older
run's study."""

from search.fidelity import Fidelity
from search.trial import InheritedWeights, Trial, TrialStatus, trial_from_record, trial_to_record


def test_a_record_reads_back_as_the_same_trial():
    trial = Trial(
        4, {"x": 0.5}, TrialStatus.COMPLETE, 0.25, Fidelity(3, rows=0.5), {"compute": 1.5},
        seed=9, rung=1, bracket=2, promoted_from=1,
        inherit=InheritedWeights(1, "continue", epochs=2, initial_epoch=1), stop_target=0.3,
        attrs={"parent": 0}, metrics={"val_loss": 0.25}, curves={"val_loss": [0.5, 0.25]},
    )  # fmt: skip
    assert trial_from_record(trial_to_record(trial)) == trial


def test_an_older_record_keeps_its_schedule_in_attrs_and_reads_into_the_fields():
    older = trial_to_record(Trial(3, {"x": 0.1}, TrialStatus.COMPLETE, 0.5, Fidelity(9)))
    for key in ("rung", "bracket", "promoted_from", "inherit", "stop_target"):
        del older[key]
    older["attrs"] = {"rung": 2, "bracket": 0, "promoted_from": 1, "stop_target": 0.4,
                      "inherit": {"from": 1, "kind": "continue", "epochs": 6, "initial_epoch": 3},
                      "model_epochs": 9}  # fmt: skip
    trial = trial_from_record(older)
    assert (trial.rung, trial.bracket, trial.promoted_from, trial.stop_target) == (2, 0, 1, 0.4)
    assert trial.inherit == InheritedWeights(1, "continue", epochs=6, initial_epoch=3)
    assert trial.attrs == {"model_epochs": 9}  # a strategy's or objective's notes only
