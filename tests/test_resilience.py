"""A search that survives: SIGKILL and resume, parallel and cluster launchers, bad input."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from test_sweeper import APP, FAST, multirun, read_trials

SEARCH = ["hydra.sweeper.n=10", "hydra.sweeper.m=2"]


def journal_lines(sweep_dir):
    path = Path(sweep_dir) / "greennas" / "journal.jsonl"
    return path.read_text().splitlines() if path.exists() else []


def kill_when(sweep_dir, lines, *overrides):
    """Start a search of slow jobs and SIGKILL it once the journal holds `lines` records."""
    cmd = [sys.executable, str(APP), "-m", f"hydra.sweep.dir={sweep_dir}", *FAST, *SEARCH, "sleep=0.4", *overrides]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while len(journal_lines(sweep_dir)) < lines:
        assert proc.poll() is None and time.time() < deadline, "the search ended before it could be killed"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return journal_lines(sweep_dir)


def outcome(sweep_dir):
    results = yaml.safe_load((Path(sweep_dir) / "optimization_results.yaml").read_text())
    return results["best_params"], {name: p["params"] for name, p in results["predictors"].items()}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    sweep_dir = tmp_path_factory.mktemp("uninterrupted")
    multirun(sweep_dir, *SEARCH)
    return outcome(sweep_dir), len(read_trials(sweep_dir))


@pytest.mark.parametrize("kill_after", [4, 11], ids=["in-phase-1", "in-phase-4"])
def test_sigkill_then_resume_loses_nothing_and_selects_the_same(tmp_path, uninterrupted, kill_after):
    before = kill_when(tmp_path, kill_after)
    assert len(before) >= kill_after
    multirun(tmp_path, *SEARCH, "hydra.sweeper.resume=true")
    after = journal_lines(tmp_path)
    assert after[: len(before)] == before  # appended to, never rewritten
    jobs = [json.loads(line)["job"] for line in after]
    assert sorted(jobs) == list(range(len(jobs)))  # each job trained exactly once over both runs
    (expected, total) = uninterrupted
    assert outcome(tmp_path) == expected and len(read_trials(tmp_path)) == total


def test_resuming_a_finished_search_only_rewrites_results(tmp_path):
    multirun(tmp_path, *SEARCH)
    journal = journal_lines(tmp_path)
    (tmp_path / "optimization_results.yaml").unlink()
    multirun(tmp_path, *SEARCH, "hydra.sweeper.resume=true")
    assert journal_lines(tmp_path) == journal and (tmp_path / "optimization_results.yaml").exists()


@pytest.mark.parametrize("change, what", [("hydra.sweeper.seed=1", "seed"), ("x=choice(1,2,3)", "space")])
def test_resume_refuses_a_different_search(tmp_path, change, what):
    multirun(tmp_path, "hydra.sweeper.n=4", "hydra.sweeper.m=1")
    proc = multirun(tmp_path, "hydra.sweeper.n=4", "hydra.sweeper.m=1", "hydra.sweeper.resume=true", change, check=False)
    assert proc.returncode != 0 and f"different {what}" in proc.stderr


def test_a_second_search_into_the_same_dir_needs_resume(tmp_path):
    multirun(tmp_path, "hydra.sweeper.n=4")
    proc = multirun(tmp_path, "hydra.sweeper.n=4", check=False)
    assert proc.returncode != 0 and "hydra.sweeper.resume=true" in proc.stderr


def test_a_wrong_metric_name_can_be_fixed_by_resuming(tmp_path):
    proc = multirun(tmp_path, "as_dict=true", "hydra.sweeper.metric=los", "hydra.sweeper.n=5", check=False)
    assert proc.returncode != 0 and "no 'los'" in proc.stderr
    multirun(tmp_path, "as_dict=true", "hydra.sweeper.metric=loss", "hydra.sweeper.n=5", "hydra.sweeper.resume=true")
    assert len(journal_lines(tmp_path)) == len(read_trials(tmp_path))  # the first 5 were not trained again


@pytest.mark.parametrize("launcher", [
    ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    ["hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5"],
], ids=["joblib", "submitit_local"])
def test_full_search_through_parallel_and_cluster_launchers(tmp_path, launcher):
    multirun(tmp_path, *launcher, "hydra.sweeper.n=6", "hydra.sweeper.m=1")
    trials = read_trials(tmp_path)
    assert 6 < len(trials) <= 9 and all(t["status"] == "completed" for t in trials)
    assert all(float(t["wall_s"]) >= 0 for t in trials)  # timed inside each job's own process
    assert len(journal_lines(tmp_path)) == len(trials)


def job_dirs(sweep_dir):
    return [p for p in Path(sweep_dir).iterdir() if p.name.isdigit()] if Path(sweep_dir).exists() else []


@pytest.mark.parametrize("overrides, message", [
    (["hydra.sweeper.n=1"], "hydra.sweeper.n=1: the initial sample needs at least 2"),
    (["hydra.sweeper.n=5000"], "hydra.sweeper.n=5000 asks for 5000 configurations but the space has only 1200"),
    (["hydra.sweeper.n=1.5"], "a fraction must lie in (0,1)"),
    (["hydra.sweeper.m=0"], "hydra.sweeper.m must be an integer >= 1"),
    (["hydra.sweeper.predictors=[svr,gp]"], "unknown ['gp']; allowed: ['svr', 'rf', 'hyb']"),
    (["hydra.sweeper.direction=up"], "hydra.sweeper.direction must be 'minimize' or 'maximize'"),
    (["hydra.sweeper.target=sqrt"], "hydra.sweeper.target must be one of ['auto', 'raw', 'log']"),
    (["--config-name=quadratic_base"], "the search space is empty"),
    (["--config-name=quadratic_base", "x=choice(1)"], "single configuration"),
    (["nosuch=choice(1,2)"], "Could not override 'nosuch'"),
    (["x=interval(5,1)"], "interval(5.0, 1.0) needs start < end"),
    (["x=range(5,1)"], "has no values"),
])
def test_bad_input_names_the_setting_and_trains_nothing(tmp_path, overrides, message):
    proc = multirun(tmp_path, *overrides, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 4  # one message, no wall of text
    assert job_dirs(tmp_path) == []


def test_a_key_added_with_plus_is_searched(tmp_path):
    multirun(tmp_path, "+extra=choice(1,2)", "hydra.sweeper.n=4", "hydra.sweeper.m=1")
    assert {t["extra"] for t in read_trials(tmp_path)} <= {"1", "2"}
