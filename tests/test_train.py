import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import Callback
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from greennas import task

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
TINY = ["trainer.max_epochs=1", "data.train_size=200"]
SWEPT = ["optim.name", "optim.lr", "data.batch_size", "trainer.max_epochs", "data.train_size", "data.noise_std",
         "data.root", "data.download", "data.task", "model.task", "model.metric", "model.direction"]
ARCHITECTURE = {"denoise": ["model.filters", "model.kernels"], "classify": ["model.hidden", "model.activations"]}


def options(group: str) -> list[str]:
    return sorted(path.stem for path in (CONF / group).glob("*.yaml"))


def select(cfg, key: str):
    node = cfg
    for part in key.split("."):
        node = node[part]
    return node


def scalars(run_dir: Path) -> dict[str, list[float]]:
    events = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"images": 1})
    events.Reload()
    return {tag: [event.value for event in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


@pytest.mark.parametrize("model", options("model"))
@pytest.mark.parametrize("data", options("data"))
def test_every_data_and_model_option_composes_with_the_task_following_the_model(compose_config, data, model):
    cfg = compose_config([f"data={data}", f"model={model}"])
    for key in SWEPT + ARCHITECTURE[cfg.model.task]:
        select(cfg, key)  # raises if absent
    assert cfg.data.task == cfg.model.task and cfg.model.direction in ("minimize", "maximize")
    assert len(cfg.model.get("filters", cfg.model.get("hidden"))) == len(cfg.model.get("kernels", cfg.model.get("activations")))


@pytest.mark.parametrize("trainer", options("trainer"))
def test_every_trainer_option_composes(compose_config, trainer):
    cfg = compose_config([f"trainer={trainer}"])
    assert cfg.trainer.max_epochs >= 1 and cfg.trainer.patience >= 1
    assert cfg.trainer.threads is None or cfg.trainer.threads >= 1


def test_threads_setting_is_applied_and_checked(compose_config, monkeypatch):
    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    task.use_threads(compose_config(["trainer.threads=3"]))
    task.use_threads(compose_config(["trainer.threads=null"]))
    assert calls == [3]
    with pytest.raises(ValueError, match="trainer.threads=0"):
        task.use_threads(compose_config(["trainer.threads=0"]))


@pytest.mark.parametrize("name", sorted(path.stem for path in CONF.glob("*.yaml")))
def test_every_top_level_config_composes(compose_config, name):
    cfg = compose_config(name=name)
    for key in SWEPT:
        select(cfg, key)


@pytest.mark.parametrize("experiment", options("experiment"))
def test_every_experiment_composes(compose_config, experiment):
    base = "search" if (CONF / "search.yaml").exists() else "train"
    choices = compose_config(name=base, return_hydra_config=True).hydra.runtime.choices
    prefix = "" if "experiment" in choices else "+"
    cfg = compose_config([f"{prefix}experiment={experiment}"], name=base)
    assert cfg.data.task == cfg.model.task


def test_model_mlp_turns_the_data_into_classification_and_a_mismatch_is_refused(compose_config, tmp_path):
    assert compose_config(["model=mlp"]).data.task == "classify"
    assert compose_config(["model=mlp", "data.task=classify"]).data.task == "classify"
    with pytest.raises(ValueError, match=r"data.task='classify' does not match model.task='denoise'"):
        task.train(compose_config(["data.task=classify"]), tmp_path)


def test_short_denoiser_training_beats_the_noisy_input(compose_config, tmp_path):
    cfg = compose_config(["trainer.max_epochs=3"])
    mse = task.train(cfg, tmp_path)
    assert mse < 0.5 * cfg.data.noise_std**2  # the noisy input itself scores noise_std**2
    logged = scalars(tmp_path)
    assert len(logged["train/loss"]) == len(logged["val/loss"]) == 3
    assert logged["test/mse"][-1] == pytest.approx(mse)


def test_mlp_beats_chance_and_logs_to_the_current_directory_outside_hydra(compose_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    accuracy = task.train(compose_config(["model=mlp", "trainer.max_epochs=3"]))
    assert accuracy > 0.8
    assert scalars(tmp_path)["test/acc"][-1] == pytest.approx(accuracy)


@pytest.mark.parametrize("model", ["denoise_cnn", "mlp"])
def test_a_diverging_run_stops_after_its_first_epoch_and_reports_nan(compose_config, tmp_path, model):
    cfg = compose_config([f"model={model}", "optim.name=sgd", "optim.lr=1e6", "trainer.max_epochs=20"])
    assert math.isnan(task.train(cfg, tmp_path))
    assert len(scalars(tmp_path)["val/loss"]) == 1


class BreakWeights(Callback):
    """Fills the weights with NaN at the start of epoch ``epoch``: a run that diverges late."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if trainer.current_epoch == self.epoch:
            with torch.no_grad():
                for parameter in pl_module.parameters():
                    parameter.fill_(math.nan)


def test_a_late_divergence_stops_and_scores_the_best_finite_weights(compose_config, tmp_path, monkeypatch):
    build_trainer = task.build_trainer

    def with_break(cfg, output_dir):
        trainer = build_trainer(cfg, output_dir)
        trainer.callbacks.append(BreakWeights(epoch=2))
        return trainer

    monkeypatch.setattr(task, "build_trainer", with_break)
    mse = task.train(compose_config(["trainer.max_epochs=20"]), tmp_path)
    val = scalars(tmp_path)["val/loss"]
    assert len(val) == 3 and math.isnan(val[-1])
    assert math.isfinite(mse) and mse < 0.09


def test_seed_makes_a_run_repeatable(compose_config, tmp_path):
    runs = [task.train(compose_config([*TINY, f"seed={seed}"]), tmp_path / str(i)) for i, seed in enumerate([3, 3, 4])]
    assert runs[0] == runs[1] != runs[2]


def test_train_py_prints_the_metric_and_leaves_tensorboard_logs(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "train.py"), *TINY, f"hydra.run.dir={tmp_path}"],
        capture_output=True, text=True, cwd=tmp_path.parent, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    line = re.fullmatch(r"test/mse=(\S+) time=\d+\.\ds", result.stdout.strip())
    assert line, result.stdout
    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    assert {"train/loss", "val/loss", "test/mse"} <= set(events.Tags()["scalars"])
    assert events.Tags()["images"] == ["test/examples"]
    assert "_hparams_/session_start_info" in events.PluginTagToContent("hparams")  # the HParams tab
    assert events.Scalars("test/mse")[-1].value == pytest.approx(float(line.group(1)), rel=1e-3)


def test_an_unknown_metric_name_fails_listing_the_logged_ones():
    trainer = type("Trainer", (), {"callback_metrics": {"test/mse": torch.tensor(0.5), "val/loss": torch.tensor(1.0)}})
    assert task.test_metric(trainer, "test/mse") == 0.5
    with pytest.raises(ValueError, match=r"model.metric='test/acc' was not logged; the model logs \['test/mse'\]"):
        task.test_metric(trainer, "test/acc")
