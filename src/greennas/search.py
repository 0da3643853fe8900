"""Algorithm 1 of the paper over a `launch(jobs) -> trials` callable; knows nothing of Hydra.

1. train n configurations drawn uniformly from the space;
2. fit the performance predictors (SVR, RF, HYB) on (configuration -> metric), tuned by Optuna;
3. score the space with every predictor;
4. train each predictor's m best predicted configurations not trained yet.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from greennas.energy import Meter
from greennas.errors import ConfigError, SearchAborted
from greennas.predictors import Predictors, check_predictors, check_target
from greennas.scoring import Scored, rank
from greennas.space import SearchSpace
from greennas.trials import Trial, best_of

log = logging.getLogger(__name__)

SAMPLE, PREDICTED = "sample", "predicted"


@dataclass
class Settings:
    n: float = 0.0001
    m: int = 1
    predictors: Sequence[str] = ("svr", "rf", "hyb")
    tuning_trials: int = 20
    target: str = "auto"
    cv_folds: int = 5
    direction: str = "minimize"
    seed: int = 0
    max_batch_size: int | None = None
    max_scored: int = 2_000_000
    max_failure_rate: float = 0.25
    top_k: int = 75
    country_iso_code: str = "FRA"  # the electricity mix codecarbon turns energy into CO2 with

    def sample_size(self, space_size: int) -> int:
        """`n` as a count: an integer >= 2, or a fraction in (0, 1) of the space rounded up, at least 2."""
        n = self.n
        if isinstance(n, bool) or not isinstance(n, (int, float)):
            raise ConfigError(f"hydra.sweeper.n must be an integer >= 2 or a fraction in (0,1), got {n!r}")
        if isinstance(n, float) and not n.is_integer():
            if not 0 < n < 1:
                raise ConfigError(f"hydra.sweeper.n={n}: a fraction must lie in (0,1); an integer count must be >= 2")
            count = max(2, math.ceil(n * space_size))
        elif n < 2:
            raise ConfigError(f"hydra.sweeper.n={n}: the initial sample needs at least 2 configurations")
        else:
            count = int(n)
        if count > space_size:
            raise ConfigError(f"hydra.sweeper.n={n} asks for {count} configurations but the space has only {space_size}")
        return count

    def check(self, space: SearchSpace) -> int:
        """Validate every setting against the space; return the sample size."""
        count = self.sample_size(space.size)
        if isinstance(self.m, bool) or not isinstance(self.m, int) or self.m < 1:
            raise ConfigError(f"hydra.sweeper.m must be an integer >= 1, got {self.m!r}")
        check_predictors(self.predictors)
        check_target(self.target)
        if self.direction not in ("minimize", "maximize"):
            raise ConfigError(f"hydra.sweeper.direction must be 'minimize' or 'maximize', got {self.direction!r}")
        for name in ("tuning_trials", "cv_folds", "max_scored", "top_k"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (2 if name == "cv_folds" else 1):
                raise ConfigError(f"hydra.sweeper.{name} must be a positive integer{' >= 2' if name == 'cv_folds' else ''}, got {value!r}")
        if self.max_batch_size is not None and (not isinstance(self.max_batch_size, int) or self.max_batch_size < 1):
            raise ConfigError(f"hydra.sweeper.max_batch_size must be null or an integer >= 1, got {self.max_batch_size!r}")
        if not 0 <= self.max_failure_rate <= 1:
            raise ConfigError(f"hydra.sweeper.max_failure_rate must lie in [0,1], got {self.max_failure_rate}")
        return count

    @property
    def sign(self) -> float:
        return 1.0 if self.direction == "minimize" else -1.0


@dataclass
class Job:
    num: int
    phase: str
    codes: tuple[int, ...]


Launch = Callable[[list[Job]], list[Trial]]


@dataclass
class Result:
    """Everything a search produced, for the reports."""

    space: SearchSpace
    settings: Settings
    jobs: dict[int, Job]
    trials: dict[int, Trial]
    predictors: Predictors | None = None
    scored: Scored | None = None
    picks: dict[str, list[tuple[int, ...]]] = field(default_factory=dict)
    predictions: dict[int, dict[str, float]] = field(default_factory=dict)
    phase_costs: dict[str, dict[str, Any]] = field(default_factory=dict)  # fit, score: time and energy

    @property
    def best(self) -> Trial | None:
        return best_of(self.trials.values(), self.settings.sign)

    def phase_of(self, job: int) -> str:
        return self.jobs[job].phase


def _batches(jobs: list[Job], size: int | None) -> list[list[Job]]:
    """Runs of consecutive job numbers (launchers number a batch consecutively), at most `size` long."""
    batches: list[list[Job]] = []
    for job in jobs:
        if batches and job.num == batches[-1][-1].num + 1 and (size is None or len(batches[-1]) < size):
            batches[-1].append(job)
        else:
            batches.append([job])
    return batches


def _run_phase(jobs: list[Job], launch: Launch, result: Result, finished: dict[int, Trial], planned: int) -> None:
    """Train `jobs`, adopting those already `finished`, checking each batch's failures as it returns."""
    settings, space = result.settings, result.space
    result.jobs.update((job.num, job) for job in jobs)
    for job in jobs:
        done = finished.get(job.num)
        if done is not None and done.params != space.params(job.codes):
            raise ConfigError(f"the journal's job {job.num} trained {done.params}, but this search plans "
                              f"{space.params(job.codes)}: resume only with the same search space, seed and n")
        if done is not None:
            result.trials[job.num] = done
    todo = [job for job in jobs if job.num not in result.trials]
    if len(todo) < len(jobs):
        log.info("GreenNAS: %d of %d %s jobs already finished (resumed)", len(jobs) - len(todo), len(jobs), jobs[0].phase)
    for batch in _batches(todo, settings.max_batch_size):
        for trial in launch(batch):
            result.trials[trial.job] = trial
        invalid = [t for t in result.trials.values() if t.status == "invalid"]
        if invalid:
            raise SearchAborted(f"job {invalid[0].job}: {invalid[0].error}")
        failed = sum(t.status == "failed" for t in result.trials.values())
        if failed > settings.max_failure_rate * planned:
            raise SearchAborted(f"{failed} of {planned} planned jobs failed, more than hydra.sweeper.max_failure_rate="
                                f"{settings.max_failure_rate} allows; finished jobs are kept in the journal "
                                f"(last error: {next(t for t in reversed(list(result.trials.values())) if t.status == 'failed').error})")
        best = result.best
        done = sum(job.num in result.trials for job in jobs)
        log.info("GreenNAS %s phase: %d/%d jobs done; best so far %s", jobs[0].phase, done, len(jobs),
                 f"{best.value:.6g} (job {best.job})" if best else "none")


def training_data(result: Result) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of the usable trainings; a diverged run counts as the worst value seen."""
    usable = [t for t in result.trials.values() if t.usable and result.phase_of(t.job) == SAMPLE]
    finite = [t.value for t in usable if t.status == "completed"]
    if len(usable) < 2 or not finite:
        raise SearchAborted(f"only {len(finite)} of {len(result.trials)} initial trainings ended with a finite "
                            "metric: the predictors need at least 2 usable ones")
    worst = max(finite) if result.settings.sign > 0 else min(finite)
    codes = np.array([result.space.codes_from_params(t.params) for t in usable])
    y = np.array([t.value if t.status == "completed" else worst for t in usable])
    return result.space.encode(codes), y


def run(space: SearchSpace, settings: Settings, launch: Launch, finished: dict[int, Trial] | None = None) -> Result:
    """Run the four phases; `finished` holds jobs of an interrupted run of the same search (resume)."""
    n = settings.check(space)
    finished = finished or {}
    result = Result(space, settings, jobs={}, trials={})
    sample = [Job(i, SAMPLE, codes) for i, codes in enumerate(space.sample(n, settings.seed))]
    log.info("GreenNAS phase 1: training %d of %d configurations (%.3g%%)", n, space.size, 100 * n / space.size)
    _run_phase(sample, launch, result, finished, planned=n)

    log.info("GreenNAS phase 2: tuning predictors %s (%d Optuna trials each)", list(settings.predictors), settings.tuning_trials)
    with Meter(settings.country_iso_code) as fit_meter:
        X, y = training_data(result)
        result.predictors = Predictors(settings.predictors, settings.tuning_trials, settings.cv_folds, settings.seed,
                                       settings.target).fit(X, y)
    result.phase_costs["fit"] = fit_meter.record
    log.info("GreenNAS: predictors fitted on the metric's %s scale (hydra.sweeper.target=%s)",
             result.predictors.scale, settings.target)

    trained = {job.codes for job in sample}
    with Meter(settings.country_iso_code) as score_meter:
        keep = max(settings.top_k, settings.m) + len(trained)
        result.scored = rank(space, result.predictors, settings.sign, keep, settings.max_scored, seed=settings.seed)
    result.phase_costs["score"] = score_meter.record
    log.info("GreenNAS phase 3: scored %d configurations%s in %.1fs", result.scored.scored,
             "" if result.scored.exhaustive else " (surface search)", score_meter.record["wall_s"])

    for name, ranking in result.scored.rankings.items():
        fresh = [tuple(int(c) for c in row) for row in ranking.codes if tuple(row) not in trained]
        result.picks[name] = fresh[: settings.m]
    selected = list(dict.fromkeys(codes for picks in result.picks.values() for codes in picks))
    second = [Job(n + i, PREDICTED, codes) for i, codes in enumerate(selected)]
    if second:
        log.info("GreenNAS phase 4: training %d predicted-best configurations", len(second))
        _run_phase(second, launch, result, finished, planned=n + len(second))

    codes = [result.jobs[j].codes for j in result.trials]
    predictions = result.predictors.predict(space.encode(np.array(codes))) if codes else {}
    result.predictions = {j: {name: float(p[i]) for name, p in predictions.items()} for i, j in enumerate(result.trials)}
    return result
