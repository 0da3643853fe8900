"""Scoring the space: the forest grid method against sklearn, exact top-k ranking, the surface search."""
import math

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from greennas import forest_grid
from greennas.predictors import Predictors, Tuned
from greennas.scoring import rank
from greennas.space import Dimension, SearchSpace


def dim(key, values, log=False):
    return Dimension(key, tuple(values), tuple(str(v) for v in values), log=log)


def mixed_space():
    """Categorical, log-scale, unsorted linear, single-value and two-value dimensions: 1,440 configurations."""
    return SearchSpace([
        dim("optim", ["sgd", "momentum", "adam"]),
        dim("lr", [1e-4, 1e-3, 1e-2, 1e-1, 3e-1]),
        dim("batch", [64, 16, 32, 128]),
        dim("fixed", [7]),
        dim("act", ["relu", "tanh"]),
        dim("units", [8, 16, 24, 32, 40, 48]),
        dim("drop", [0.0, 0.5]),
    ])


def every_configuration(space):
    return np.concatenate(list(space.chunks(1 << 16)))


def sampled_data(space, n, seed):
    rng = np.random.default_rng(seed)
    codes = space.random_codes(n, rng)
    y = codes @ rng.normal(size=len(space.cards)) + (codes[:, 0] == 1) * codes[:, 1] + rng.normal(0, 0.3, n)
    return space.encode(codes), y


def with_estimators(names, **estimators):
    predictors = Predictors(names)
    predictors.tuned = {kind: Tuned({}, math.nan, estimator) for kind, estimator in estimators.items()}
    return predictors


@pytest.mark.parametrize("n_estimators, max_features, max_floats, constant", [
    (40, 2, forest_grid.MAX_FLOATS, False),
    (25, 11, forest_grid.MAX_FLOATS, False),
    (25, 5, 4000, False),  # a small budget sums the trees in groups
    (5, 5, forest_grid.MAX_FLOATS, True),  # single-leaf trees
])
def test_forest_grid_equals_sklearn_predict_everywhere(n_estimators, max_features, max_floats, constant):
    space = mixed_space()
    X, y = sampled_data(space, 60, seed=n_estimators)
    forest = RandomForestRegressor(n_estimators, max_features=max_features, random_state=0)
    forest.fit(X, np.ones_like(y) if constant else y)
    grid = forest_grid.predict_grid(forest, space, max_floats=max_floats)
    assert grid.shape == space.cards
    expected = forest.predict(space.encode(every_configuration(space)))
    np.testing.assert_allclose(grid.ravel(), expected, rtol=1e-12, atol=1e-12)


def test_feature_columns_follow_the_encoding():
    space = mixed_space()
    columns = forest_grid.feature_columns(space)
    assert len(columns) == len(space.feature_names) == space.encode([[0] * len(space.cards)]).shape[1]
    assert columns[:4] == [(0, 0), (0, 1), (0, 2), (1, 0)]


def brute_force_top(space, predictors, sign, keep):
    codes = every_configuration(space)
    expected = {}
    for name, predicted in predictors.predict(space.encode(codes)).items():
        order = np.argsort(sign * predicted, kind="stable")[:keep]  # ties in index order
        expected[name] = (codes[order], predicted[order])
    return expected


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_rank_is_the_brute_force_top_k(sign):
    space = mixed_space()
    X, y = sampled_data(space, 50, seed=1)
    predictors = Predictors.from_settings(
        ["svr", "rf", "hyb"], {"svr": {"C": 5, "kernel": "rbf", "gamma": 0.1}, "rf": {"n_estimators": 30, "max_features": 5}}, X, y)
    scored = rank(space, predictors, sign, keep=25, max_scored=space.size, chunk_size=100)
    assert scored.exhaustive and scored.scored == space.size
    for name, (codes, predicted) in brute_force_top(space, predictors, sign, 25).items():
        ranking = scored.rankings[name]
        np.testing.assert_allclose(ranking.predicted, predicted, rtol=1e-12)
        assert np.array_equal(ranking.codes, codes), name


def test_rank_breaks_ties_in_index_order():
    space = mixed_space()
    X, y = sampled_data(space, 50, seed=2)
    stump = RandomForestRegressor(1, max_depth=2, bootstrap=False, random_state=0).fit(X, y)
    predictors = with_estimators(["rf"], rf=stump)
    ranking = rank(space, predictors, 1.0, keep=30, max_scored=space.size).rankings["rf"]
    codes, predicted = brute_force_top(space, predictors, 1.0, 30)["rf"]
    assert len(set(predicted)) == 1  # thirty ties: the lowest leaf covers many configurations
    assert np.array_equal(ranking.codes, codes) and np.array_equal(ranking.predicted, predicted)


def test_rank_keeps_at_most_the_whole_space():
    space = SearchSpace([dim("a", [1, 2, 3]), dim("b", ["x", "y"])])
    X, y = sampled_data(space, 6, seed=3)
    predictors = Predictors.from_settings(["rf"], {"rf": {"n_estimators": 10, "max_features": 2}}, X, y)
    assert len(rank(space, predictors, 1.0, keep=75, max_scored=100).rankings["rf"].codes) == space.size


class Separable:
    """A predictor whose optimum is each numeric feature's value nearest 0.3."""

    def predict(self, X):
        return ((X - 0.3) ** 2).sum(axis=1)


def test_surface_search_finds_the_optimum_above_max_scored():
    space = SearchSpace([dim(f"x{i}", list(range(10))) for i in range(6)])
    scored = rank(space, with_estimators(["svr"], svr=Separable()), 1.0, keep=5, max_scored=2000, seed=0)
    assert not scored.exhaustive and scored.scored < space.size
    best = scored.rankings["svr"]
    assert tuple(best.codes[0]) == (3,) * 6  # value 3 of 0..9 scales to 1/3, the nearest to 0.3
    assert best.predicted[0] == pytest.approx(6 * (1 / 3 - 0.3) ** 2, rel=1e-5)
    assert np.all(np.diff(best.predicted) >= 0)
