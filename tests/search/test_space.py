import numpy as np
import pytest

from search.space import Choice, Condition, Float, Int, SearchSpace, SpaceError
from search.synthetic import PROBLEMS


def space() -> SearchSpace:
    return SearchSpace(
        [
            Int("blocks", 1, 3),
            Choice("width_2", (32, 64), condition=Condition("blocks", (2, 3))),
            Float("lr", 1e-4, 1e-1, log=True),
            Float("dropout", 0.0, 0.3, step=0.1),
        ]
    )


@pytest.mark.parametrize(
    "build, fragment",
    [
        (lambda: [], "empty"),
        (lambda: [Int("a", 0, 1), Int("a", 0, 2)], "declared twice"),
        (lambda: [Int("a", 3, 1)], "above high"),
        (lambda: [Float("a", 1.0, 1.0)], "must be below"),
        (lambda: [Float("a", 0.0, 1.0, log=True)], "log scale"),
        (lambda: [Choice("a", ())], "at least one value"),
        (lambda: [Choice("a", (1, 1))], "repeated"),
        (
            lambda: [Int("b", 0, 1, condition=Condition("a", (1,))), Int("a", 0, 1)],
            "not an earlier",
        ),
        (
            lambda: [Int("a", 0, 1), Int("b", 0, 1, condition=Condition("a", (5,)))],
            "never be taken",
        ),
    ],
)
def test_contradictory_spaces_are_rejected(build, fragment):
    with pytest.raises(SpaceError, match=fragment):
        SearchSpace(build())


def test_samples_are_valid_and_respect_conditions():
    s = space()
    rng = np.random.default_rng(0)
    for _ in range(200):
        point = s.sample(rng)
        assert s.check(point) is None
        assert ("width_2" in point) == (point["blocks"] >= 2)


@pytest.mark.parametrize(
    "point, fragment",
    [
        ({"blocks": 1, "lr": 0.01, "dropout": 0.1, "x": 1}, "unknown"),
        ({"blocks": 2, "lr": 0.01, "dropout": 0.1}, "width_2 is missing"),
        ({"blocks": 1, "width_2": 32, "lr": 0.01, "dropout": 0.1}, "inactive"),
        ({"blocks": 9, "lr": 0.01, "dropout": 0.1}, "not in 1..3"),
        ({"blocks": 1, "lr": 5.0, "dropout": 0.1}, "not in"),
        ({"blocks": 2, "width_2": 48, "lr": 0.01, "dropout": 0.1}, "not one of"),
        ({"blocks": 1.5, "lr": 0.01, "dropout": 0.1}, "not an integer"),
    ],
)
def test_invalid_points_are_rejected_with_a_reason(point, fragment):
    assert fragment in space().check(point)


def test_unit_encoding_round_trips():
    s = space()
    rng = np.random.default_rng(1)
    for _ in range(100):
        point = s.sample(rng)
        decoded = s.from_unit(s.to_unit(point))
        assert decoded.keys() == point.keys()
        assert decoded["blocks"] == point["blocks"]
        assert decoded["lr"] == pytest.approx(point["lr"])


@pytest.mark.parametrize("low, high", [(1e-4, 0.03), (1e-5, 0.3), (0.1, 0.7)])
@pytest.mark.parametrize("log", [True, False])
def test_the_unit_box_edges_decode_inside_the_bounds(low, high, log):
    """Evolution clips a mutation to the box's edge, and 1e-4 * 300.0**1.0 overshoots 0.03."""
    param = Float("lr", low, high, log=log)
    assert param.from_unit(0.0) == low and param.from_unit(1.0) == high
    assert param.check(param.from_unit(1.0)) is None


def test_grid_enumerates_valid_points_without_duplicates():
    with pytest.raises(SpaceError, match="needs a step"):  # lr is continuous
        list(space().grid())
    small = SearchSpace(
        [Int("blocks", 1, 3), Choice("w", (1, 2), condition=Condition("blocks", (3,)))]
    )
    grid = list(small.grid())
    assert len(grid) == 4 and all(small.check(p) is None for p in grid)


def test_a_family_space_grid_costs_the_sum_of_its_branches_not_their_product():
    from search.space import point_key

    families = PROBLEMS["families"].space
    sizes = {family: sum(1 for _ in families.grid({"family": family})) for family in ("gbt", "rf")}
    assert sizes == {"gbt": 7 * 5, "rf": 6 * 10}  # the network's parameters never multiply in
    grid = list(families.grid({"family": "gbt"}))
    assert len({point_key(p) for p in grid}) == len(grid)
    assert all(families.check(p) is None and p["family"] == "gbt" for p in grid)


def test_grid_search_takes_the_families_in_turn():
    from search.strategies import strategy_by_name
    from search.study import Study

    families = PROBLEMS["families"]
    study = Study(families.space, strategy_by_name("grid")(families.space, seed=0))
    study.optimize(lambda trial: families.objective(trial.params), 6)
    assert [t.params["family"] for t in study.trials] == ["nn", "gbt", "rf"] * 2


def test_space_prints_one_line_per_parameter():
    text = str(space())
    assert len(text.splitlines()) == 4
    assert "if blocks in [2, 3]" in text and "log" in text


def test_synthetic_optima_are_reachable():
    for problem in PROBLEMS.values():
        best = min(problem.objective(p) for p in problem.space.grid())
        assert best >= problem.optimum - 1e-6
