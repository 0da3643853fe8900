"""The predictor-quality study: its statistics against a hand computation, and the command on a sweep dir."""
import math
import subprocess
import sys

import numpy as np
import pytest
import yaml

from greennas.quality import space_from_description, study
from greennas.space import Dimension, SearchSpace
from searched import shared_search


def test_study_matches_a_hand_computation():
    y = np.array([1.0, 2, 3, 4, 5, 6])
    p = np.array([1.0, 3, 2, 4, 5, 9])  # a fake predictor: these predictions, whatever it is fitted on
    splits = [(np.array([3, 4, 5]), np.array([0, 1, 2])), (np.array([0, 1, 2]), np.array([3, 4, 5]))]
    figures = study(y, splits, lambda train, test: {"fake": p[test]})["fake"]
    # split 1: p = 1,3,2 for y = 1,2,3: errors 0,1,-1, RMSE sqrt(2/3); rank differences 0,1,-1 so
    # Spearman 1 - 6*2/(3*(9-1)) = 0.5; pairs (1,2) (1,3) concordant, (2,3) discordant: Kendall 1/3.
    # split 2: p = 4,5,9 for y = 4,5,6: errors 0,0,3, RMSE sqrt(3); same order: Spearman 1, Kendall 1.
    rmse = [math.sqrt(2 / 3), math.sqrt(3)]
    assert figures["splits"] == 2 and figures["undefined"] == 0
    assert figures["rmse_mean"] == pytest.approx(sum(rmse) / 2)
    assert figures["rmse_std"] == pytest.approx((rmse[1] - rmse[0]) / 2)
    assert figures["spearman_mean"] == pytest.approx(0.75) and figures["spearman_std"] == pytest.approx(0.25)
    assert figures["kendall_mean"] == pytest.approx(2 / 3) and figures["kendall_std"] == pytest.approx(1 / 3)


def test_constant_predictions_have_no_rank_correlation_and_are_counted():
    y = np.array([1.0, 2, 3, 4])
    splits = [(np.array([0, 1]), np.array([2, 3])), (np.array([2, 3]), np.array([0, 1]))]
    predict = lambda train, test: {"flat": np.where(test < 2, 0.0, 3.0 + test)}  # flat on the 2nd split
    figures = study(y, splits, predict)["flat"]
    assert figures["undefined"] == 1 and figures["spearman_mean"] == pytest.approx(1.0)


def test_space_is_rebuilt_from_its_description():
    space = SearchSpace([Dimension("lr", (1e-05, 0.001, 0.1), ("1e-05", "0.001", "0.1"), log=True),
                         Dimension("opt", ("adam", "sgd"), ("adam", "sgd")),
                         Dimension("flag", (True, False), ("true", "false")),
                         Dimension("width", (64, 128, 256), ("64", "128", "256"))])
    rebuilt = space_from_description(yaml.safe_load(yaml.safe_dump(space.describe())))
    assert rebuilt.describe() == space.describe() and rebuilt.feature_names == space.feature_names
    codes = np.array([space.codes_of(i) for i in range(space.size)])
    assert np.array_equal(rebuilt.encode(codes), space.encode(codes))


@pytest.fixture
def sweep_dir():
    return shared_search()[0]


def test_command_writes_the_study_of_the_sample(sweep_dir):
    proc = subprocess.run([sys.executable, "-m", "greennas.quality", str(sweep_dir), "--splits", "20", "--jobs", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = yaml.safe_load((sweep_dir / "greennas" / "quality.yaml").read_text())
    # the sample's trainings that completed (x=9 fails), as the predictors were fitted on
    trials = [line.split(",") for line in (sweep_dir / "greennas" / "trials.csv").read_text().splitlines()[1:]]
    assert out["sample"] == sum(t[1] == "sample" and t[7] == "completed" for t in trials)
    assert set(out["predictors"]) == {"svr", "rf", "hyb"} and out["splits"] == 20
    for figures in out["predictors"].values():
        assert figures["splits"] == 20 and figures["rmse_mean"] > 0 and -1 <= figures["kendall_mean"] <= 1
    # on this learnable function the forest orders held-out configurations well
    assert out["predictors"]["rf"]["spearman_mean"] > 0.5
    assert "RMSE" in proc.stdout and "Spearman" in proc.stdout and "hyb" in proc.stdout
