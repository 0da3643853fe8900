"""Hydra app: the "training" of an FCNet configuration is a lookup of its validation MSE.

    python benchmarks/fcnet/app.py -m hydra/sweeper=<...> $(sweeps) ...

If FCNET_TASK_TIMES names a file, each job appends its own duration (seconds) to it, so the
driver can subtract the task's time from a search's wall time.
"""
from __future__ import annotations

import os
import time

import hydra
from omegaconf import DictConfig

from table import load


def sweeps(dataset: str) -> list[str]:
    """The whole table as Hydra sweep overrides, one choice(...) per hyperparameter."""
    return [f"hp.{k}=choice({','.join(map(str, v))})" for k, v in load(dataset).space.items()]


@hydra.main(version_base="1.3", config_path="conf", config_name="fcnet")
def main(cfg: DictConfig) -> float:
    start = time.perf_counter()
    value = load(cfg.dataset).observed(dict(cfg.hp), cfg.obs_seed)
    if path := os.environ.get("FCNET_TASK_TIMES"):
        with open(path, "a") as f:
            f.write(f"{time.perf_counter() - start}\n")
    return value


if __name__ == "__main__":
    main()
