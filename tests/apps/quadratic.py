"""A cheap analytic task for sweeper tests: a learnable function of the config, optimum known."""
import math
import time

import hydra
from omegaconf import DictConfig


def objective(cfg: DictConfig) -> float:
    """Minimum 0 at x=7, y=2, opt=a, lr=0.1."""
    if cfg.fail_when_x is not None and cfg.x == cfg.fail_when_x:
        raise RuntimeError(f"x={cfg.x} fails on purpose")
    return (cfg.x - 7) ** 2 + (cfg.y - 2) ** 2 + {"a": 0, "b": 3, "c": 6}[cfg.opt] + (math.log10(cfg.lr) + 1) ** 2


@hydra.main(version_base="1.3", config_path=".", config_name="quadratic")
def main(cfg: DictConfig) -> float:
    time.sleep(cfg.sleep)
    value = objective(cfg)
    return {"loss": value, "other": -value} if cfg.as_dict else value


if __name__ == "__main__":
    main()
