"""The two networks of the paper as LightningModules: a denoising CNN (section 4) and an MLP classifier (4.2).

Both log ``train/loss`` and ``val/loss`` once per epoch and their test metrics under ``test/``, build
their optimizer from a name (``sgd``, ``momentum`` = SGD with momentum 0.9, ``adam``) and a learning
rate, and draw a figure of test examples for TensorBoard (``example_figure``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import lightning as L
import torch
import torch.nn.functional as F
from torch import nn

OPTIMIZERS = ("sgd", "momentum", "adam")
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class ImageModel(L.LightningModule):
    """Shared training loop: subclasses provide ``net``, ``loss`` and ``test_metrics``."""

    net: nn.Module

    def __init__(self, optimizer: str, lr: float) -> None:
        super().__init__()
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optim.name={optimizer!r} is not one of {OPTIMIZERS}")
        if not lr > 0:
            raise ValueError(f"optim.lr={lr} must be positive")
        self.optimizer, self.lr = optimizer, lr

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def test_metrics(self, output: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    # The epoch's mean training loss is summed here and logged once per epoch: a per-step
    # ``self.log(..., on_epoch=True)`` costs about 0.3 ms a step, a quarter of a small model's step.
    def on_train_epoch_start(self) -> None:
        self._loss_sum, self._loss_count = 0.0, 0

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = self.loss(self(x), y)
        self._loss_sum, self._loss_count = self._loss_sum + loss.detach() * len(x), self._loss_count + len(x)
        return loss

    def on_train_epoch_end(self) -> None:
        self.log("train/loss", self._loss_sum / self._loss_count)

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        x, y = batch
        self.log("val/loss", self.loss(self(x), y), batch_size=len(x))

    def test_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        x, y = batch
        self.log_dict(self.test_metrics(self(x), y), batch_size=len(x))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        if self.optimizer == "adam":
            return torch.optim.Adam(self.parameters(), lr=self.lr)
        momentum = 0.9 if self.optimizer == "momentum" else 0.0
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=momentum)


class DenoiseCNN(ImageModel):
    """Same-padded convolutions (``filters[i]`` channels, ``kernels[i]`` wide) with ReLU, then a 3x3
    convolution back to one channel; trained and scored by the MSE against the clean image."""

    def __init__(
        self, filters: Sequence[int], kernels: Sequence[int], optimizer: str = "adam", lr: float = 1e-3
    ) -> None:
        super().__init__(optimizer, lr)
        if not filters or len(filters) != len(kernels):
            raise ValueError(
                f"model.filters={list(filters)} and model.kernels={list(kernels)} need one entry per conv layer"
                " (same, non-zero length)"
            )
        self.save_hyperparameters()
        layers: list[nn.Module] = []
        channels = 1
        for width, kernel in zip(filters, kernels):
            layers += [nn.Conv2d(channels, width, kernel, padding="same"), nn.ReLU()]
            channels = width
        self.net = nn.Sequential(*layers, nn.Conv2d(channels, 1, 3, padding="same"))

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(output, target)

    def test_metrics(self, output: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"test/mse": F.mse_loss(output, target)}

    @torch.no_grad()
    def example_figure(self, noisy: torch.Tensor, clean: torch.Tensor, count: int = 8):
        """Rows clean / noisy / reconstructed / difference of the first ``count`` images (paper Fig. 11)."""
        noisy, clean = noisy[:count], clean[:count]
        restored = self(noisy.to(self.device)).cpu()
        rows = {"clean": clean, "noisy": noisy, "reconstructed": restored, "|difference|": (restored - clean).abs()}
        return _image_grid(rows)


class MLPClassifier(ImageModel):
    """Dense layers of ``hidden[i]`` units with ``activations[i]``, then a linear layer to the class
    logits; trained with softmax cross-entropy and scored by test accuracy."""

    def __init__(
        self,
        image_shape: Sequence[int],
        hidden: Sequence[int],
        activations: Sequence[str],
        optimizer: str = "adam",
        lr: float = 1e-3,
        num_classes: int = 10,
    ) -> None:
        super().__init__(optimizer, lr)
        if not hidden or len(hidden) != len(activations):
            raise ValueError(
                f"model.hidden={list(hidden)} and model.activations={list(activations)} need one entry per"
                " dense layer (same, non-zero length)"
            )
        unknown = sorted(set(activations) - set(ACTIVATIONS))
        if unknown:
            raise ValueError(f"model.activations has {unknown}; choose from {sorted(ACTIVATIONS)}")
        self.save_hyperparameters()
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(image_shape)
        for units, activation in zip(hidden, activations):
            layers += [nn.Linear(width, units), ACTIVATIONS[activation]()]
            width = units
        self.net = nn.Sequential(*layers, nn.Linear(width, num_classes))

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(output, target)

    def test_metrics(self, output: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        accuracy = (output.argmax(dim=1) == target).float().mean()
        if not torch.isfinite(output).all():  # argmax of NaN logits is no prediction
            accuracy = torch.full_like(accuracy, math.nan)
        return {"test/acc": accuracy, "test/loss": F.cross_entropy(output, target)}

    @torch.no_grad()
    def example_figure(self, images: torch.Tensor, labels: torch.Tensor, count: int = 16):
        """Up to ``count`` misclassified test images titled with predicted and true label (paper Fig. 13)."""
        predicted = self(images.to(self.device)).argmax(dim=1).cpu()
        wrong = (predicted != labels).nonzero().flatten()
        shown = wrong[:count].tolist()
        titles = [f"pred {predicted[i]} / true {labels[i]}" for i in shown]
        heading = f"{len(wrong)} of {len(labels)} test images misclassified"
        return _image_grid({"misclassified": images[shown]}, titles, heading)


def _image_grid(rows: dict[str, torch.Tensor], titles: Sequence[str] = (), heading: str = ""):
    """A matplotlib figure (no pyplot, so no GUI backend) with one row of grey images per entry of
    ``rows``, all on the same [0, 1] scale; ``titles`` label the images of the first row."""
    from matplotlib.figure import Figure

    columns = max(1, *(len(images) for images in rows.values()))
    figure = Figure(figsize=(1.4 * columns, 1.5 * len(rows) + 0.3))
    axes = figure.subplots(len(rows), columns, squeeze=False)
    for (label, images), row_axes in zip(rows.items(), axes):
        row_axes[0].set_ylabel(label)
        for ax in row_axes:
            ax.set_xticks([])
            ax.set_yticks([])
        for image, ax in zip(images, row_axes):
            ax.imshow(image.squeeze(0).numpy(), cmap="gray", vmin=0, vmax=1)
    for title, ax in zip(titles, axes[0]):
        ax.set_title(title, fontsize=7)
    figure.suptitle(heading, fontsize=9)
    figure.tight_layout()
    return figure
