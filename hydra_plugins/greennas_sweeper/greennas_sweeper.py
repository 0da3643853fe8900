"""The Sweeper Hydra discovers; the work is done in `_impl`, imported only when a search starts."""
from typing import Any, List, Optional

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from .config import GreenNASSweeperConf  # noqa: F401  (registers hydra/sweeper=greennas)


class GreenNASSweeper(Sweeper):
    def __init__(self, **settings: Any) -> None:
        from ._impl import GreenNASSweeperImpl

        self.sweeper = GreenNASSweeperImpl(**settings)

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.sweeper.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: List[str]) -> Optional[Any]:
        return self.sweeper.sweep(arguments)
