"""Train and test one configuration: the unit of work that ``train.py`` runs and a sweep launches.

The config is ``conf/train.yaml`` composed: ``data``, ``model``, ``trainer``, ``optim`` and ``seed``.
The model config says what it is for (``task``, ``metric``, ``direction``); the data config's task
follows it through ``task: ${model.task}``, and an explicit mismatch is refused here.
"""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping
from lightning.pytorch.loggers import TensorBoardLogger
from omegaconf import DictConfig, OmegaConf

from greennas.data import ImageDataModule
from greennas.models import DenoiseCNN, ImageModel, MLPClassifier


def train(cfg: DictConfig, output_dir: str | Path | None = None) -> float:
    """Fit the configured model, test its best-validation weights and return the test metric
    (``cfg.model.metric``) as a float: NaN only when no epoch had a finite validation loss.

    TensorBoard logs go to ``<output_dir>/tensorboard``; ``output_dir`` defaults to Hydra's job
    directory, or the current directory outside Hydra.
    """
    check_task(cfg)
    output_dir = _output_dir(output_dir)
    use_threads(cfg)
    L.seed_everything(cfg.seed, verbose=False)

    data = build_data(cfg)
    model = build_model(cfg, data.image_shape)

    trainer = build_trainer(cfg, output_dir)
    trainer.fit(model, datamodule=data)
    trainer.test(model, datamodule=data, verbose=False)
    return test_metric(trainer, cfg.model.metric)


def check_task(cfg: DictConfig) -> None:
    """Refuse data prepared for another task than the model's, naming both settings."""
    if cfg.data.task != cfg.model.task:
        raise ValueError(
            f"data.task={cfg.data.task!r} does not match model.task={cfg.model.task!r} (model {cfg.model.name!r}):"
            " pick a model for that task (e.g. model=mlp for classify, model=denoise_cnn for denoise)"
            " and leave data.task to follow it"
        )


def use_threads(cfg: DictConfig) -> None:
    """Set torch's CPU threads to ``trainer.threads`` (null keeps torch's default)."""
    threads = cfg.trainer.threads
    if threads is not None:
        if threads < 1:
            raise ValueError(f"trainer.threads={threads} must be null (torch's default) or at least 1")
        torch.set_num_threads(threads)


def build_data(cfg: DictConfig) -> ImageDataModule:
    """The configured data module, downloaded if asked and set up (the MLP's width is the image size)."""
    data = ImageDataModule(**OmegaConf.to_container(cfg.data, resolve=True))
    data.prepare_data()
    data.setup("fit")
    return data


def build_model(cfg: DictConfig, image_shape: tuple[int, ...]) -> ImageModel:
    """The LightningModule named by ``model.name`` with the ``optim`` settings."""
    spec, optim = cfg.model, cfg.optim
    if spec.name == "denoise_cnn":
        return DenoiseCNN(list(spec.filters), list(spec.kernels), optim.name, optim.lr)
    if spec.name == "mlp":
        return MLPClassifier(image_shape, list(spec.hidden), list(spec.activations), optim.name, optim.lr)
    raise ValueError(f"model.name={spec.name!r} is not one of ('denoise_cnn', 'mlp')")


def build_trainer(cfg: DictConfig, output_dir: Path) -> L.Trainer:
    """A quiet Trainer with early stopping (patience, non-finite val/loss), best-val weights restored
    after fitting, TensorBoard logging to ``<output_dir>/tensorboard`` and the test summary."""
    _quiet_lightning()
    return L.Trainer(
        max_epochs=cfg.trainer.max_epochs,
        accelerator=cfg.trainer.accelerator,
        devices=cfg.trainer.devices,
        logger=TensorBoardLogger(output_dir, name="tensorboard", version="", default_hp_metric=False),
        callbacks=[
            EarlyStopping(monitor="val/loss", patience=cfg.trainer.patience, check_finite=True),
            BestWeights("val/loss"),
            RunSummary(flat_params(cfg) if cfg.trainer.log_hparams else None, cfg.model.metric),
        ],
        default_root_dir=output_dir,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )


class BestWeights(Callback):
    """Keeps in memory the weights of the epoch with the lowest finite ``monitor`` and restores them
    when fitting ends, so a run that diverges late is scored on its best epoch (and one that never
    had a finite epoch on its last weights, giving NaN). ``ModelCheckpoint`` does this through the
    disk at ~15% of a digits epoch; a sweep needs only the score, not the files."""

    def __init__(self, monitor: str) -> None:
        self.monitor, self.best, self.weights = monitor, math.inf, None

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        value = float(trainer.callback_metrics.get(self.monitor, math.nan))
        if value < self.best:  # False for NaN
            self.best = value
            self.weights = {name: tensor.detach().clone() for name, tensor in pl_module.state_dict().items()}

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self.weights is not None:
            pl_module.load_state_dict(self.weights)


class RunSummary(Callback):
    """At the end of testing, logs the run's hyperparameters with its test metric (TensorBoard's
    HParams tab compares runs by them; ``params=None`` leaves that to a sweeper) and the model's
    figure of test examples."""

    def __init__(self, params: dict[str, object] | None, metric: str) -> None:
        self.params, self.metric = params, metric

    def on_test_end(self, trainer: L.Trainer, pl_module: ImageModel) -> None:
        step = trainer.global_step
        if self.params is not None:
            trainer.logger.log_hyperparams(self.params, {self.metric: test_metric(trainer, self.metric)}, step=step)
        figure = pl_module.example_figure(*trainer.datamodule.test_set.tensors)
        trainer.logger.experiment.add_figure("test/examples", figure, step)


def test_metric(trainer: L.Trainer, name: str) -> float:
    """The logged test metric ``name`` as a float; an unknown name fails listing the logged ones."""
    if name not in trainer.callback_metrics:
        logged = sorted(key for key in trainer.callback_metrics if key.startswith("test/"))
        raise ValueError(f"model.metric={name!r} was not logged; the model logs {logged}")
    return float(trainer.callback_metrics[name])


def flat_params(cfg: DictConfig) -> dict[str, object]:
    """The config as flat ``{override key: value}`` (``model.filters.0``: 8), as a sweep names them."""

    def walk(node, prefix):
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, (dict, list)):
                yield from walk(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", value

    return dict(walk(OmegaConf.to_container(cfg, resolve=True), ""))


def _output_dir(output_dir: str | Path | None) -> Path:
    if output_dir is not None:
        return Path(output_dir)
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    return Path.cwd()


def _quiet_lightning() -> None:
    """Keep a sweep's output readable: drop Lightning's start-up banners and the hints that do not
    apply here (in-memory tensors need no loader workers; losses are logged per epoch, not per step)."""
    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=r".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=r".*smaller than the logging interval.*")
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)` is deprecated.*")
