"""Phase 3: rank the whole space by each predictor's score: a forest from its leaf boxes, others in chunks.

Where the space is too large to score exhaustively, the predictors' surface is searched instead: a
large uniform sample, then a local search over neighbouring configurations from its best points
(as SMAC3 does to optimise its acquisition function).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np

from greennas import forest_grid
from greennas.predictors import Predictors
from greennas.space import SearchSpace

log = logging.getLogger(__name__)


@dataclass
class Ranking:
    """One predictor's best configurations, best first: code matrix, predicted metric."""

    codes: np.ndarray
    predicted: np.ndarray


@dataclass
class Scored:
    rankings: dict[str, Ranking]
    exhaustive: bool
    scored: int


def _best(codes: np.ndarray, scores: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """The `keep` lowest scores, sorted, ties broken by code order so the result is deterministic."""
    order = np.lexsort((*codes.T[::-1], scores))[:keep]
    return codes[order], scores[order]


def rank(space: SearchSpace, predictors: Predictors, sign: float, keep: int, max_scored: int,
         chunk_size: int = 1 << 16, seed: int = 0) -> Scored:
    """Each predictor's `keep` best configurations (lowest `sign * prediction`) over the space."""
    if space.size <= max_scored:
        return Scored(_exhaustive(space, predictors, sign, keep, chunk_size), True, space.size)
    log.info("GreenNAS: the space has %d configurations, above hydra.sweeper.max_scored=%d: "
             "searching the predictors' surface (random sample + local search) instead of scoring it all",
             space.size, max_scored)
    rng = np.random.default_rng(seed)
    rankings, scored = {}, 0
    for name in predictors.names:
        score = lambda codes, name=name: sign * predictors.predict(space.encode(codes), [name])[name]
        rankings[name], count = _surface(space, score, keep, min(max_scored, 100_000), rng)
        rankings[name].predicted *= sign
        scored += count
    return Scored(rankings, False, scored)


def _exhaustive(space: SearchSpace, predictors: Predictors, sign: float, keep: int, chunk_size: int) -> dict[str, Ranking]:
    base = {kind: _score_space(space, estimator, chunk_size) for kind, estimator in predictors.base_estimators().items()}
    return {name: _top(space, scores, sign, keep) for name, scores in predictors.combine(base).items()}


def _score_space(space: SearchSpace, estimator, chunk_size: int) -> np.ndarray:
    """The estimator's prediction of every configuration, in index order: a forest from its leaf boxes,
    any other estimator chunk by chunk."""
    if forest_grid.supports(estimator):
        return forest_grid.predict_grid(estimator, space).ravel()
    scores = np.empty(space.size)
    for start, codes in zip(range(0, space.size, chunk_size), space.chunks(chunk_size)):
        scores[start:start + len(codes)] = estimator.predict(space.encode(codes))
    return scores


def _top(space: SearchSpace, scores: np.ndarray, sign: float, keep: int) -> Ranking:
    """The `keep` lowest `sign * scores`, sorted, ties in index order (as `_best`); NaN last."""
    signed = sign * scores
    keep = min(keep, len(signed))
    kth = np.partition(signed, keep - 1)[keep - 1]
    candidates = np.flatnonzero(~(signed > kth))
    best = candidates[np.argsort(signed[candidates], kind="stable")[:keep]]
    return Ranking(np.column_stack(np.unravel_index(best, space.cards)), scores[best])


def _surface(space: SearchSpace, score: Callable[[np.ndarray], np.ndarray], keep: int, n_random: int,
             rng: np.random.Generator, n_starts: int = 10) -> tuple[Ranking, int]:
    """Best configurations found by a uniform sample then greedy one-dimension moves from its best points."""
    codes = np.unique(space.random_codes(n_random, rng), axis=0)
    seen = dict(zip(map(tuple, codes), score(codes)))
    starts, _ = _best(codes, np.fromiter(seen.values(), float, len(seen)), n_starts)
    for current in map(tuple, starts):
        while True:
            neighbours = space.neighbours(current)
            scores = score(neighbours)
            seen.update(zip(map(tuple, neighbours), scores))
            step = int(np.argmin(scores))
            if scores[step] >= seen[current]:
                break
            current = tuple(neighbours[step])
    all_codes = np.array(list(seen), dtype=np.int64)
    best_codes, best_scores = _best(all_codes, np.fromiter(seen.values(), float, len(seen)), keep)
    return Ranking(best_codes, best_scores), len(seen)
