"""A finished search written to a sweep dir in seconds: Algorithm 1 over an in-process quadratic task."""
import atexit
import functools
import math
import shutil
import tempfile
from pathlib import Path

import yaml

from greennas import report
from greennas.search import Result, Settings, run
from greennas.space import Dimension, SearchSpace
from greennas.trials import Trial, trial_from_return


def _dim(key, values):
    return Dimension(key, tuple(values), tuple(map(str, values)))


SPACE = SearchSpace([_dim("x", range(10)), _dim("y", range(10)), _dim("opt", ["a", "b", "c"]),
                     _dim("lr", [0.001, 0.01, 0.1, 1.0])])


def quadratic(v):
    """Minimum 0 at x=7, y=2, opt=a, lr=0.1."""
    return (v["x"] - 7) ** 2 + (v["y"] - 2) ** 2 + {"a": 0, "b": 3, "c": 6}[v["opt"]] + (math.log10(v["lr"]) + 1) ** 2


def launch(jobs):
    """Each job 'takes' 1 + x seconds of wall time and half of that of CPU; x = 9 fails."""
    trials = []
    for job in jobs:
        values, params = SPACE.values(job.codes), SPACE.params(job.codes)
        wall = 1.0 + values["x"]
        if values["x"] == 9:
            trials.append(Trial(job.num, params, "failed", error="x=9 fails", wall_s=wall, cpu_s=wall / 2))
        else:
            trials.append(trial_from_return(job.num, params, quadratic(values), None, wall, wall / 2))
    return trials


def finished_search(sweep_dir: Path, n: int = 30) -> Result:
    """Run the search, write search.yaml as the sweeper does and every report; return the Result."""
    settings = Settings(n=n, m=1, tuning_trials=4, cv_folds=3, max_failure_rate=0.5)
    result = run(SPACE, settings, launch)
    (sweep_dir / "greennas").mkdir(parents=True, exist_ok=True)
    (sweep_dir / "greennas" / "search.yaml").write_text(
        yaml.safe_dump({"space": SPACE.describe(), "seed": settings.seed, "n": n}, sort_keys=False))
    report.write(result, sweep_dir, "loss")
    return result


@functools.cache
def shared_search() -> tuple[Path, Result]:
    """One finished search per test session, for the tests that only read its sweep dir."""
    path = Path(tempfile.mkdtemp(prefix="greennas-searched-"))
    atexit.register(shutil.rmtree, path, True)
    return path, finished_search(path)
