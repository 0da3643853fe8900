"""One trained configuration's record, and how a task's return value becomes one."""
from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, field
from typing import Any

#: completed: a finite metric; diverged: a non-finite metric; failed: the task raised;
#: invalid: the task returned something that is not a metric (no retry can fix that).
STATUSES = ("completed", "diverged", "failed", "invalid")


@dataclass
class Trial:
    job: int
    params: dict[str, str]
    status: str
    value: float | None = None
    error: str | None = None
    wall_s: float | None = None
    cpu_s: float | None = None
    returned: Any = field(default=None, repr=False)
    energy: dict[str, Any] | None = None  # codecarbon's figures for the job (greennas.energy.Meter)

    @property
    def usable(self) -> bool:
        """Whether the predictors learn from it (diverged runs count as the worst value seen)."""
        return self.status in ("completed", "diverged")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Trial":
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})


def best_of(trials, sign: float) -> Trial | None:
    """The completed trial with the lowest `sign * value` (ties: the earlier job), or None."""
    completed = [t for t in trials if t.status == "completed"]
    return min(completed, key=lambda t: (sign * t.value, t.job)) if completed else None


def _jsonable(value: Any) -> Any:
    """The task's return value as JSON can hold it (numbers, strings, lists, dicts), else its repr."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)


def read_metric(returned: Any, metric: str | None) -> float:
    """The number to optimise in a task's return value: the value itself, or `returned[metric]`.

    Raises TypeError with a message saying what came back and what was expected.
    """
    value = returned
    if metric is not None and (isinstance(returned, dict) or hasattr(returned, "items")):
        if metric not in returned:
            raise TypeError(f"the task returned a dict with keys {sorted(map(str, returned))}, which has no "
                            f"'{metric}' (hydra.sweeper.metric); resume with one of those keys to reuse finished jobs")
        value = returned[metric]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        expected = f"a number or a dict with key '{metric}'" if metric else \
            "a number (or a dict of numbers with hydra.sweeper.metric naming the one to optimise)"
        raise TypeError(f"the task returned {value!r} ({type(value).__name__}); expected {expected}")
    return float(value)


def trial_from_return(job: int, params: dict[str, str], returned: Any, metric: str | None,
                      wall_s: float, cpu_s: float) -> Trial:
    """The record of a job whose task function returned `returned`."""
    common = dict(job=job, params=params, wall_s=wall_s, cpu_s=cpu_s, returned=_jsonable(returned))
    try:
        value = read_metric(returned, metric)
    except TypeError as err:
        return Trial(status="invalid", error=str(err), **common)
    return Trial(status="completed" if math.isfinite(value) else "diverged", value=value, **common)


def rejudge(trial: Trial, metric: str | None) -> Trial:
    """A journaled trial judged again with `metric`, so a resume may name another key of a dict return."""
    if trial.status == "failed" or trial.returned is None:
        return trial
    rejudged = trial_from_return(trial.job, trial.params, trial.returned, metric, trial.wall_s, trial.cpu_s)
    rejudged.energy = trial.energy
    return rejudged
