"""The task function as launched: times the job and journals its record the moment it ends."""
import time
import traceback
from typing import Any, Optional, Sequence

from hydra.core.hydra_config import HydraConfig
from hydra.types import TaskFunction
from omegaconf import DictConfig

from greennas.journal import Journal
from greennas.trials import Trial, trial_from_return


class JournaledTask:
    """Picklable wrapper, so it runs wherever the launcher runs jobs (local, joblib, SLURM, Ray)."""

    def __init__(self, task_function: TaskFunction, journal: str, keys: Sequence[str], metric: Optional[str]):
        self.task_function, self.journal, self.keys, self.metric = task_function, journal, list(keys), metric

    def _params(self) -> dict:
        pairs = (o.split("=", 1) for o in HydraConfig.get().overrides.task if "=" in o)
        return {key.lstrip("+~"): value for key, value in pairs if key.lstrip("+~") in self.keys}

    def __call__(self, cfg: DictConfig) -> Any:
        job, params = HydraConfig.get().job.num, self._params()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            returned = self.task_function(cfg)
        except BaseException as err:
            error = "".join(traceback.format_exception_only(type(err), err)).strip()
            Journal(self.journal).append(Trial(job, params, "failed", error=error, wall_s=time.perf_counter() - wall,
                                               cpu_s=time.process_time() - cpu))
            raise
        Journal(self.journal).append(trial_from_return(job, params, returned, self.metric,
                                                       time.perf_counter() - wall, time.process_time() - cpu))
        return returned
