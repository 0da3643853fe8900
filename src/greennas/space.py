"""The discrete search space: dimensions, size, sampling, indexing and the predictors' features.

A configuration is identified by its *codes*: one value index per dimension. Its *index* is the
mixed-radix number those codes spell (first dimension most significant), a Python int, so spaces far
larger than memory (or than int64) can still be sampled and named without being materialised.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, OneHotEncoder

from greennas.errors import ConfigError

#: Numeric values whose largest/smallest ratio reaches this are encoded on a log scale.
LOG_SPAN = 100.0


@dataclass(frozen=True)
class Dimension:
    """One searched setting: its config key, its candidate values and how to write each as an override."""

    key: str
    values: tuple[Any, ...]
    strings: tuple[str, ...]
    override_key: str = ""
    log: bool = False

    def __post_init__(self) -> None:
        if not self.override_key:
            object.__setattr__(self, "override_key", self.key)
        if len(self.values) != len(self.strings):
            raise ValueError(f"{self.key}: {len(self.values)} values but {len(self.strings)} strings")
        if len(set(self.strings)) != len(self.strings):
            raise ConfigError(f"search space '{self.key}': repeated values {list(self.strings)}")

    @property
    def numeric(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)

    @property
    def log_scale(self) -> bool:
        """Encode on a log scale: tagged `log`, or positive values spanning orders of magnitude."""
        if not self.numeric:
            return False
        lo, hi = min(self.values), max(self.values)
        return lo > 0 and (self.log or hi / lo >= LOG_SPAN)

    def __len__(self) -> int:
        return len(self.values)


def interval_values(key: str, start: float, end: float, points: int, log: bool, integer: bool) -> list:
    """Split `interval(start, end)` into `points` values (log-spaced when `log`), as the method needs a grid."""
    if not start < end:
        raise ConfigError(f"search space '{key}': interval({start}, {end}) needs start < end")
    if points < 2:
        raise ConfigError(f"hydra.sweeper.interval_points must be at least 2, got {points}")
    if log and start <= 0:
        raise ConfigError(f"search space '{key}': a log interval needs start > 0, got {start}")
    grid = np.geomspace(start, end, points) if log else np.linspace(start, end, points)
    if integer:
        return sorted({int(round(v)) for v in grid})
    return [float(f"{v:.6g}") for v in grid]


class SearchSpace:
    """The Cartesian product of `dimensions`."""

    def __init__(self, dimensions: Sequence[Dimension]):
        if not dimensions:
            raise ConfigError("the search space is empty: give hydra.sweeper.params or sweep overrides")
        self.dimensions = tuple(dimensions)
        self.cards = tuple(len(d) for d in self.dimensions)
        self.size = math.prod(self.cards)
        if self.size < 2:
            raise ConfigError("the search space has a single configuration: nothing to search")
        self._strides = tuple(math.prod(self.cards[i + 1:]) for i in range(len(self.cards)))
        self.tables = self._encoding_tables()  # per dimension: its values x its encoded columns

    @property
    def keys(self) -> list[str]:
        return [d.key for d in self.dimensions]

    # -- naming configurations ------------------------------------------------------------------
    def codes_of(self, index: int) -> tuple[int, ...]:
        return tuple((index // s) % c for s, c in zip(self._strides, self.cards))

    def index_of(self, codes: Sequence[int]) -> int:
        return sum(int(c) * s for c, s in zip(codes, self._strides))

    def codes_from_params(self, params: dict[str, str]) -> tuple[int, ...]:
        """The codes of a configuration written as {key: override string}."""
        try:
            return tuple(d.strings.index(params[d.key]) for d in self.dimensions)
        except (KeyError, ValueError) as err:
            raise ConfigError(f"configuration {params} is not in the search space") from err

    def params(self, codes: Sequence[int]) -> dict[str, str]:
        return {d.key: d.strings[c] for d, c in zip(self.dimensions, codes)}

    def values(self, codes: Sequence[int]) -> dict[str, Any]:
        return {d.key: d.values[c] for d, c in zip(self.dimensions, codes)}

    def overrides(self, codes: Sequence[int]) -> list[str]:
        return [f"{d.override_key}={d.strings[c]}" for d, c in zip(self.dimensions, codes)]

    # -- sampling and enumeration ---------------------------------------------------------------
    def sample(self, n: int, seed: int) -> list[tuple[int, ...]]:
        """`n` distinct configurations drawn uniformly, without ever listing the space."""
        rng = random.Random(seed)
        if self.size < 2**62:
            indices = rng.sample(range(self.size), n)
        else:  # too large for range(); n is a vanishing share of it, so rejection is immediate
            drawn: dict[int, None] = {}
            while len(drawn) < n:
                drawn.setdefault(rng.randrange(self.size))
            indices = list(drawn)
        return [self.codes_of(i) for i in indices]

    def random_codes(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count` configurations drawn uniformly with replacement, as a code matrix."""
        return np.column_stack([rng.integers(0, c, size=count) for c in self.cards])

    def chunks(self, chunk_size: int) -> Iterator[np.ndarray]:
        """Every configuration in index order, as code matrices of at most `chunk_size` rows."""
        for start in range(0, self.size, chunk_size):
            index = np.arange(start, min(start + chunk_size, self.size), dtype=np.int64)
            yield np.column_stack([(index // s) % c for s, c in zip(self._strides, self.cards)])

    def neighbours(self, codes: Sequence[int]) -> np.ndarray:
        """Every configuration that differs from `codes` in exactly one dimension."""
        rows = []
        for i, card in enumerate(self.cards):
            for value in range(card):
                if value != codes[i]:
                    row = list(codes)
                    row[i] = value
                    rows.append(row)
        return np.asarray(rows, dtype=np.int64)

    # -- features for the predictors ------------------------------------------------------------
    def _encoding_tables(self) -> list[np.ndarray]:
        """Numeric dimensions scaled to [0, 1] (log10 first where `log_scale`), categorical ones one-hot.

        The transformers are fitted on every value of every dimension, so the encoding depends on the
        space alone, never on which configurations happened to be sampled. Each dimension's encoded
        columns are then kept as a lookup table, so encoding a chunk is one take per dimension.
        """
        transformers = []
        for i, dim in enumerate(self.dimensions):
            if not dim.numeric:
                encoder = OneHotEncoder(categories=[list(range(len(dim)))], sparse_output=False)
            elif dim.log_scale:
                encoder = make_pipeline(FunctionTransformer(np.log10), MinMaxScaler())
            else:
                encoder = MinMaxScaler()
            transformers.append((dim.key, encoder, [i]))
        column_transformer = ColumnTransformer(transformers)
        design = np.empty((max(self.cards), len(self.dimensions)))
        for i, dim in enumerate(self.dimensions):
            codes = np.minimum(np.arange(len(design)), len(dim) - 1)
            design[:, i] = np.asarray(dim.values, dtype=float)[codes] if dim.numeric else codes
        encoded = column_transformer.fit_transform(design)
        tables = [
            np.ascontiguousarray(encoded[: len(dim), column_transformer.output_indices_[dim.key]], dtype=np.float32)
            for dim in self.dimensions
        ]
        return tables

    @property
    def feature_names(self) -> list[str]:
        names = []
        for dim in self.dimensions:
            if dim.numeric:
                names.append(f"log10 {dim.key}" if dim.log_scale else dim.key)
            else:
                names.extend(f"{dim.key}={s}" for s in dim.strings)
        return names

    def encode(self, codes: np.ndarray) -> np.ndarray:
        """The predictors' feature matrix (float32) of a code matrix."""
        codes = np.asarray(codes, dtype=np.int64).reshape(-1, len(self.dimensions))
        return np.hstack([table[codes[:, i]] for i, table in enumerate(self.tables)])

    def describe(self) -> list[dict[str, Any]]:
        """A plain description of the space, for fingerprints and reports."""
        return [{"key": d.key, "values": list(d.strings), "log": d.log_scale} for d in self.dimensions]
