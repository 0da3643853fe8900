"""TensorBoard: read the sweep dir back with TensorBoard's own reader and compare with trials.csv."""
import csv

import pytest
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins.hparams import metadata
from tensorboard.util import tensor_util

from greennas.tensorboard_log import short_keys
from searched import shared_search


@pytest.fixture(scope="module")
def board():
    sweep_dir = shared_search()[0]
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(sweep_dir))  # as `tensorboard --logdir <sweep dir>` does
    multiplexer.Reload()
    with open(sweep_dir / "greennas" / "trials.csv") as stream:
        return multiplexer, list(csv.DictReader(stream))


def _scalar(multiplexer, run, tag):
    return float(tensor_util.make_ndarray(multiplexer.Tensors(run, tag)[-1].tensor_proto))


def _sessions(multiplexer):
    content = multiplexer.PluginRunToTagToContent(metadata.PLUGIN_NAME)
    return {run: metadata.parse_session_start_info_plugin_data(tags[metadata.SESSION_START_INFO_TAG])
            for run, tags in content.items() if metadata.SESSION_START_INFO_TAG in tags}


def _value(hparam):
    return hparam.string_value if hparam.HasField("string_value") else hparam.number_value


def test_hparams_rows_match_trials_csv(board):
    multiplexer, trials = board
    sessions = _sessions(multiplexer)
    assert len(sessions) == len(trials)  # one row per trained configuration, failed ones included
    by_job = {int(run.split("/")[-1].split("_")[0]): run for run in sessions}
    assert sorted(by_job) == [int(t["job"]) for t in trials]
    for trial in trials:
        run = by_job[int(trial["job"])]
        hparams = {key: _value(value) for key, value in sessions[run].hparams.items()}
        assert hparams.pop("phase") == trial["phase"] and hparams.pop("status") == trial["status"]
        assert hparams == {"x": float(trial["x"]), "y": float(trial["y"]), "opt": trial["opt"], "lr": float(trial["lr"])}
        tags = multiplexer.Runs()[run]["tensors"]
        if trial["value"]:
            assert _scalar(multiplexer, run, "greennas/value") == pytest.approx(float(trial["value"]), rel=1e-6)
        else:
            assert "greennas/value" not in tags
        for name in ("svr", "rf", "hyb"):
            assert _scalar(multiplexer, run, f"greennas/predicted/{name}") == pytest.approx(float(trial[f"pred_{name}"]), rel=1e-6)
        assert _scalar(multiplexer, run, "greennas/wall_s") == pytest.approx(float(trial["wall_s"]))


def test_runs_are_named_by_job_phase_and_parameters(board):
    multiplexer, trials = board
    names = {run.split("/")[-1] for run in _sessions(multiplexer)}
    assert "00_sample_x=6,y=5,opt=c,lr=0.001" in names
    assert {f"{int(t['job']):02d}_{t['phase']}_x={t['x']},y={t['y']},opt={t['opt']},lr={t['lr']}" for t in trials} == names


def test_search_run_declares_the_columns_and_holds_compute_and_plots(board):
    multiplexer, _ = board
    content = multiplexer.PluginRunToTagToContent(metadata.PLUGIN_NAME)["greennas/tensorboard/search"]
    experiment = metadata.parse_experiment_plugin_data(content[metadata.EXPERIMENT_TAG])
    assert [h.name for h in experiment.hparam_infos] == ["x", "y", "opt", "lr", "phase", "status"]
    metrics = [m.name.tag for m in experiment.metric_infos]
    assert metrics[:4] == ["greennas/value", "greennas/predicted/svr", "greennas/predicted/rf", "greennas/predicted/hyb"]
    assert {"greennas/wall_s", "greennas/energy_kwh"} <= set(metrics)
    tags = multiplexer.Runs()["greennas/tensorboard/search"]["tensors"]
    assert "greennas/compute/text_summary" in tags and "greennas/plots/picks" in tags


def test_short_keys_keep_keys_apart():
    assert short_keys(["optim.lr", "model.filters.0", "model.filters.1", "data.batch_size"]) == {
        "optim.lr": "lr", "model.filters.0": "filters.0", "model.filters.1": "filters.1", "data.batch_size": "batch_size"}
    assert short_keys(["encoder.width", "decoder.width"]) == {"encoder.width": "encoder.width", "decoder.width": "decoder.width"}
