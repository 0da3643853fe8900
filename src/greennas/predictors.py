"""Performance predictors: an SVR and a random forest tuned by Optuna, and HYB, the mean of the two.

They are fitted on the metric itself, or on its logarithm where positive values span orders of
magnitude (`target`): an MSE from 0.0002 to 1 otherwise leaves the predictors fitting the few
diverged trainings and lets an SVR extrapolate below zero. Predictions are always in the metric's units.

Only the Optuna API shared by 2.10 and later releases is used (create_study, suggest_categorical,
optimize, best_params), so hydra-optuna-sweeper (optuna<3) installs beside GreenNAS.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
from sklearn.base import RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from greennas.errors import ConfigError
from greennas.space import LOG_SPAN

PREDICTORS = ("svr", "rf", "hyb")
TARGETS = ("auto", "raw", "log")

#: The paper's tuning grids (section 4).
SVR_GRID = {"C": [0.1, 1, 5, 10, 50, 100], "kernel": ["rbf", "poly", "linear"], "degree": [2, 3, 4], "gamma": [0.01, 0.1, 1]}
RF_GRID = {"n_estimators": [10, 50, 100, 200, 300, 500, 1000], "max_features": [2, 5, 11]}


def check_predictors(names) -> tuple[str, ...]:
    names = tuple(names)
    unknown = [p for p in names if p not in PREDICTORS]
    if unknown or not names:
        raise ConfigError(f"hydra.sweeper.predictors: unknown {unknown or 'empty list'}; allowed: {list(PREDICTORS)}")
    return tuple(dict.fromkeys(names))


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise ConfigError(f"hydra.sweeper.target must be one of {list(TARGETS)}, got {target!r}")
    return target


def target_scale(target: str, y: np.ndarray) -> str:
    """'log' or 'raw': `auto` takes the log when every value is positive and they span at least LOG_SPAN."""
    positive = bool(np.all(y > 0))
    if check_target(target) == "log" and not positive:
        raise ConfigError(f"hydra.sweeper.target=log needs a positive metric, but the sample has {float(np.min(y)):g}; "
                          "use target=raw or auto")
    if target == "auto":
        return "log" if positive and np.max(y) / np.min(y) >= LOG_SPAN else "raw"
    return target


def make_svr(C: float, kernel: str, degree: int = 3, gamma: float | str = "scale") -> RegressorMixin:
    """SVR on a standardised target: metrics such as an MSE of 0.02 sit far inside SVR's default epsilon."""
    return TransformedTargetRegressor(SVR(C=C, kernel=kernel, degree=degree, gamma=gamma), transformer=StandardScaler())


def make_rf(n_estimators: int, max_features: int, seed: int = 0) -> RegressorMixin:
    return RandomForestRegressor(n_estimators=n_estimators, max_features=max_features, random_state=seed, n_jobs=-1)


def _suggest(kind: str, trial: Any, n_features: int) -> dict[str, Any]:
    if kind == "svr":
        params = {"C": trial.suggest_categorical("C", SVR_GRID["C"]), "kernel": trial.suggest_categorical("kernel", SVR_GRID["kernel"])}
        if params["kernel"] == "poly":
            params["degree"] = trial.suggest_categorical("degree", SVR_GRID["degree"])
        if params["kernel"] == "rbf":
            params["gamma"] = trial.suggest_categorical("gamma", SVR_GRID["gamma"])
        return params
    features = sorted({min(f, n_features) for f in RF_GRID["max_features"]})
    return {
        "n_estimators": trial.suggest_categorical("n_estimators", RF_GRID["n_estimators"]),
        "max_features": trial.suggest_categorical("max_features", features),
    }


def _build(kind: str, params: dict[str, Any], seed: int) -> RegressorMixin:
    return make_svr(**params) if kind == "svr" else make_rf(seed=seed, **params)


def _rmse(predicted: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean((predicted - y) ** 2)))


class _ForestCV:
    """Cross-validated predictions of the forests of the RF grid, each fold's forest grown once per max_features.

    With one seed, sklearn's first k trees of a larger forest are the k-tree forest (its warm_start
    guarantee), so a k-tree forest predicts the mean of the first k trees: trees are grown only up to
    the largest n_estimators asked, and each tree predicts its fold's test rows once.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, cv: KFold, seed: int):
        self.X, self.y, self.seed = X, y, seed
        self.folds = list(cv.split(X))
        self.grown: dict[int, list[tuple[RandomForestRegressor, list[np.ndarray]]]] = {}

    def __call__(self, params: dict[str, Any]) -> np.ndarray:
        n, features = params["n_estimators"], params["max_features"]
        if features not in self.grown:
            self.grown[features] = [(make_rf(n, features, self.seed).set_params(warm_start=True), []) for _ in self.folds]
        predicted = np.empty(len(self.y))
        for (train, test), (forest, trees) in zip(self.folds, self.grown[features]):
            if n > len(trees):
                forest.set_params(n_estimators=n).fit(self.X[train], self.y[train])
                trees.extend(tree.predict(self.X[test]) for tree in forest.estimators_[len(trees):])
            predicted[test] = np.sum(trees[:n], axis=0) / n
        return predicted


@dataclass
class Tuned:
    """A predictor's tuned settings, its cross-validated RMSE and its fitted estimator."""

    settings: dict[str, Any]
    cv_rmse: float
    estimator: RegressorMixin | None = field(default=None, repr=False)


class Predictors:
    """The tuned SVR and RF fitted on every sample; `predict` returns each requested predictor's scores.

    `scale` ('raw' or 'log') is what the predictors are fitted on, resolved from `target` by `fit`.
    """

    def __init__(self, names, trials: int = 20, folds: int = 5, seed: int = 0, target: str = "auto"):
        self.names = check_predictors(names)
        self.trials, self.folds, self.seed, self.target = trials, folds, seed, check_target(target)
        self.scale = "raw"
        self.tuned: dict[str, Tuned] = {}

    def _fitted(self, y: np.ndarray) -> np.ndarray:
        return np.log(y) if self.scale == "log" else y

    def _metric(self, scores: np.ndarray) -> np.ndarray:
        return np.exp(scores) if self.scale == "log" else scores

    def _base(self) -> list[str]:
        return ["svr", "rf"] if "hyb" in self.names else list(self.names)

    def _cv(self, n: int) -> KFold:
        return KFold(n_splits=min(self.folds, n), shuffle=True, random_state=self.seed)

    def fit(self, X: np.ndarray, y: np.ndarray) -> "Predictors":
        """Tune each base predictor by k-fold cross-validated RMSE on its scale, then refit it on all of (X, y).

        Each `Tuned.cv_rmse` is in the metric's units, whatever the scale.
        """
        if len(y) < 2:
            raise ConfigError(f"the predictors need at least 2 finished trainings, got {len(y)}")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.scale = target_scale(self.target, y)
        z = self._fitted(y)
        settings, estimators, cv_predictions = {"hyb": {"mean_of": ["svr", "rf"]}}, {}, {}
        for kind in self._base():
            settings[kind], cv_predictions[kind] = self._tune(kind, X, z)
            estimators[kind] = _build(kind, settings[kind], self.seed).fit(X, z)
        names = [*self._base(), "hyb"] if "hyb" in self.names else self._base()
        for name, predicted in self.combine(cv_predictions, names).items():
            self.tuned[name] = Tuned(settings[name], _rmse(predicted, y), estimators.get(name))
        return self

    def _tune(self, kind: str, X: np.ndarray, y: np.ndarray) -> tuple[dict[str, Any], np.ndarray]:
        """The seeded TPE pick of `kind`'s settings and its cross-validated predictions of `y`."""
        cv = self._cv(len(y))
        cv_predict = _ForestCV(X, y, cv, self.seed) if kind == "rf" else (
            lambda params: cross_val_predict(_build(kind, params, self.seed), X, y, cv=cv))
        scored: dict[tuple, tuple[float, np.ndarray]] = {}  # TPE often suggests the same settings again

        def objective(trial):
            params = _suggest(kind, trial, X.shape[1])
            key = tuple(sorted(params.items()))
            if key not in scored:
                predicted = cv_predict(params)
                scored[key] = (_rmse(predicted, y), predicted)
            return scored[key][0]

        study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=self.seed))
        study.optimize(objective, n_trials=self.trials)
        params = dict(study.best_params)
        return params, scored[tuple(sorted(params.items()))][1]

    def base_estimators(self, names=None) -> dict[str, RegressorMixin]:
        """The fitted base predictors (svr, rf) that `names` (default: every requested one) need."""
        names = self.names if names is None else names
        return {kind: self.tuned[kind].estimator for kind in self._base() if kind in names or "hyb" in names}

    def combine(self, base: dict[str, np.ndarray], names=None) -> dict[str, np.ndarray]:
        """The scores of `names`, in the metric's units, from the base predictors' ones on their scale:
        HYB is the mean of SVR and RF on that scale (on the log scale, their geometric mean)."""
        names = self.names if names is None else names
        scores = {**base, "hyb": (base["svr"] + base["rf"]) / 2} if "hyb" in names else base
        return {name: self._metric(scores[name]) for name in names}

    def predict(self, X: np.ndarray, names=None) -> dict[str, np.ndarray]:
        """Predictions of `names` (default: every requested predictor); HYB reuses the SVR and RF ones."""
        return self.combine({kind: est.predict(X) for kind, est in self.base_estimators(names).items()}, names)

    @classmethod
    def from_settings(cls, names, settings: dict[str, dict[str, Any]], X: np.ndarray, y: np.ndarray, seed: int = 0,
                      scale: str = "raw") -> "Predictors":
        """Predictors fitted with given settings on the given scale, no tuning (for repeated-split studies)."""
        predictors = cls(names, seed=seed, target=scale)
        predictors.scale = target_scale(scale, y)
        for kind in predictors._base():
            predictors.tuned[kind] = Tuned(settings[kind], math.nan,
                                           _build(kind, settings[kind], seed).fit(X, predictors._fitted(y)))
        return predictors
