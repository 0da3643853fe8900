"""Algorithm 1 over a plain Python launcher: no Hydra, milliseconds per job."""
import math

import pytest

from greennas.errors import ConfigError, SearchAborted
from greennas.search import Settings, run
from greennas.trials import Trial, trial_from_return
from searched import SPACE, quadratic


class Launcher:
    """Runs jobs in-process, recording what it was asked to run."""

    def __init__(self, objective=quadratic, space=SPACE):
        self.objective, self.space, self.launched = objective, space, []

    def __call__(self, jobs):
        self.launched.extend(job.num for job in jobs)
        trials = []
        for job in jobs:
            params = self.space.params(job.codes)
            try:
                returned = self.objective(self.space.values(job.codes))
            except Exception as err:
                trials.append(Trial(job.num, params, "failed", error=str(err)))
                continue
            trials.append(trial_from_return(job.num, params, returned, "loss", 0.0, 0.0))
        return trials


FAST = dict(tuning_trials=4, cv_folds=3)


def test_search_trains_n_plus_picks_and_finds_near_optimum():
    launcher = Launcher()
    result = run(SPACE, Settings(n=40, m=1, **FAST), launcher)
    assert sorted(launcher.launched) == list(range(len(launcher.launched)))
    assert 40 < len(launcher.launched) <= 40 + 3
    assert [result.phase_of(j) for j in range(40)] == ["sample"] * 40
    sample_best = min(t.value for j, t in result.trials.items() if j < 40)
    picks = [result.trials[j].value for j in range(40, len(launcher.launched))]
    assert min(picks) <= sample_best and min(picks) <= 2  # the grid's optimum is 0, its median ~ 35
    assert result.best.value == min(t.value for t in result.trials.values())
    for name, codes in result.picks.items():  # each pick is new and among the predictor's best
        assert len(codes) == 1 and codes[0] not in {result.jobs[j].codes for j in range(40)}


def test_maximize_picks_the_largest():
    result = run(SPACE, Settings(n=40, m=2, direction="maximize", predictors=["hyb"], **FAST),
                 Launcher(lambda v: -quadratic(v)))
    assert len(result.picks["hyb"]) == 2
    assert result.best.value == max(t.value for t in result.trials.values()) >= -2


def test_dict_returns_use_the_metric_key():
    result = run(SPACE, Settings(n=10, **FAST), Launcher(lambda v: {"loss": quadratic(v), "acc": 1.0}))
    assert all(t.value == quadratic(SPACE.values(SPACE.codes_from_params(t.params))) for t in result.trials.values())


def test_failed_jobs_are_kept_out_and_diverged_count_as_worst():
    def objective(v):
        if v["opt"] == "c" and v["x"] < 3:
            raise RuntimeError("boom")
        return math.inf if v["x"] == 9 else quadratic(v)

    result = run(SPACE, Settings(n=30, max_failure_rate=0.5, **FAST), Launcher(objective))
    statuses = {t.status for t in result.trials.values()}
    assert {"completed", "diverged"} <= statuses
    failed = [t for t in result.trials.values() if t.status == "failed"]
    assert all(t.error == "boom" for t in failed)
    assert all(math.isfinite(v) for p in result.predictions.values() for v in p.values())


def test_too_many_failures_stop_the_search():
    with pytest.raises(SearchAborted, match="max_failure_rate"):
        run(SPACE, Settings(n=20, max_failure_rate=0.1, **FAST), Launcher(lambda v: 1 / 0 if v["x"] < 5 else 1.0))


def test_a_return_that_is_no_metric_stops_the_search_with_what_came_back():
    with pytest.raises(SearchAborted, match=r"returned 'oops' \(str\); expected a number"):
        run(SPACE, Settings(n=5, **FAST), Launcher(lambda v: "oops"))
    with pytest.raises(SearchAborted, match=r"keys \['acc'\], which has no 'loss'"):
        run(SPACE, Settings(n=5, **FAST), Launcher(lambda v: {"acc": 1.0}))


def test_resume_skips_finished_jobs_and_selects_the_same():
    first = run(SPACE, Settings(n=20, **FAST), Launcher())
    finished = {j: t for j, t in first.trials.items() if j < 13}  # interrupted in phase 1
    launcher = Launcher()
    again = run(SPACE, Settings(n=20, **FAST), launcher, finished)
    assert sorted(launcher.launched) == list(range(13, len(first.trials)))
    assert again.picks == first.picks and again.best.job == first.best.job


@pytest.mark.parametrize("settings, message", [
    (dict(n=1), "at least 2"), (dict(n=0.0), "at least 2"), (dict(n=1.5), r"fraction must lie in \(0,1\)"),
    (dict(n=5000), "only 1200"), (dict(n="x"), "integer >= 2 or a fraction"), (dict(m=0), "m must be"),
    (dict(predictors=["svr", "gp"]), r"unknown \['gp'\]"), (dict(direction="up"), "direction"),
])
def test_bad_settings_are_refused_before_training(settings, message):
    launcher = Launcher()
    with pytest.raises(ConfigError, match=message):
        run(SPACE, Settings(**{**FAST, **settings}), launcher)
    assert launcher.launched == []


def test_fraction_n_rounds_up_to_at_least_two():
    assert Settings(n=0.0001).sample_size(1200) == 2
    assert Settings(n=0.0001).sample_size(746_496) == 75
    assert Settings(n=0.01).sample_size(1200) == 12
