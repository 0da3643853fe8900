"""The search space: override parsing, sizes, sampling, indexing, encoding."""
import numpy as np
import pytest

from greennas.errors import ConfigError
from greennas.space import Dimension, SearchSpace
from hydra_plugins.greennas_sweeper._space import parse_space


def test_each_sweep_kind_becomes_a_dimension():
    space, fixed = parse_space(
        {"optim.name": "sgd,adam", "optim.lr": "choice(0.001,0.01,0.1)", "data.batch_size": "range(32,257,32)",
         "wd": "tag(log,interval(0.0001,0.1))", "drop": "interval(0,0.5)", "units": "tag(int,interval(10,100))"},
        ["trainer.max_epochs=2"], interval_points=4)
    dims = {d.key: d for d in space.dimensions}
    assert dims["optim.name"].values == ("sgd", "adam") and not dims["optim.name"].numeric
    assert dims["optim.lr"].values == (0.001, 0.01, 0.1)
    assert dims["data.batch_size"].values == (32, 64, 96, 128, 160, 192, 224, 256)  # range excludes 257
    assert dims["wd"].values == pytest.approx((0.0001, 0.001, 0.01, 0.1)) and dims["wd"].log_scale
    assert dims["drop"].values == pytest.approx((0.0, 0.5 / 3, 1 / 3, 0.5), rel=1e-5) and not dims["drop"].log_scale
    assert dims["units"].values == (10, 40, 70, 100)
    assert fixed == ["trainer.max_epochs=2"]
    assert space.size == 2 * 3 * 8 * 4 * 4 * 4


def test_command_line_wins_over_params_and_can_fix_a_key():
    space, fixed = parse_space({"a": "1,2,3", "b": "x,y", "c": "5,6"}, ["a=choice(7,8)", "b=z", "+d=choice(0,1)"], 10)
    assert {d.key: d.values for d in space.dimensions} == {"a": (7, 8), "c": (5, 6), "d": (0, 1)}
    assert [d.override_key for d in space.dimensions] == ["c", "a", "+d"]
    assert fixed == ["b=z"]
    assert space.overrides(space.codes_of(0)) == ["c=5", "a=7", "+d=0"]


def test_strings_keep_hydra_escaping_and_lists():
    space, _ = parse_space({"s": "choice('a b',c)", "f": "choice([1,2],[3,4])"}, [], 10)
    dims = {d.key: d for d in space.dimensions}
    assert dims["s"].strings == ("a\\ b", "c") and dims["s"].values == ("a b", "c")
    assert dims["f"].strings == ("[1,2]", "[3,4]") and not dims["f"].numeric


@pytest.mark.parametrize("params, message", [
    ({}, "empty"),
    ({"a": "1"}, "empty"),
    ({"a": "choice(1)"}, "single configuration"),
    ({"a": "interval(1,0)"}, "start < end"),
    ({"a": "range(5,5)"}, "no values"),
    ({"a": "1,1"}, "repeated"),
])
def test_unsearchable_spaces_are_refused(params, message):
    with pytest.raises(ConfigError, match=message):
        parse_space(params, [], 10)


def _space(*cards):
    return SearchSpace([Dimension(f"d{i}", tuple(range(c)), tuple(map(str, range(c)))) for i, c in enumerate(cards)])


def test_index_and_codes_round_trip_in_mixed_radix():
    space = _space(3, 4, 5)
    assert space.size == 60
    assert [space.index_of(space.codes_of(i)) for i in range(60)] == list(range(60))
    assert space.codes_of(1) == (0, 0, 1) and space.codes_of(5) == (0, 1, 0)
    chunks = np.vstack(list(space.chunks(7)))
    assert [tuple(r) for r in chunks] == [space.codes_of(i) for i in range(60)]


def test_sampling_a_huge_space_is_distinct_seeded_and_never_lists_it():
    space = _space(*[10] * 20)  # 10**20 configurations: more than int64 holds
    sample = space.sample(1000, seed=3)
    assert len(set(sample)) == 1000
    assert sample == space.sample(1000, seed=3) and sample != space.sample(1000, seed=4)
    assert all(0 <= space.index_of(c) < space.size for c in sample)


def test_sample_covers_small_space_uniformly_without_replacement():
    space = _space(2, 3)
    assert sorted(space.sample(6, seed=0)) == sorted(space.codes_of(i) for i in range(6))
    counts = np.zeros(6)
    for seed in range(600):
        for codes in space.sample(2, seed):
            counts[space.index_of(codes)] += 1
    assert counts.min() > 150 and counts.max() < 250  # 200 expected each


def test_encoding_scales_numbers_logs_wide_ranges_and_one_hots_categories():
    space = SearchSpace([
        Dimension("lr", (0.001, 0.01, 0.1), ("0.001", "0.01", "0.1")),
        Dimension("bs", (32, 64, 96), ("32", "64", "96")),
        Dimension("opt", ("sgd", "adam"), ("sgd", "adam")),
    ])
    assert space.feature_names == ["log10 lr", "bs", "opt=sgd", "opt=adam"]
    X = space.encode(np.array([[0, 0, 0], [1, 1, 1], [2, 2, 0]]))
    np.testing.assert_allclose(X, [[0, 0, 1, 0], [0.5, 0.5, 0, 1], [1, 1, 1, 0]], atol=1e-6)
