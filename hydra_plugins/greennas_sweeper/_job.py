"""The task function as launched: measures the job (time, energy) and journals its record the moment it ends."""
import logging
import traceback
from typing import Any, Optional, Sequence

from hydra.core.hydra_config import HydraConfig
from hydra.types import TaskFunction
from omegaconf import DictConfig

from greennas import energy
from greennas.journal import Journal
from greennas.trials import Trial, best_of, trial_from_return

log = logging.getLogger(__name__)


class JournaledTask:
    """Picklable wrapper, so it runs wherever the launcher runs jobs (local, joblib, SLURM, Ray)."""

    def __init__(self, task_function: TaskFunction, journal: str, keys: Sequence[str], metric: Optional[str],
                 sample_size: int, sign: float, country_iso_code: str = "FRA"):
        self.task_function, self.journal, self.keys, self.metric = task_function, journal, list(keys), metric
        self.sample_size, self.sign, self.country_iso_code = sample_size, sign, country_iso_code

    def _params(self) -> dict:
        pairs = (o.split("=", 1) for o in HydraConfig.get().overrides.task if "=" in o)
        return {key.lstrip("+~"): value for key, value in pairs if key.lstrip("+~") in self.keys}

    def _record(self, trial: Trial, meter: energy.Meter) -> None:
        """Journal the job's trial with its energy figures, in one line."""
        trial.energy = {k: v for k, v in meter.record.items() if k not in ("wall_s", "cpu_s")}
        journal = Journal(self.journal)
        journal.append(trial)
        log.info(self._progress(trial, journal.read()))

    def _progress(self, trial: Trial, finished: dict) -> str:
        """Where the search is, as this job ends: its outcome, jobs done of those planned, the best so far."""
        value = "" if trial.value is None else f" {trial.value:.6g}"
        sampled = sum(job < self.sample_size for job in finished)
        predicted = len(finished) - sampled
        best = best_of(finished.values(), self.sign)
        return (f"GreenNAS job {trial.job} {trial.status}{value}; sample {sampled}/{self.sample_size} done"
                + (f", predicted {predicted} done" if predicted else "")
                + "; best so far " + (f"{best.value:.6g} (job {best.job})" if best else "none"))

    def __call__(self, cfg: DictConfig) -> Any:
        job, params = HydraConfig.get().job.num, self._params()
        meter = energy.Meter(self.country_iso_code)
        try:
            with meter:
                returned = self.task_function(cfg)
        except BaseException as err:
            error = "".join(traceback.format_exception_only(type(err), err)).strip()
            self._record(Trial(job, params, "failed", error=error, wall_s=meter.record["wall_s"],
                               cpu_s=meter.record["cpu_s"]), meter)
            raise
        self._record(trial_from_return(job, params, returned, self.metric, meter.record["wall_s"],
                                       meter.record["cpu_s"]), meter)
        return returned
