"""A random forest's predictions over every configuration of a space, from its trees' leaf boxes.

Each split tests one encoded feature column, and each column belongs to one dimension, so a leaf covers
a box of the grid: one set of allowed values per dimension. The forest's grid is the sum over all
leaves of (leaf value x box indicator), divided by the number of trees: exactly sklearn's `predict`
up to float rounding. Rather than adding every box into the grid (trees x space size additions), the
boxes are contracted one dimension at a time from the last: leaves whose boxes agree on the first k
dimensions share one partial tensor over the other dimensions, and each step is a sparse product.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.ensemble import RandomForestRegressor

from greennas.space import SearchSpace

#: Above this many float64 intermediates (256 MiB), the trees are summed in smaller groups.
MAX_FLOATS = 1 << 25


def supports(estimator) -> bool:
    """Whether `predict_grid` can score `estimator`: a fitted single-output random forest."""
    return isinstance(estimator, RandomForestRegressor) and getattr(estimator, "n_outputs_", 0) == 1


def feature_columns(space: SearchSpace) -> list[tuple[int, int]]:
    """The (dimension, column within that dimension's encoding) of each column of `space.encode`."""
    return [(dim, local) for dim, table in enumerate(space.tables) for local in range(table.shape[1])]


def predict_grid(forest: RandomForestRegressor, space: SearchSpace, max_floats: int = MAX_FLOATS) -> np.ndarray:
    """`forest.predict(space.encode(every configuration))`, shaped `space.cards` (index order when raveled)."""
    if forest.n_features_in_ != len(feature_columns(space)):
        raise ValueError(f"the forest has {forest.n_features_in_} features, the space encodes {len(feature_columns(space))}")
    trees = [estimator.tree_ for estimator in forest.estimators_]
    return (_sum_trees(trees, space, max_floats) / len(trees)).reshape(space.cards)


def _sum_trees(trees: list, space: SearchSpace, max_floats: int) -> np.ndarray:
    """The sum of the trees' predictions over the space, halving the group while it needs too much memory."""
    masks, values = _leaf_boxes(trees, space)
    levels, leaf_patterns = _prefix_levels(masks)
    if len(trees) > 1 and _peak_floats(levels, space.cards) > max_floats:
        half = len(trees) // 2
        return _sum_trees(trees[:half], space, max_floats) + _sum_trees(trees[half:], space, max_floats)
    return _contract(levels, leaf_patterns, values)


def _split_values(space: SearchSpace) -> np.ndarray:
    """Per feature column, its float64 value at each (dimension, value) slot of its own dimension, NaN elsewhere."""
    offsets = np.cumsum((0,) + space.cards)
    columns = feature_columns(space)
    values = np.full((len(columns), offsets[-1]), np.nan)
    for feature, (dim, local) in enumerate(columns):
        values[feature, offsets[dim]:offsets[dim + 1]] = space.tables[dim][:, local]
    return values


def _leaf_boxes(trees: list, space: SearchSpace) -> tuple[list[np.ndarray], np.ndarray]:
    """Every leaf's allowed values, one (leaves x card) mask per dimension, and the leaves' values.

    All trees descend together, one depth per step. Left goes where value <= threshold, as sklearn
    compares float32 features with float64 thresholds; NaN slots (other dimensions) pass both ways.
    """
    starts = np.cumsum([0] + [tree.node_count for tree in trees])
    left = np.concatenate([np.where(t.children_left < 0, -1, t.children_left + s) for t, s in zip(trees, starts)])
    right = np.concatenate([np.where(t.children_right < 0, -1, t.children_right + s) for t, s in zip(trees, starts)])
    feature = np.concatenate([tree.feature for tree in trees])
    threshold = np.concatenate([tree.threshold for tree in trees])[:, None]
    split_values = _split_values(space)
    allowed = np.zeros((starts[-1], split_values.shape[1]), dtype=bool)
    nodes = starts[:-1]
    allowed[nodes] = True
    while len(nodes):
        nodes = nodes[left[nodes] >= 0]
        values = split_values[feature[nodes]]
        allowed[left[nodes]] = allowed[nodes] & ~(values > threshold[nodes])
        allowed[right[nodes]] = allowed[nodes] & ~(values <= threshold[nodes])
        nodes = np.concatenate([left[nodes], right[nodes]])
    leaves = left < 0
    leaf_values = np.concatenate([tree.value[:, 0, 0] for tree in trees])[leaves]
    return np.split(allowed[leaves], np.cumsum(space.cards)[:-1], axis=1), leaf_values


@dataclass
class _Level:
    """The distinct boxes restricted to dimensions 0..k: each one's parent (its restriction to 0..k-1)
    and its option, a row of `options` (dimension k's distinct masks)."""

    options: np.ndarray
    parent: np.ndarray
    option: np.ndarray


def _row_ids(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense ids of a boolean matrix's distinct rows, and the first row of each id."""
    ids = np.zeros(len(rows), dtype=np.int64)
    for byte in np.packbits(rows, axis=1).T:
        _, first, ids = np.unique(ids * 256 + byte, return_index=True, return_inverse=True)
    return ids, first


def _prefix_levels(masks: list[np.ndarray]) -> tuple[list[_Level], np.ndarray]:
    """For each dimension k, the leaves' distinct boxes over dimensions 0..k; and each leaf's last pattern."""
    levels, patterns = [], np.zeros(len(masks[0]), dtype=np.int64)
    for mask in masks:
        option, first = _row_ids(mask)
        keys, patterns = np.unique(patterns * len(first) + option, return_inverse=True)
        levels.append(_Level(mask[first], keys // len(first), keys % len(first)))
    return levels, patterns


def _peak_floats(levels: list[_Level], cards: tuple[int, ...]) -> int:
    """The most floats `_contract` holds at once: one step's input and output tensors."""
    counts = [1] + [len(level.option) for level in levels]
    remaining = np.cumprod((1,) + cards[::-1])[::-1]
    return int(max(counts[k + 1] * remaining[k + 1] + counts[k] * remaining[k] for k in range(len(cards))))


def _contract(levels: list[_Level], leaf_patterns: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The sum over leaves of value x box, in index order: from each full box's summed value, spread
    dimension k's mask over a new leading axis and sum the boxes sharing their restriction to 0..k-1."""
    partial = np.bincount(leaf_patterns, weights=values)[:, None]
    for k in reversed(range(len(levels))):
        level = levels[k]
        parents = len(levels[k - 1].option) if k else 1
        card = level.options.shape[1]
        pattern, value = np.nonzero(level.options[level.option])
        step = sparse.csr_matrix((np.ones(len(pattern)), (level.parent[pattern] * card + value, pattern)),
                                 shape=(parents * card, len(level.option)))
        partial = (step @ partial).reshape(parents, -1)
    return partial.ravel()
