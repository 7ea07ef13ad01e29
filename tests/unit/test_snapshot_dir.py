"""Where weight-inheritance snapshots live: somewhere every worker of the study reads."""

from components.tuner.executor import weights_root


def test_snapshots_sit_beside_a_sqlite_store_unless_configured():
    assert weights_root("sqlite:////data/tuner/studies.sqlite", None) == "/data/tuner/weights"
    assert weights_root("sqlite:////data/s.sqlite", "/shared/w") == "/shared/w"


def test_a_server_store_has_no_snapshot_folder_of_its_own():
    assert weights_root("postgresql://automl@db/studies", None) is None
    assert weights_root("postgresql://automl@db/studies", "/automl/w") == "/automl/w"
