"""Search a space of training configurations with GreenNAS; each job is one `train.py` training.

    python search.py -m hydra/sweeper=greennas            # the default digits search (a few minutes)
    python search.py -m experiment=paper_denoise         # the paper's 746,496-configuration space
    python search.py -m 'optim.lr=choice(0.001,0.01)'     # command-line sweeps win over the experiment's
"""
import hydra
from omegaconf import DictConfig

from train import report_training


@hydra.main(version_base="1.3", config_path="conf", config_name="search")
def main(cfg: DictConfig) -> float:
    return report_training(cfg)


if __name__ == "__main__":
    main()
