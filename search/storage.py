"""What a study store is, to the Tuner, its trial workers and worker pods: one small typed
interface, as Optuna's BaseStorage is to its samplers, and ``open_store`` to get one from a
URL. The SQLAlchemy store (search.store: SQLite, PostgreSQL, MySQL) is the implementation
today; tests/workers/test_store.py is the suite every implementation must pass.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from search.trial import Trial


CLOSED = "the study was closed (its search ended)"  # a claim's reason when no trial is left


class StudyMismatch(ValueError):
    """Resuming a study with settings it was not started with; one line, fit for a terminal."""


@dataclass(frozen=True)
class Claim:
    """What a worker got: a trial to run (``retried`` when a dead worker had it), or why not."""

    trial: Trial | None
    reason: str | None = None
    retried: bool = False


@dataclass(frozen=True)
class StoredStudy:
    id: int
    resumed: bool  # an unfinished study for the same inputs and settings was found
    settings: dict[str, Any]  # {"searched": ..., "job": ...}, as given to open


class StudyStorage(Protocol):
    """A durable study that several workers share. Every write is atomic; a claim reads the
    history, lets ``propose`` add the next trial and records it as running, as one step that
    no other worker interleaves with; a trial whose worker died is handed to the next claim."""

    url: str

    def open(
        self, key: str, searched: dict[str, Any], job: dict[str, Any], resume: bool = True,
        problem: str | None = None,
    ) -> StoredStudy:  # fmt: skip
        """The unfinished study for ``key`` (resumed), else a new one."""

    def latest_finished(
        self, other_than_key: str, space: str, problem: str | None = None
    ) -> int | None:
        """The newest finished study of other inputs over the same space (a warm start)."""

    def newest(self, key: str) -> tuple[int, str] | None:
        """The newest study for ``key`` and its state."""

    def running_elsewhere(self, study_id: int, worker: str) -> int:
        """Trials of the study that live workers other than ``worker`` are running."""

    def settings(self, study_id: int) -> dict[str, Any]: ...

    def trials(self, study_id: int) -> list[Trial]: ...

    def claim(
        self, study_id: int, worker: str, propose: Callable[[list[Trial]], Trial | str],
        holding: Collection[int] | None = None,
    ) -> Claim:  # fmt: skip
        """The next trial for ``worker``: a dead worker's first, else ``propose``'s."""

    def heartbeat(self, study_id: int, worker: str) -> None: ...

    def finish(self, study_id: int, trial: Trial, worker: str) -> bool:
        """Records a finished trial; False when ``worker`` no longer holds it."""

    def release(self, study_id: int, number: int, worker: str) -> None: ...

    def close(self, study_id: int, state: str = "finished") -> None: ...


def open_store(
    url: str, heartbeat_timeout_s: float = 60.0, max_attempts: int = 3, retry_s: float = 60.0,
    migrate: bool = True,
) -> StudyStorage:  # fmt: skip
    """The store at ``url`` (any SQLAlchemy URL), its tables migrated to this code's schema.
    ``heartbeat_timeout_s``: when a worker on another host is presumed dead; ``max_attempts``:
    how often a trial may lose its worker before it fails; ``retry_s``: how long operations
    keep trying through a database outage; ``migrate`` False: the caller knows the schema is
    current (see search.store.StudyStore)."""
    from search.store import StudyStore

    return StudyStore(url, heartbeat_timeout_s, max_attempts, retry_s, migrate)
