"""The GreenNAS sweeper: Hydra in (space, settings, launcher), greennas.search in the middle, Hydra out."""
import logging
from pathlib import Path
from typing import Any, List, Optional

import yaml
from hydra.core.plugins import Plugins
from hydra.core.utils import JobStatus
from hydra.errors import CompactHydraException, HydraException
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from greennas import report, search
from greennas.errors import ConfigError, SearchAborted
from greennas.journal import Journal
from greennas.trials import Trial, rejudge

from ._job import JournaledTask
from ._space import parse_space

log = logging.getLogger(__name__)


class GreenNASError(CompactHydraException):
    """Shown by Hydra as its message alone, with exit status 1 and no traceback."""


class GreenNASSweeperImpl(Sweeper):
    def __init__(self, params: Any, interval_points: int, metric: Optional[str], resume: bool, **settings: Any):
        self.params = OmegaConf.to_container(params) if isinstance(params, DictConfig) else dict(params or {})
        self.interval_points, self.metric, self.resume = interval_points, metric, resume
        settings["predictors"] = list(settings["predictors"])
        self.settings = search.Settings(**settings)

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function
        self.sweep_dir = Path(str(config.hydra.sweep.dir)).absolute()

    def sweep(self, arguments: List[str]) -> Any:
        try:
            return self._sweep(arguments)
        except (ConfigError, SearchAborted) as err:
            raise GreenNASError(f"GreenNAS: {err}") from None

    def _sweep(self, arguments: List[str]) -> Any:
        space, fixed = parse_space(self.params, arguments, self.interval_points, self.hydra_context.config_loader)
        self.settings.check(space)
        self._check_keys([space.overrides(space.codes_of(0)) + fixed])
        journal = Journal(self.sweep_dir / report.DIR / "journal.jsonl")
        finished = self._resume(space, journal)
        self.sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, self.sweep_dir / "multirun.yaml")

        launcher = Plugins.instance().instantiate_launcher(
            hydra_context=self.hydra_context,
            task_function=JournaledTask(self.task_function, str(journal.path), space.keys, self.metric,
                                       self.settings.sample_size(space.size), self.settings.sign,
                                       self.settings.country_iso_code),
            config=self.config,
        )

        def launch(jobs: List[search.Job]) -> List[Trial]:
            batch = [tuple(space.overrides(job.codes) + fixed) for job in jobs]
            returns = launcher.launch(batch, initial_job_idx=jobs[0].num)
            recorded = journal.read()
            trials = []
            for job, ret in zip(jobs, returns):
                trial = recorded.get(job.num)
                if trial is None:  # the job died before its own record could be written
                    error = repr(ret._return_value) if ret.status == JobStatus.FAILED else "no record"
                    trial = Trial(job.num, space.params(job.codes), "failed", error=error)
                    journal.append(trial)
                trials.append(trial)
            return trials

        result = search.run(space, self.settings, launch, finished)
        report.write(result, self.sweep_dir, self.metric)
        best = result.best
        log.info(report.summary(result, self.sweep_dir))
        return None if best is None else best.value

    def _check_keys(self, batch: List[List[str]]) -> None:
        """Fail before any training when a searched or fixed key does not exist in the app's config."""
        try:
            self.validate_batch_is_legal([tuple(overrides) for overrides in batch])
        except HydraException as err:
            raise ConfigError(f"search space: {err}".strip()) from None

    def _resume(self, space: Any, journal: Journal) -> dict:
        """Finished jobs of the search recorded in the sweep dir, refusing to mix different searches."""
        identity = {"space": space.describe(), "seed": self.settings.seed, "n": self.settings.sample_size(space.size)}
        identity_file = self.sweep_dir / report.DIR / "search.yaml"
        if not self.resume:
            if journal.path.exists():
                raise ConfigError(f"{self.sweep_dir} already holds a GreenNAS search: set hydra.sweeper.resume=true "
                                  "to continue it, or choose another hydra.sweep.dir")
        elif identity_file.exists():
            recorded = yaml.safe_load(identity_file.read_text())
            differs = [key for key in identity if recorded.get(key) != identity[key]]
            if differs:
                raise ConfigError(f"hydra.sweeper.resume=true: the search in {self.sweep_dir} has a different "
                                  f"{' and '.join(differs)}; resume with the same settings or use another hydra.sweep.dir")
            finished = {job: rejudge(trial, self.metric) for job, trial in journal.read().items()}
            log.info("GreenNAS: resuming %s with %d finished jobs", self.sweep_dir, len(finished))
            return finished
        identity_file.parent.mkdir(parents=True, exist_ok=True)
        identity_file.write_text(yaml.safe_dump(identity, sort_keys=False))
        return {}
