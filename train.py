"""Train and test one configuration; prints the test metric and returns it so a Hydra sweeper can optimize it.

    python train.py                         # denoising CNN on the bundled digits
    python train.py model=mlp               # MLP classifier (the data's task follows the model)
    python train.py data=mnist data.download=true trainer.max_epochs=20
"""

import time

import hydra
from omegaconf import DictConfig

from greennas.task import train


def report_training(cfg: DictConfig) -> float:
    """Train and test ``cfg``, print one line ``<metric>=<value> time=<seconds>s`` and return the metric."""
    start = time.perf_counter()
    value = train(cfg)
    print(f"{cfg.model.metric}={value:.4g} time={time.perf_counter() - start:.1f}s")
    return value


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
def main(cfg: DictConfig) -> float:
    return report_training(cfg)


if __name__ == "__main__":
    main()
