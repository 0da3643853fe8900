"""Phases 2 and 3 on the paper's 746,496-configuration space: tuning at n = 75, then exhaustive scoring.

    python benchmarks/bench_scoring.py [--trials 20] [--seed 0]

Times `Predictors.fit` per predictor (20 Optuna trials, 5-fold CV), then `rank` over the whole space
with the tuned SVR, RF and HYB and again with a worst-case forest (1000 trees, max_features 11), each
beside sklearn's own `predict` of the same forest over the space. Peak memory is tracemalloc's peak of
the allocations made during `rank` (numpy reports its arrays to tracemalloc), in a separate untimed run.
"""
from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from greennas import forest_grid
from greennas.predictors import Predictors
from greennas.scoring import rank
from greennas.space import Dimension, SearchSpace

KEEP = 76  # the top 75 for the reports, plus one pick


def paper_space() -> SearchSpace:
    def dim(key, values):
        return Dimension(key, tuple(values), tuple(str(v) for v in values))

    return SearchSpace([
        dim("optimizer", ["sgd", "momentum", "adam"]), dim("lr", [1e-3, 1e-2, 5e-2, 1e-1]), dim("batch", [32, 128, 1024]),
        *(dim(f"filters{i}", [1, 4, 8, 16]) for i in range(1, 5)), *(dim(f"kernel{i}", [3, 5, 7]) for i in range(1, 5)),
    ])


def synthetic_metric(space: SearchSpace, codes: list[tuple[int, ...]], rng: np.random.Generator) -> np.ndarray:
    """A denoising MSE-like metric: optimizer x lr interaction, batch size, capacity, a little kernel, noise."""
    best_lr = {"sgd": 0.1, "momentum": 0.05, "adam": 0.001}
    values = [space.values(c) for c in codes]
    return np.array([
        0.02 + 0.01 * abs(np.log10(v["lr"] / best_lr[v["optimizer"]])) + 0.004 * np.log2(v["batch"] / 32)
        + 0.03 / (1 + sum(np.log2(v[f"filters{i}"]) for i in range(1, 5))) + 0.001 * abs(v["kernel1"] - 5)
        for v in values]) + rng.normal(0, 0.002, len(values))


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    return function(*args, **kwargs), time.perf_counter() - start


def peak_mib(function, *args, **kwargs) -> float:
    tracemalloc.start()
    function(*args, **kwargs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def sklearn_space_predict(forest, space: SearchSpace) -> np.ndarray:
    return np.concatenate([forest.predict(space.encode(codes)) for codes in space.chunks(1 << 16)])


def score_case(label: str, predictors: Predictors, space: SearchSpace, seed: int) -> list:
    """One table row: rank time and peak memory, then the RF alone by the grid method and by sklearn."""
    scored, rank_s = timed(rank, space, predictors, 1.0, KEEP, space.size, seed=seed)
    assert scored.exhaustive
    memory = peak_mib(rank, space, predictors, 1.0, KEEP, space.size, seed=seed)
    forest = predictors.tuned["rf"].estimator
    grid, grid_s = timed(forest_grid.predict_grid, forest, space)
    reference, sklearn_s = timed(sklearn_space_predict, forest, space)
    error = float(np.max(np.abs(grid.ravel() - reference)))
    settings = predictors.tuned["rf"].settings
    return [label, f"{settings['n_estimators']}/{settings['max_features']}", f"{rank_s:.2f}", f"{memory:.0f}",
            f"{grid_s:.2f}", f"{sklearn_s:.2f}", f"{sklearn_s / grid_s:.0f}x", f"{error:.1e}"]


def print_table(header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in [header, *rows]:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--n", type=int, default=75)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    space = paper_space()
    codes = space.sample(args.n, args.seed)
    X, y = space.encode(np.array(codes)), synthetic_metric(space, codes, np.random.default_rng(args.seed))
    print(f"space: {space.size:,} configurations, {X.shape[1]} features; n = {args.n}, {args.trials} trials, 5-fold CV")

    rows, settings = [], {}
    for kind in ("svr", "rf"):
        fitted, seconds = timed(Predictors([kind], args.trials, 5, args.seed).fit, X, y)
        settings[kind] = fitted.tuned[kind].settings
        rows.append([kind, f"{seconds:.2f}", settings[kind], f"{fitted.tuned[kind].cv_rmse:.4g}"])
    print("\ntuning + refit (Predictors.fit):")
    print_table(["predictor", "seconds", "tuned settings", "cv rmse"], rows)

    worst = {**settings, "rf": {"n_estimators": 1000, "max_features": 11}}
    cases = [("tuned", settings), ("worst-case rf", worst)]
    rows = [score_case(label, Predictors.from_settings(["svr", "rf", "hyb"], chosen, X, y, args.seed), space, args.seed)
            for label, chosen in cases]
    print(f"\nrank over the whole space, svr + rf + hyb, keep {KEEP} (peak: tracemalloc, numpy allocations):")
    print_table(["case", "rf trees/feat", "rank s", "peak MiB", "rf grid s", "rf sklearn s", "ratio", "max |diff|"], rows)
    print(f"\nprocess max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:.0f} MiB")


if __name__ == "__main__":
    main()
