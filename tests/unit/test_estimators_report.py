"""The estimator benchmark's default rule: judged on what the Trainer serves, over every
dataset."""

from bench import estimators_report


def _run(curve: list[tuple[float, float]], served: float) -> dict:
    return {
        "curve": curve,
        "final": curve[-1][1],
        "retrained": served,
        "served": served,
        "spent": curve[-1][0],
        "wall_s": 1.0,
        "trials": len(curve),
    }


def _dataset(**runs: tuple[list[tuple[float, float]], float]) -> dict:
    return {
        "task": "classification",
        "rows": 100,
        "budget": 10.0,
        "runs": {m: [_run(c, r)] for m, (c, r) in runs.items()},
    }


def test_normalised_values_are_the_served_ones_not_the_search_finals():
    # "ours a" has the best search value but serves the worst model.
    dataset = _dataset(
        **{
            "ours a": ([(2.0, 0.5), (6.0, 0.1)], 0.9),
            "ours b": ([(4.0, 0.4)], 0.3),
            "peer": ([(8.0, 0.2)], 0.5),
        }
    )
    summary = estimators_report.summarise("d", dataset)
    assert summary["normalised"] == {"ours a": 1.0, "ours b": 0.0, "peer": 1 / 3}
    assert summary["best_peer"] == "peer"
    assert estimators_report.choose_default([summary]) == "ours b"


def test_a_method_missing_from_a_dataset_does_not_compete():
    full = _dataset(**{"ours a": ([(1.0, 0.3)], 0.3), "ours b": ([(1.0, 0.2)], 0.2)})
    partial = _dataset(**{"ours a": ([(1.0, 0.3)], 0.3)})
    summaries = [
        estimators_report.summarise("one", full),
        estimators_report.summarise("two", partial),
    ]
    assert estimators_report.choose_default(summaries) == "ours a"


def test_reach_is_the_compute_where_a_curve_first_gets_to_the_peer_final():
    dataset = _dataset(**{"ours a": ([(2.0, 0.5), (4.0, 0.15)], 0.2), "peer": ([(8.0, 0.2)], 0.2)})
    summary = estimators_report.summarise("d", dataset)
    step = summary["grid"][1]
    assert abs(summary["reach_best_peer"]["ours a"] - 4.0) <= step
    assert abs(summary["reach_best_peer"]["peer"] - 8.0) <= step


def test_the_served_value_is_the_retrain_unless_the_searched_network_is_kept_and_better():
    from bench.meter import Meter

    kept = Meter(10.0, searched_served=True, best=0.1, best_point={"units": 8})
    assert kept.served(0.3) == 0.1
    assert kept.served(0.05) == 0.05
    assert kept.served(None) == 0.1
    not_kept = Meter(10.0, best=0.1, best_point={"units": 8})
    assert not_kept.served(0.3) == 0.3
    nothing = Meter(10.0, searched_served=True)
    assert nothing.served(None) is None
