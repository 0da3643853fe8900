"""The predictors: tuned settings from the paper's grids, HYB as the mean, deterministic tuning, the target scale."""
import numpy as np
import pytest
from sklearn.model_selection import KFold, cross_val_predict

from greennas.errors import ConfigError
from greennas.predictors import RF_GRID, SVR_GRID, Predictors, _ForestCV, check_predictors, make_rf, target_scale


def data(n=30, features=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, features)).astype(np.float32)
    return X, X[:, 0] - 2 * X[:, 1] ** 2 + rng.normal(0, 0.05, n)


@pytest.fixture(scope="module")
def fitted():
    X, y = data()
    return Predictors(["svr", "rf", "hyb"], trials=5, folds=3, seed=0).fit(X, y), X


def test_fit_picks_settings_from_the_paper_grids(fitted):
    predictors, X = fitted
    svr, rf = predictors.tuned["svr"].settings, predictors.tuned["rf"].settings
    assert svr["C"] in SVR_GRID["C"] and svr["kernel"] in SVR_GRID["kernel"]
    assert svr.get("degree", 2) in SVR_GRID["degree"] and svr.get("gamma", 1) in SVR_GRID["gamma"]
    assert ("degree" in svr) == (svr["kernel"] == "poly") and ("gamma" in svr) == (svr["kernel"] == "rbf")
    assert rf["n_estimators"] in RF_GRID["n_estimators"] and rf["max_features"] in [2, 5, 6]  # 11 capped at 6
    assert all(np.isfinite(t.cv_rmse) for t in predictors.tuned.values())


def test_hyb_is_the_mean_of_svr_and_rf(fitted):
    predictors, X = fitted
    predicted = predictors.predict(X[:10])
    assert list(predicted) == ["svr", "rf", "hyb"]
    np.testing.assert_array_equal(predicted["hyb"], (predicted["svr"] + predicted["rf"]) / 2)
    np.testing.assert_allclose(predicted["rf"], predictors.tuned["rf"].estimator.predict(X[:10]), rtol=1e-12)
    assert list(predictors.predict(X[:3], ["hyb"])) == ["hyb"]


def test_forest_cv_equals_cross_val_predict_of_each_size():
    X, y = data(n=24)
    cv = KFold(4, shuffle=True, random_state=3)
    forest_cv = _ForestCV(X, y, cv, seed=3)
    forest_cv({"n_estimators": 30, "max_features": 2})  # grown first: smaller forests are its first trees
    for n in (10, 30, 60):
        expected = cross_val_predict(make_rf(n, 2, seed=3), X, y, cv=cv)
        np.testing.assert_allclose(forest_cv({"n_estimators": n, "max_features": 2}), expected, rtol=1e-12)


def test_tuning_is_deterministic_for_a_seed():
    X, y = data(seed=1)
    first, second = (Predictors(["svr"], trials=8, folds=3, seed=4).fit(X, y) for _ in range(2))
    assert first.tuned["svr"].settings == second.tuned["svr"].settings
    assert first.tuned["svr"].cv_rmse == second.tuned["svr"].cv_rmse


def test_unknown_predictors_and_too_few_samples_are_refused():
    with pytest.raises(ConfigError):
        check_predictors(["svr", "knn"])
    with pytest.raises(ConfigError):
        Predictors(["rf"]).fit(*data(n=1))


def test_auto_target_takes_the_log_of_a_positive_metric_spanning_orders_of_magnitude():
    y = np.array([0.01, 0.02, 0.5])
    assert target_scale("auto", y) == "raw" and target_scale("auto", np.append(y, 1.0)) == "log"
    assert target_scale("auto", np.array([0.0, 5.0, 500.0])) == "raw"  # not all positive
    assert target_scale("raw", np.append(y, 1.0)) == "raw" and target_scale("log", y) == "log"
    with pytest.raises(ConfigError, match="target=log"):
        target_scale("log", np.array([-1.0, 2.0]))
    with pytest.raises(ConfigError, match="hydra.sweeper.target"):
        Predictors(["rf"], target="sqrt")


def test_log_scale_fits_the_log_and_predicts_in_the_metric_units():
    """An MSE-like metric, mostly near 0.005 with a few diverged runs at 1: fitted on its log, reported in
    its units (positive everywhere), HYB the geometric mean, cv_rmse the RMSE of those units."""
    X, _ = data(n=40)
    y = np.where(X[:, 0] > 0.8, 1.0, 0.005 * (1 + X[:, 1]))
    predictors = Predictors(["svr", "rf", "hyb"], trials=4, folds=3, seed=0).fit(X, y)
    assert predictors.scale == "log"
    grid = np.random.default_rng(1).random((500, X.shape[1])).astype(np.float32) * 3 - 1  # beyond the sample too
    forest = predictors.tuned["rf"].estimator.predict(grid)  # a forest's mean of leaf means: within its targets
    assert np.log(y.min()) - 1e-9 <= forest.min() and forest.max() <= np.log(y.max()) + 1e-9 and forest.min() < -3
    predicted = predictors.predict(grid)
    assert all((p > 0).all() for p in predicted.values())
    np.testing.assert_allclose(predicted["hyb"], np.sqrt(predicted["svr"] * predicted["rf"]), rtol=1e-9)
    np.testing.assert_allclose(predicted["rf"], np.exp(predictors.tuned["rf"].estimator.predict(grid)), rtol=1e-12)
    raw = Predictors(["svr", "rf", "hyb"], trials=4, folds=3, seed=0, target="raw").fit(X, y)
    assert raw.scale == "raw"
    np.testing.assert_allclose(raw.predict(X[:5])["rf"], raw.tuned["rf"].estimator.predict(X[:5]), rtol=1e-12)
