"""The paper's figures: produced as valid PNGs of sensible size, readable with many parameters."""
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from greennas import plots
from greennas.scoring import Ranking, Scored
from greennas.search import Result, Settings, run
from greennas.space import Dimension, SearchSpace
from searched import SPACE, shared_search
from searched import launch as searched_launch

EXPECTED = {"top_svr", "top_rf", "top_hyb", "predicted_vs_actual", "picks", "rf_importances", "rf_tree"}


@pytest.fixture
def searched():
    return shared_search()


def test_every_figure_is_a_valid_png_of_sensible_size(searched):
    sweep_dir, _ = searched
    files = {p.stem: p for p in (sweep_dir / "greennas" / "plots").iterdir()}
    assert set(files) == EXPECTED and all(p.suffix == ".png" for p in files.values())
    for path in files.values():
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            width, height = image.size
            assert image.format == "PNG" and 400 <= width <= 3000 and 300 <= height <= 3000, (path.name, image.size)
            assert np.asarray(image.convert("L")).std() > 10  # something is drawn, not a blank canvas


def test_sample_predictions_are_the_tuning_cross_validation(searched):
    """Figure 8's sample points are held-out predictions from the tuning's own folds: same RMSE."""
    _, result = searched
    y, predicted = plots.cross_validated(result)
    for name, values in predicted.items():
        assert np.sqrt(np.mean((values - y) ** 2)) == pytest.approx(result.predictors.tuned[name].cv_rmse)


def test_cross_validation_on_the_log_scale_is_reported_in_the_metric_units():
    def shifted(jobs):  # positive: the quadratic plus one
        return [replace(t, value=t.value + 1) if t.value is not None else t for t in searched_launch(jobs)]

    result = run(SPACE, Settings(n=30, m=1, tuning_trials=4, cv_folds=3, max_failure_rate=0.5, target="log"), shifted)
    assert result.predictors.scale == "log"
    y, predicted = plots.cross_validated(result)
    for name, values in predicted.items():
        assert (values > 0).all()
        assert np.sqrt(np.mean((values - y) ** 2)) == pytest.approx(result.predictors.tuned[name].cv_rmse)


def _ranked(n_params):
    """A Result holding only an SVR ranking of 75 configurations over `n_params` parameters of 4 values."""
    space = SearchSpace([Dimension(f"model.layer.{i}", (1, 4, 8, 16), ("1", "4", "8", "16")) for i in range(n_params)])
    codes = np.random.default_rng(0).integers(0, 4, size=(75, n_params))
    return Result(space, Settings(), jobs={}, trials={}, scored=Scored({"svr": Ranking(codes, np.zeros(75))}, True, 75))


def test_top_distribution_grid_grows_with_the_number_of_parameters():
    small, large = plots.top_distribution(_ranked(4), "svr"), plots.top_distribution(_ranked(11), "svr")
    assert large.get_size_inches()[1] > 2 * small.get_size_inches()[1]
    assert large.get_size_inches()[0] == pytest.approx(small.get_size_inches()[0])  # at most 4 charts a row
    assert sum(ax.get_visible() for ax in large.axes) == 11


def test_tree_splits_are_written_in_the_searched_values():
    space = SearchSpace([Dimension("lr", (0.1, 0.001, 0.01), ("0.1", "0.001", "0.01"), log=True),
                         Dimension("opt", ("adam", "sgd", "momentum"), ("adam", "sgd", "momentum"))])
    text = plots._split_text(space)
    lr = space.encode(np.array([[0, 0], [1, 0], [2, 0]]))[:, 0]  # 0.1 -> 1, 0.001 -> 0, 0.01 -> 0.5
    assert text(0, (lr[1] + lr[2]) / 2) == "lr <= 0.001" and text(0, (lr[2] + lr[0]) / 2) == "lr <= 0.01"
    assert text(1 + 1, 0.5) == "opt != sgd"  # feature 2 is the one-hot column opt=sgd
