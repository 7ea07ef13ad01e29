import pytest

from search.restrict import restrict
from search.space import Choice, Float, Int, SpaceError
from search.synthetic import PROBLEMS

SPACE = PROBLEMS["architecture"].space  # blocks 1..4, width_i when blocks >= i, ...


def test_fixing_and_listing_values_narrows_the_space():
    narrowed = restrict(SPACE, {"blocks": [1, 2], "activation": "gelu"})
    assert narrowed["blocks"] == Choice("blocks", (1, 2))
    assert narrowed["activation"] == Choice("activation", ("gelu",))
    names = [p.name for p in narrowed]
    assert "width_2" in names and "width_3" not in names and "width_4" not in names
    assert narrowed["width_2"].condition.values == (2,)


def test_a_range_narrows_a_number_and_keeps_its_kind():
    narrowed = restrict(SPACE, {"dropout": {"low": 0.1, "high": 0.3}, "blocks": {"high": 2}})
    assert narrowed["dropout"] == Float("dropout", 0.1, 0.3, step=0.1)
    assert narrowed["blocks"] == Int("blocks", 1, 2)


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"depth": 3}, "unknown parameter\\(s\\) depth in the space overrides"),
        ({"activation": []}, "empty list leaves nothing to search"),
        ({"blocks": {"low": 3, "high": 2}}, "low 3 is above high 2"),
        ({"blocks": 9}, "outside the declared space: blocks=9"),
        ({"norm": {"low": 0}}, "only a numeric parameter takes a low/high range"),
        ({"dropout": {"min": 0.1}}, "unknown range key"),
    ],
)
def test_contradictory_or_empty_overrides_are_clear_errors(overrides, fragment):
    with pytest.raises(SpaceError, match=fragment):
        restrict(SPACE, overrides)
