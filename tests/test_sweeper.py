"""The Hydra plugin: discovery, and real multiruns of a cheap analytic app in a subprocess."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper

APP = Path(__file__).parent / "apps" / "quadratic.py"
FAST = ["hydra.sweeper.tuning_trials=4", "hydra.sweeper.cv_folds=3"]


def multirun(sweep_dir, *overrides, check=True):
    flags = [o for o in overrides if o.startswith("--")]  # argparse wants options before the overrides
    cmd = [sys.executable, str(APP), *flags, "-m", f"hydra.sweep.dir={sweep_dir}", *FAST,
           *(o for o in overrides if not o.startswith("--"))]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def read_trials(sweep_dir):
    with open(Path(sweep_dir) / "greennas" / "trials.csv") as stream:
        return list(csv.DictReader(stream))


def test_plugin_is_discovered():
    names = [p.__name__ for p in Plugins.instance().discover(Sweeper)]
    assert "GreenNASSweeper" in names


def test_multirun_trains_n_plus_picks_and_reports_consistently(tmp_path):
    proc = multirun(tmp_path)
    results = yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())
    trials = read_trials(tmp_path)
    n = 40
    assert n < len(trials) <= n + 3
    assert [int(t["job"]) for t in trials] == list(range(len(trials)))
    assert {t["phase"] for t in trials[:n]} == {"sample"} and {t["phase"] for t in trials[n:]} == {"predicted"}
    assert all((tmp_path / t["job"]).is_dir() for t in trials)  # one Hydra job dir each
    assert results["name"] == "greennas" and results["trainings"]["total"] == len(trials)
    best = min(trials, key=lambda t: float(t["value"]))
    assert results["best_value"] == float(best["value"]) and results["best_job"] == int(best["job"])
    assert {k: str(v) for k, v in results["best_params"].items()} == {k: best[k] for k in ("x", "y", "opt", "lr")}
    for name in ("svr", "rf", "hyb"):
        pick = results["predictors"][name]
        row = trials[pick["job"]]
        assert row["phase"] == "predicted" and float(row["value"]) == pick["actual"]
        assert float(row[f"pred_{name}"]) == pytest.approx(pick["predicted"])
    # on this learnable function the picks land near the grid's optimum (0; the grid's median is ~35)
    assert min(results["predictors"][n]["actual"] for n in ("svr", "rf", "hyb")) <= 2
    predictors = yaml.safe_load((tmp_path / "greennas" / "predictors.yaml").read_text())
    assert set(predictors["predictors"]) == {"svr", "rf", "hyb"}
    assert predictors["predictors"]["svr"]["settings"]["C"] in (0.1, 1, 5, 10, 50, 100)
    with open(tmp_path / "greennas" / "top_predicted.csv") as stream:
        top = list(csv.DictReader(stream))
    assert len(top) == 3 * 75 and top[0]["rank"] == "1"
    assert (tmp_path / "multirun.yaml").exists()
    log = proc.stderr + proc.stdout
    assert "GreenNAS: 4" in log  # the closing summary names the trainings used
    assert "sample 1/40 done" in log and "sample 40/40 done, predicted 1 done" in log  # progress per job


def test_command_line_sweeps_win_and_joblib_launcher_runs_it(tmp_path):
    multirun(tmp_path, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "x=choice(6,7)", "y=2",
             "hydra.sweeper.n=6", "hydra.sweeper.predictors=[hyb]")
    trials = read_trials(tmp_path)
    assert {t["x"] for t in trials} <= {"6", "7"} and "y" not in trials[0]
    assert 6 < len(trials) <= 7


def test_failed_jobs_are_recorded_and_the_search_goes_on(tmp_path):
    multirun(tmp_path, "fail_when_x=3", "hydra.sweeper.max_failure_rate=0.5")
    trials = read_trials(tmp_path)
    failed = [t for t in trials if t["status"] == "failed"]
    assert failed and all(t["x"] == "3" and "fails on purpose" in t["error"] for t in failed)
    assert all(t["x"] != "3" for t in trials if t["status"] == "completed")


def test_metric_key_is_read_from_dict_returns(tmp_path):
    multirun(tmp_path, "as_dict=true", "hydra.sweeper.metric=loss", "hydra.sweeper.n=10")
    assert yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())["best_value"] >= 0
