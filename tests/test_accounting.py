"""Compute accounting: totals equal the sums of the jobs' figures; jobs are metered in the real plugin."""
import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from greennas import accounting
from greennas.energy import Meter
from greennas.search import Job, Result, Settings
from greennas.space import Dimension, SearchSpace
from greennas.trials import Trial

SPACE = SearchSpace([Dimension("x", tuple(range(10)), tuple(map(str, range(10)))),
                     Dimension("y", tuple(range(5)), tuple(map(str, range(5))))])


def _result():
    """Jobs 0-3 sampled, 4-5 predicted; job 3 died without a record; fitting and scoring timed."""
    result = Result(SPACE, Settings(), jobs={}, trials={},
                    phase_costs={"fit": {"wall_s": 3.0, "cpu_s": 5.0}, "score": {"wall_s": 0.5, "cpu_s": 0.25}})
    figures = {0: (10.0, 8.0), 1: (20.0, 16.0), 2: (30.0, 24.0), 3: (None, None), 4: (40.0, 30.0), 5: (50.0, 45.0)}
    for num, (wall, cpu) in figures.items():
        result.jobs[num] = Job(num, "sample" if num < 4 else "predicted", SPACE.codes_of(num))
        result.trials[num] = Trial(num, SPACE.params(SPACE.codes_of(num)), "completed" if wall else "failed",
                                   1.0 if wall else None, wall_s=wall, cpu_s=cpu)
    energy = {num: {"energy_kwh": wall / 1000, "co2_kg": wall / 20000, "hardware": ["RAM()", "CPU(Cpu Load)"],
                    "country_iso_code": "FRA"} for num, (wall, _) in figures.items() if wall}
    return result, energy


def test_totals_are_the_sums_of_the_jobs_figures():
    result, energy = _result()
    accounts = accounting.compute(result, energy)
    sample, predicted = accounts["phases"]["sample"], accounts["phases"]["predicted"]
    assert sample == pytest.approx({"jobs": 4, "wall_s": 60.0, "cpu_s": 48.0, "energy_kwh": 0.06, "co2_kg": 0.003})
    assert predicted == pytest.approx({"jobs": 2, "wall_s": 90.0, "cpu_s": 75.0, "energy_kwh": 0.09, "co2_kg": 0.0045})
    assert accounts["phases"]["fit"] == {"wall_s": 3.0, "cpu_s": 5.0, "energy_kwh": None, "co2_kg": None}
    assert accounts["total"] == pytest.approx({"wall_s": 153.5, "cpu_s": 128.25, "energy_kwh": 0.15, "co2_kg": 0.0075})
    # the exhaustive search: the sample's mean training (jobs 0-2 measured) times the 50 configurations
    assert accounts["mean_training"] == pytest.approx({"wall_s": 20.0, "cpu_s": 16.0, "energy_kwh": 0.02, "co2_kg": 0.001})
    assert accounts["exhaustive"] == pytest.approx({"configurations": 50, "wall_s": 1000.0, "cpu_s": 800.0,
                                                    "energy_kwh": 1.0, "co2_kg": 0.05})
    assert accounts["saving_factor"] == pytest.approx({"wall_s": 1000 / 153.5, "cpu_s": 800 / 128.25, "energy_kwh": 1 / 0.15})
    assert accounts["measurement"]["energy_covers"] == ["sample", "predicted"]
    assert "estimated" in accounts["measurement"]["mode"] and accounts["measurement"]["country_iso_code"] == "FRA"
    lines = "\n".join(accounting.summary(accounts))
    assert "exhaustive search of 50 configurations" in lines and "6.51x wall time" in lines


def test_meter_measures_time_energy_and_says_how():
    with Meter("FRA") as meter:
        sum(i * i for i in range(2_000_000))
    record = meter.record
    assert record["wall_s"] > 0 and record["cpu_s"] > 0 and record["energy_kwh"] > 0 and record["co2_kg"] > 0
    assert any(item.startswith("CPU") for item in record["hardware"]) and record["country_iso_code"] == "FRA"


def test_meter_failure_keeps_the_times(monkeypatch):
    import codecarbon

    def broken(**kwargs):
        raise RuntimeError("no meters here")

    monkeypatch.setattr(codecarbon, "OfflineEmissionsTracker", broken)
    with Meter() as meter:
        pass
    assert meter.record["wall_s"] >= 0 and meter.record["energy_kwh"] is None
    assert "no meters here" in meter.record["energy_error"]


def test_plugin_meters_every_job_and_reports_the_totals(tmp_path):
    app = Path(__file__).parent / "apps" / "quadratic.py"
    proc = subprocess.run([sys.executable, str(app), "-m", f"hydra.sweep.dir={tmp_path}", "hydra.sweeper.n=10",
                           "hydra.sweeper.tuning_trials=4", "hydra.sweeper.cv_folds=3", "fail_when_x=3",
                           "hydra.sweeper.max_failure_rate=0.5"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(tmp_path / "greennas" / "trials.csv") as stream:
        trials = list(csv.DictReader(stream))
    journal = [json.loads(line) for line in (tmp_path / "greennas" / "journal.jsonl").read_text().splitlines()]
    assert sorted(r["job"] for r in journal if r["energy"]["energy_kwh"] > 0) == [int(t["job"]) for t in trials]
    compute = yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())["compute"]
    for phase in ("sample", "predicted"):
        rows = [t for t in trials if t["phase"] == phase]
        assert compute["phases"][phase]["jobs"] == len(rows)
        for figure in ("wall_s", "cpu_s", "energy_kwh", "co2_kg"):
            assert compute["phases"][phase][figure] == pytest.approx(math.fsum(float(t[figure]) for t in rows))
    assert all(float(t["energy_kwh"]) > 0 for t in trials)  # failed jobs (x=3) are metered too
    assert compute["exhaustive"]["configurations"] == 1200 and compute["measurement"]["hardware"]
    log = proc.stderr + proc.stdout
    assert "GreenNAS compute, total" in log and "exhaustive search of 1,200 configurations" in log
