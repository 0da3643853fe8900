"""The paper's figures of a search, as PNG files (matplotlib's Agg canvas, no display needed).

- top_<predictor>.png: each searched parameter's values among the predictor's best predicted (Figures 5-7);
- predicted_vs_actual.png: predictions of configurations the predictors did not see (Figure 8);
- picks.png: the actual metric of each predictor's picks beside the best ten of the sample (Figure 10);
- rf_importances.png, rf_tree.png: the random forest's feature importances and one of its trees (Figure 12).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.model_selection import KFold
from sklearn.tree import plot_tree

from greennas.quality import refit
from greennas.search import PREDICTED, SAMPLE, Result, training_data
from greennas.space import SearchSpace

COLORS = {"svr": "tab:blue", "rf": "tab:green", "hyb": "tab:orange"}
TREE_DEPTH = 3


def _label(name: str) -> str:
    return name.upper()


def _figure(width: float, height: float) -> Figure:
    """A figure drawn by Agg, so nothing depends on pyplot's global state or a display."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def top_distribution(result: Result, name: str) -> Figure:
    """Bar charts, one per searched parameter: how often each value occurs among `name`'s top_k predicted."""
    space, top_k = result.space, result.settings.top_k
    codes = result.scored.rankings[name].codes[:top_k]
    cols = min(4, len(space.dimensions))
    rows = math.ceil(len(space.dimensions) / cols)
    fig = _figure(3.6 * cols, 2.9 * rows + 0.8)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, (ax, dim) in enumerate(zip(axes, space.dimensions)):
        counts = np.bincount(codes[:, i], minlength=len(dim))
        ax.bar(range(len(dim)), counts, color=COLORS.get(name, "tab:gray"))
        ax.axhline(len(codes) / len(dim), color="black", linestyle="--", linewidth=1, label="uniform")
        ax.set_xticks(range(len(dim)), dim.strings, rotation=45 if max(map(len, dim.strings)) > 4 else 0,
                      ha="right" if max(map(len, dim.strings)) > 4 else "center", fontsize=8)
        ax.set_title(dim.key, fontsize=10)
        ax.set_xlabel("value", fontsize=8)
        ax.set_ylabel("configurations", fontsize=8)
    for ax in axes[len(space.dimensions):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{_label(name)}: values of each searched parameter among its {len(codes)} best predicted "
                 f"configurations (of {space.size:,}); dashed: count if values were uniform")
    return fig


def cross_validated(result: Result) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The sample's metric and each predictor's k-fold predictions of it, each fold refitted with the
    tuned settings on the others (the folds of the tuning: same k, same seed)."""
    X, y = training_data(result)
    settings, names = result.settings, list(result.settings.predictors)
    tuned = {kind: t.settings for kind, t in result.predictors.tuned.items() if kind != "hyb"}
    predict = refit(names, tuned, X, y, settings.seed, result.predictors.scale)
    predicted = {name: np.empty(len(y)) for name in names}
    for train, test in KFold(min(settings.cv_folds, len(y)), shuffle=True, random_state=settings.seed).split(X):
        for name, values in predict(train, test).items():
            predicted[name][test] = values
    return y, predicted


def _rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(predicted) - np.asarray(actual)) ** 2)))


def predicted_vs_actual(result: Result, metric: str) -> Figure:
    """Per predictor: the sample's cross-validated predictions and the second phase's predictions
    (configurations no predictor was fitted on) against the metric their training reached."""
    y, cv = cross_validated(result)
    unseen = [j for j, t in result.trials.items() if result.phase_of(j) == PREDICTED and t.status == "completed"]
    names = list(result.settings.predictors)
    fig = _figure(4.6 * len(names), 4.9)
    axes = fig.subplots(1, len(names), squeeze=False).ravel()
    actual_unseen = [result.trials[j].value for j in unseen]
    for ax, name in zip(axes, names):
        predicted_unseen = [result.predictions[j][name] for j in unseen]
        ax.scatter(y, cv[name], facecolors="none", edgecolors="tab:gray",
                   label=f"sample, {min(result.settings.cv_folds, len(y))}-fold CV (RMSE {_rmse(cv[name], y):.3g})")
        if unseen:
            ax.scatter(actual_unseen, predicted_unseen, color=COLORS.get(name, "tab:red"), s=50, zorder=3,
                       label=f"second phase, unseen (RMSE {_rmse(predicted_unseen, actual_unseen):.3g})")
        values = np.concatenate([y, cv[name], actual_unseen, predicted_unseen])
        lo, hi = float(np.min(values)), float(np.max(values))
        ax.plot([lo, hi], [lo, hi], color="black", linewidth=1, label="predicted = actual")
        ax.set_title(_label(name))
        ax.set_xlabel(f"actual {metric} (task's units)")
        ax.set_ylabel(f"predicted {metric} (task's units)")
        ax.legend(fontsize=8)
    fig.suptitle("Predicted against actual metric of configurations the predictors were not fitted on")
    return fig


def picks(result: Result, metric: str) -> Figure:
    """Horizontal bars: each predictor's picks, then the ten best trainings of the initial sample."""
    sign = result.settings.sign
    sample = sorted((t for j, t in result.trials.items() if result.phase_of(j) == SAMPLE and t.status == "completed"),
                    key=lambda t: sign * t.value)[:10]
    by_codes = {job.codes: num for num, job in result.jobs.items()}
    rows = []  # (label, value or None, color)
    for name, codes in result.picks.items():
        for codes_ in codes:
            trial = result.trials.get(by_codes[codes_])
            value = trial.value if trial and trial.status == "completed" else None
            rows.append((f"{_label(name)} pick, job {by_codes[codes_]}", value, COLORS.get(name, "tab:red")))
    rows += [(f"sample #{rank}, job {t.job}", t.value, "tab:gray") for rank, t in enumerate(sample, 1)]
    fig = _figure(8, 0.42 * len(rows) + 1.6)
    ax = fig.subplots()
    positions = np.arange(len(rows))[::-1]
    for pos, (label, value, color) in zip(positions, rows):
        if value is None:
            ax.text(0, pos, " not completed", va="center", fontsize=8)
        else:
            ax.barh(pos, value, color=color)
            ax.text(value, pos, f" {value:.4g}", va="center", fontsize=8)
    ax.set_yticks(positions, [row[0] for row in rows], fontsize=9)
    ax.set_xlabel(f"actual {metric} (task's units; {'lower' if sign > 0 else 'higher'} is better)")
    ax.margins(x=0.15)
    ax.set_title("Each predictor's pick beside the ten best configurations of the initial sample")
    return fig


def forest_importances(result: Result) -> Figure:
    forest = result.predictors.tuned["rf"].estimator
    names = np.array(result.space.feature_names)
    order = np.argsort(forest.feature_importances_)
    fig = _figure(7, 0.32 * len(names) + 1.4)
    ax = fig.subplots()
    ax.barh(range(len(names)), forest.feature_importances_[order], color=COLORS["rf"])
    ax.set_yticks(range(len(names)), names[order], fontsize=9)
    ax.set_xlabel("mean decrease in squared error (share of the total, sums to 1)")
    ax.set_title(f"Random forest ({forest.n_estimators} trees): importance of each feature")
    return fig


def _split_text(space: SearchSpace) -> Callable[[int, float], str]:
    """`text(feature, threshold)`: a split on the encoded features in the searched values, e.g.
    'optim.lr <= 0.01' for a scaled numeric feature, 'optim.name != adam' for a one-hot column."""
    owner = {}
    for i, dim in enumerate(space.dimensions):
        codes = np.zeros((len(dim), len(space.dimensions)), dtype=np.int64)
        codes[:, i] = np.arange(len(dim))
        encoded = space.encode(codes)
        for column in np.flatnonzero(np.ptp(encoded, axis=0) > 0):
            owner[column] = (dim, encoded[:, column])

    def text(feature: int, threshold: float) -> str:
        dim, column = owner[feature]
        left = [c for c in range(len(dim)) if column[c] <= threshold]
        right = [c for c in range(len(dim)) if column[c] > threshold]
        if dim.numeric:  # the encoding increases with the value
            return f"{dim.key} <= {dim.strings[max(left, key=lambda c: dim.values[c])]}"
        if len(right) == 1:
            return f"{dim.key} != {dim.strings[right[0]]}"
        return f"{dim.key} in {{{', '.join(dim.strings[c] for c in left)}}}"

    return text


def forest_tree(result: Result, metric: str) -> Figure:
    """The forest's first tree to TREE_DEPTH levels, its splits written in the searched values."""
    forest = result.predictors.tuned["rf"].estimator
    tree, text = forest.estimators_[0].tree_, _split_text(result.space)
    fig = _figure(4.4 * 2 ** TREE_DEPTH / 2 + 2, 3.2 * (TREE_DEPTH + 1))
    ax = fig.subplots()
    boxes = plot_tree(forest.estimators_[0], max_depth=TREE_DEPTH, feature_names=result.space.feature_names,
                      filled=True, rounded=True, impurity=False, node_ids=True, precision=3, fontsize=10, ax=ax)
    for box in boxes:  # "node #i", then the split on encoded features for inner nodes: write it in values
        lines = box.get_text().split("\n")
        if lines[0].startswith("node #"):
            node = int(lines[0][len("node #"):])
            split = [text(tree.feature[node], tree.threshold[node])] if tree.children_left[node] >= 0 else []
            box.set_text("\n".join(split + lines[2 if split else 1:]))
    ax.set_title(f"Tree 1 of the random forest's {forest.n_estimators}, first {TREE_DEPTH} levels: each box shows its "
                 f"split (true: left), the bootstrap trainings reaching it and their mean {metric}", fontsize=12)
    return fig


def write(result: Result, out_dir: Path, metric: str | None = None) -> list[Path]:
    """Every figure the search supports, as PNG files in `out_dir`; returns their paths."""
    metric = metric or "objective"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = {f"top_{name}": top_distribution(result, name) for name in result.scored.rankings}
    figures["predicted_vs_actual"] = predicted_vs_actual(result, metric)
    figures["picks"] = picks(result, metric)
    if "rf" in result.predictors.tuned:
        figures["rf_importances"] = forest_importances(result)
        figures["rf_tree"] = forest_tree(result, metric)
    paths = []
    for name, fig in figures.items():
        paths.append(out_dir / f"{name}.png")
        fig.savefig(paths[-1], dpi=100)
    return paths
