"""Phase 3: rank the whole space by each predictor's score, in chunks of bounded memory.

Where the space is too large to score exhaustively, the predictors' surface is searched instead: a
large uniform sample, then a local search over neighbouring configurations from its best points
(as SMAC3 does to optimise its acquisition function).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np

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
    best = {name: (np.empty((0, len(space.cards)), np.int64), np.empty(0)) for name in predictors.names}
    for codes in space.chunks(chunk_size):
        predictions = predictors.predict(space.encode(codes))
        for name, predicted in predictions.items():
            kept_codes, kept_scores = best[name]
            best[name] = _best(np.vstack([kept_codes, codes]), np.concatenate([kept_scores, sign * predicted]), keep)
    return {name: Ranking(codes, sign * scores) for name, (codes, scores) in best.items()}


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
