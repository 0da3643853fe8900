"""How well the predictors predict: the paper's repeated 80/20 study on a finished search's sample.

    greennas-quality SWEEP_DIR [--splits 1000] [--test-size 0.2] [--seed 0] [--jobs -1]

Each split refits every predictor with its tuned settings (greennas/predictors.yaml) on 80% of the
initial sample's trainings and predicts the other 20%: the RMSE, Spearman's and Kendall's rank
correlations of each split are averaged (mean and standard deviation over the splits) per predictor.
The rank correlations matter most, since the method only needs the predictors to order configurations.
Writes greennas/quality.yaml in the sweep dir and prints a table.
"""
from __future__ import annotations

import argparse
import csv
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import yaml
from joblib import Parallel, delayed, parallel_config
from hydra.core.override_parser.overrides_parser import OverridesParser
from scipy import stats
from sklearn.model_selection import ShuffleSplit

from greennas.predictors import Predictors
from greennas.search import SAMPLE, Job, Result, Settings, training_data
from greennas.space import Dimension, SearchSpace
from greennas.trials import Trial

Predict = Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]]
SCORES = ("rmse", "spearman", "kendall")


def space_from_description(description: list[dict[str, Any]]) -> SearchSpace:
    """The SearchSpace that `SearchSpace.describe()` described (greennas/search.yaml's `space`).

    Values are read back with Hydra's override grammar, which wrote them, so they get the types the
    search had (1e-05 a float, true a bool), and with them the same encoding.
    """
    parser = OverridesParser.create()
    dimensions = []
    for dim in description:
        values = tuple(parser.parse_override(f"key={s}").value() for s in dim["values"])
        dimensions.append(Dimension(dim["key"], values, tuple(dim["values"]), log=dim["log"]))
    return SearchSpace(dimensions)


def _value(text: str) -> float | None:
    return float(text) if text else None


def load(sweep_dir: Path) -> tuple[Result, dict[str, Any]]:
    """A finished search read back from its sweep dir (space, trials, direction) and its predictors.yaml."""
    out = Path(sweep_dir) / "greennas"
    space = space_from_description(yaml.safe_load((out / "search.yaml").read_text())["space"])
    direction = yaml.safe_load((Path(sweep_dir) / "optimization_results.yaml").read_text())["direction"]
    result = Result(space, Settings(direction=direction), jobs={}, trials={})
    with (out / "trials.csv").open() as stream:
        for row in csv.DictReader(stream):
            num, params = int(row["job"]), {key: row[key] for key in space.keys}
            result.jobs[num] = Job(num, row["phase"], space.codes_from_params(params))
            result.trials[num] = Trial(num, params, row["status"], _value(row["value"]))
    return result, yaml.safe_load((out / "predictors.yaml").read_text())


def refit(names: Iterable[str], settings: dict[str, dict[str, Any]], X: np.ndarray, y: np.ndarray, seed: int,
          scale: str) -> Predict:
    """`predict(train, test)`: the predictors refitted with `settings` on `scale` ('raw' or 'log') on rows
    `train`, predicting rows `test`.

    Each forest grows its trees in one thread: on a few dozen rows threads cost more than they save, and
    the splits run in parallel processes instead.
    """

    def predict(train: np.ndarray, test: np.ndarray) -> dict[str, np.ndarray]:
        with parallel_config(backend="sequential"):
            return Predictors.from_settings(names, settings, X[train], y[train], seed, scale).predict(X[test])

    return predict


def study(y: np.ndarray, splits: Iterable[tuple[np.ndarray, np.ndarray]], predict: Predict,
          n_jobs: int | None = None) -> dict[str, dict[str, float]]:
    """Per predictor, mean and standard deviation (over the splits) of the held-out RMSE and rank correlations.

    Splits run in `n_jobs` processes (joblib; -1: every core). A split whose predictions or targets are
    all equal has no rank correlation; such splits are left out of the correlations' mean and counted in
    `undefined`.
    """
    splits = list(splits)
    predictions = Parallel(n_jobs=n_jobs)(delayed(predict)(train, test) for train, test in splits)
    per_split: dict[str, dict[str, list[float]]] = {}
    for (_, test), predicted_by in zip(splits, predictions):
        for name, predicted in predicted_by.items():
            scores = per_split.setdefault(name, {score: [] for score in SCORES})
            scores["rmse"].append(float(np.sqrt(np.mean((predicted - y[test]) ** 2))))
            with warnings.catch_warnings():  # a constant input: counted in `undefined` below
                warnings.simplefilter("ignore", stats.ConstantInputWarning)
                scores["spearman"].append(float(stats.spearmanr(predicted, y[test]).statistic))
                scores["kendall"].append(float(stats.kendalltau(predicted, y[test]).statistic))
    out = {}
    for name, scores in per_split.items():
        figures: dict[str, float] = {"splits": len(scores["rmse"])}
        for score, values in scores.items():
            values = np.asarray(values)
            figures[f"{score}_mean"], figures[f"{score}_std"] = float(np.nanmean(values)), float(np.nanstd(values))
        figures["undefined"] = int(np.isnan(scores["spearman"]).sum())
        out[name] = figures
    return out


def run(sweep_dir: Path, splits: int = 1000, test_size: float = 0.2, seed: int = 0, n_jobs: int = -1) -> dict[str, Any]:
    """The study on `sweep_dir`, written to greennas/quality.yaml and returned."""
    result, predictors = load(sweep_dir)
    X, y = training_data(result)
    names = list(predictors["predictors"])
    settings = {name: tuned["settings"] for name, tuned in predictors["predictors"].items()}
    start = time.perf_counter()
    split = ShuffleSplit(n_splits=splits, test_size=test_size, random_state=seed)
    figures = study(y, split.split(X), refit(names, settings, X, y, seed, predictors.get("scale", "raw")), n_jobs)
    out = {"sample": len(y), "splits": splits, "test_size": test_size, "seed": seed,
           "seconds": round(time.perf_counter() - start, 1), "predictors": figures}
    (Path(sweep_dir) / "greennas" / "quality.yaml").write_text(yaml.safe_dump(out, sort_keys=False))
    return out


def table(out: dict[str, Any]) -> str:
    header = f"{'predictor':<10}{'RMSE':>22}{'Spearman':>20}{'Kendall':>20}"
    rows = [f"{name:<10}" + "".join(f"{f[score + '_mean']:>12.4g} ± {f[score + '_std']:<7.2g}" for score in SCORES)
            for name, f in out["predictors"].items()]
    return "\n".join([f"{out['splits']} random {1 - out['test_size']:.0%}/{out['test_size']:.0%} splits of "
                      f"{out['sample']} trainings ({out['seconds']} s); mean ± std over the splits", header, *rows])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="greennas-quality", description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep_dir", type=Path, help="a finished GreenNAS search's hydra.sweep.dir")
    parser.add_argument("--splits", type=int, default=1000, help="random train/test splits (default 1000)")
    parser.add_argument("--test-size", type=float, default=0.2, help="held-out share of each split (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the splits and the forests (default 0)")
    parser.add_argument("--jobs", type=int, default=-1, help="processes running splits (default -1: every core)")
    args = parser.parse_args(argv)
    print(table(run(args.sweep_dir, args.splits, args.test_size, args.seed, args.jobs)))


if __name__ == "__main__":
    main()
