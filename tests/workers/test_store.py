"""The study store's contract (search.storage.StudyStorage), the suite every backend runs:
on a real SQLite file and a real PostgreSQL server (tests/workers/conftest.py's ``store_url``
lists the backends; a new one is one more entry there): who may resume, who gets a dead
worker's trial, and what a running trial costs the budget."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from search.budget import Budget, compute_spent
from search.fidelity import Fidelity
from search.liveness import worker_name
from search.storage import CLOSED, StudyMismatch, StudyStorage, open_store
from search.trial import InheritedWeights, Trial, TrialStatus

SEARCHED = {"space": "macro", "strategy": "tpe", "seed": 1}
DEAD_HERE = f"{socket.gethostname()}:999999999:0.00"  # a pid that cannot exist
ELSEWHERE = "another-host:12:34.00"


def new_trial(history: list[Trial]) -> Trial:
    return Trial(len(history), {"x": len(history)}, seed=100 + len(history))


@pytest.fixture
def store(store_url) -> StudyStorage:
    """Patient: a remote worker stays alive however slow the machine; tests of the timeout
    open an impatient second view of the same store."""
    return open_store(store_url, heartbeat_timeout_s=3600)


def test_an_unfinished_study_is_resumed_and_a_finished_one_is_not(store):
    first = store.open("inputs", SEARCHED, {"budget": 1})
    again = store.open("inputs", SEARCHED, {"budget": 2})
    assert (again.id, again.resumed, again.settings["job"]) == (first.id, True, {"budget": 2})
    store.close(first.id)
    assert not store.open("inputs", SEARCHED, {}).resumed


def test_resuming_with_another_space_is_refused_in_one_line_and_changes_nothing(store):
    first = store.open("inputs", SEARCHED, {})
    store.claim(first.id, worker_name(), new_trial)
    with pytest.raises(StudyMismatch) as refused:
        store.open("inputs", {**SEARCHED, "space": "micro"}, {})
    message = str(refused.value)
    assert "\n" not in message and "'macro' -> 'micro'" in message and "--new-study" in message
    assert len(store.trials(first.id)) == 1
    fresh = store.open("inputs", {**SEARCHED, "space": "micro"}, {}, resume=False)
    assert fresh.id != first.id and store.trials(fresh.id) == []
    assert store.open("inputs", {**SEARCHED, "space": "micro"}, {}).id == fresh.id


def test_a_dead_local_workers_trial_is_retried_at_once_with_its_point_and_seed(store):
    study = store.open("inputs", SEARCHED, {}).id
    lost = store.claim(study, DEAD_HERE, new_trial).trial
    retried = store.claim(study, worker_name(), new_trial)
    assert retried.retried and retried.trial is not None
    assert (retried.trial.number, retried.trial.params, retried.trial.seed) == (
        lost.number, lost.params, lost.seed,
    )  # fmt: skip


def test_a_remote_worker_is_dead_only_after_its_heartbeat_times_out(store):
    import time

    impatient = open_store(store.url, heartbeat_timeout_s=0.5)
    study = store.open("inputs", SEARCHED, {}).id
    store.claim(study, ELSEWHERE, new_trial)
    assert store.claim(study, worker_name(), new_trial).trial.number == 1  # alive: a new one
    time.sleep(0.6)
    assert impatient.claim(study, worker_name(), new_trial).trial.number == 0  # timed out


def test_a_trial_that_keeps_killing_its_worker_fails_after_the_attempt_limit(store_url):
    store = open_store(store_url, max_attempts=2)
    study = store.open("inputs", SEARCHED, {}).id
    store.claim(study, DEAD_HERE, new_trial)
    assert store.claim(study, DEAD_HERE, new_trial).retried
    claim = store.claim(study, worker_name(), new_trial)
    assert not claim.retried and claim.trial.number == 1
    failed = store.trials(study)[0]
    assert failed.status is TrialStatus.FAILED and "died 2 times" in failed.error


def test_only_the_worker_holding_a_trial_may_record_it(store):
    study = store.open("inputs", SEARCHED, {}).id
    trial = store.claim(study, DEAD_HERE, new_trial).trial
    store.claim(study, worker_name(), new_trial)  # handed over
    trial.status, trial.value = TrialStatus.COMPLETE, 1.0
    assert not store.finish(study, trial, DEAD_HERE)
    assert store.finish(study, trial, worker_name())
    assert store.trials(study)[0].value == 1.0


def test_a_worker_that_lost_its_trial_process_hands_it_to_the_next_claim(store):
    me = worker_name()
    study = store.open("inputs", SEARCHED, {}).id
    store.claim(study, me, new_trial)
    assert store.claim(study, me, new_trial).trial.number == 1  # its own: alive
    store.release(study, 0, me)
    assert store.claim(study, me, new_trial).retried


def test_a_closed_study_hands_out_no_trial(store):
    study = store.open("inputs", SEARCHED, {}).id
    store.claim(study, worker_name(), new_trial)
    store.close(study)
    claim = store.claim(study, ELSEWHERE, new_trial)
    assert claim.trial is None and claim.reason == CLOSED
    assert len(store.trials(study)) == 1


def test_a_warm_start_comes_from_the_newest_finished_study_of_the_same_problem(store):
    def finished(key: str, space: str, problem: str | None) -> int:
        study = store.open(key, {**SEARCHED, "space": space}, {}, problem=problem).id
        store.close(study)
        return study

    penguins = finished("span-1", "macro", "penguins")
    finished("taxi-span-1", "macro", "taxi")  # another pipeline sharing a server store
    finished("span-2", "micro", "penguins")  # the same problem over another space
    assert store.latest_finished("span-3", "macro", "penguins") == penguins
    assert store.latest_finished("span-3", "macro", "digits") is None
    assert store.latest_finished("span-1", "macro", "penguins") is None  # its own inputs


def test_stores_created_and_studies_opened_at_once_make_one_study(store_url):
    """Several Tuners starting together on a fresh database (a KFP task retried beside the
    pod it replaces): the tables are created once, and one study is opened for the inputs."""
    import threading

    gate = threading.Barrier(6)
    opened: list[int] = []
    errors: list[BaseException] = []

    def tuner() -> None:
        try:
            gate.wait()
            store = open_store(store_url)
            opened.append(store.open("inputs", SEARCHED, {}).id)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=tuner) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(opened) == 6 and len(set(opened)) == 1


def test_a_worker_pod_finds_the_newest_study_of_its_inputs(store):
    assert store.newest("inputs") is None  # the Tuner has not opened it yet
    first = store.open("inputs", SEARCHED, {}).id
    store.open("other inputs", SEARCHED, {})
    assert store.newest("inputs") == (first, "running")
    store.close(first)
    assert store.newest("inputs") == (first, "finished")


def test_only_live_workers_elsewhere_count_as_running(store):
    import time

    impatient = open_store(store.url, heartbeat_timeout_s=0.5)
    me = worker_name()
    study = store.open("inputs", SEARCHED, {}).id
    store.claim(study, me, new_trial)
    assert store.running_elsewhere(study, me) == 0  # its own trials are not "elsewhere"
    store.claim(study, ELSEWHERE, new_trial)
    store.claim(study, DEAD_HERE, new_trial)
    assert store.running_elsewhere(study, me) == 1  # the dead local worker does not count
    time.sleep(0.6)  # the remote worker's heartbeat times out
    assert impatient.running_elsewhere(study, me) == 0


def test_running_trials_are_charged_their_planned_compute():
    done = Trial(0, {}, status=TrialStatus.COMPLETE, value=1.0, cost={"compute": 2.0})
    running = Trial(1, {}, fidelity=Fidelity(3, rows=0.5))
    continuing = Trial(2, {}, fidelity=Fidelity(9), inherit=InheritedWeights(0, "continue", 6, 3))
    assert compute_spent([done, running, continuing]) == pytest.approx(2.0 + 1.5 + 6.0)
    assert Budget(max_epochs=9.5).stop_reason([done, running, continuing], 0.0) is not None


def test_a_claim_whose_commit_answer_was_lost_is_retried_without_claiming_a_second_trial(store):
    """The server commits the claim and the connection breaks before the client hears so: the
    fault is made at the driver, below the store, by committing the transaction on the DBAPI
    connection and then raising the error a dropped connection raises. The store's retry
    must hand back the trial the lost answer carried, and leave no trial running that no
    process runs."""
    me = worker_name()
    study = store.open("inputs", SEARCHED, {}).id
    first = store.claim(study, me, new_trial, holding=set()).trial
    lost = [True]

    @sa.event.listens_for(store.engine, "commit")
    def commit_then_drop(connection):
        if lost:
            lost.pop()
            connection.connection.dbapi_connection.commit()
            raise sa.exc.OperationalError("COMMIT", {}, ConnectionError("connection dropped"))

    claim = store.claim(study, me, new_trial, holding={first.number})
    assert not lost  # the fault happened, and the retry answered
    assert claim.trial is not None and claim.trial.number == 1
    running = [t.number for t in store.trials(study) if t.status == TrialStatus.RUNNING]
    assert running == [0, 1]
    third = store.claim(study, me, new_trial, holding={0, 1}).trial
    assert third.number == 2  # with both known, the next claim is a new trial
