"""Time one epoch of the Lightning denoiser against a plain PyTorch loop doing the same work.

Both sides train the same network (same config, fresh weights) with the same optimizer on the same
in-memory batches, and evaluate the validation split once per epoch. The Lightning side is the
Trainer of ``greennas.task`` (early stopping, checkpointing, TensorBoard logging included); its
epochs are timed from ``on_train_epoch_start`` to ``on_train_epoch_end`` and a plain epoch runs
right after each one, so the two alternate under the same machine load. The first epoch of each is
a warm-up and is not counted. On a shared machine, read the paired-median ratio and the minima
(interference only adds time).

    python benchmarks/bench_epoch.py [--epochs 12] [override ...]   # e.g. trainer.threads=2
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from lightning.pytorch.callbacks import Callback

from greennas import task

CONF = Path(__file__).resolve().parents[1] / "conf"


def plain_epoch(model, optimizer, data) -> float:
    """One epoch in plain PyTorch: train over the train batches, then the mean validation loss."""
    model.train()
    for x, y in data.train_dataloader():
        optimizer.zero_grad()
        model.loss(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        losses = [(model.loss(model(x), y) * len(x), len(x)) for x, y in data.val_dataloader()]
    return float(sum(loss for loss, _ in losses) / sum(n for _, n in losses))


class Interleave(Callback):
    """Times each Lightning epoch, then runs and times one plain epoch."""

    def __init__(self, plain_model, data) -> None:
        self.plain_model, self.data = plain_model, data
        self.optimizer = plain_model.configure_optimizers()
        self.lightning, self.plain = [], []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.lightning.append(time.perf_counter() - self.start)
        start = time.perf_counter()
        plain_epoch(self.plain_model, self.optimizer, self.data)
        self.plain.append(time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12, help="epochs of each, the first one a warm-up")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of conf/train.yaml")
    args = parser.parse_args()
    overrides = [f"trainer.max_epochs={args.epochs}", "trainer.patience=1000", *args.overrides]
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("train", overrides=overrides)

    task.use_threads(cfg)
    data = task.build_data(cfg)
    model, plain_model = (task.build_model(cfg, data.image_shape) for _ in range(2))
    interleave = Interleave(plain_model, data)
    with tempfile.TemporaryDirectory() as output_dir:
        trainer = task.build_trainer(cfg, Path(output_dir))
        trainer.callbacks.append(interleave)
        trainer.fit(model, datamodule=data)

    lightning, plain = interleave.lightning[1:], interleave.plain[1:]
    paired = statistics.median(a / b for a, b in zip(lightning, plain))
    print(f"model={cfg.model.name} data={cfg.data.name} batch_size={cfg.data.batch_size} "
          f"train batches={len(data.train_dataloader())} threads={torch.get_num_threads()}")
    print("epoch seconds  lightning " + " ".join(f"{t:.3f}" for t in lightning))
    print("               plain     " + " ".join(f"{t:.3f}" for t in plain))
    print(f"median         lightning {statistics.median(lightning):.3f}s  plain {statistics.median(plain):.3f}s")
    print(f"minimum        lightning {min(lightning):.3f}s  plain {min(plain):.3f}s  ratio {min(lightning) / min(plain):.2f}")
    print(f"ratio lightning/plain (median over paired epochs): {paired:.2f}")

if __name__ == "__main__":
    main()
