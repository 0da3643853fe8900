"""Image data sets held whole in memory as tensors, served by one LightningDataModule.

One module serves every source (``digits``, ``mnist``, ``fashion_mnist``) for either task:

- ``denoise``: input = clean image + Gaussian noise of std ``noise_std``, target = clean image;
- ``classify``: input = clean image, target = label.

The noise is drawn once, from ``seed`` alone, like the paper's pre-processed noisy MNIST: every
configuration of a search sees the same noisy images, whatever its batch size or training subset.
Batches are single fancy-index look-ups into the tensors (no per-item Python on the hot path).
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, TensorDataset

TASKS = ("denoise", "classify")
EVAL_BATCH_SIZE = 1000  # validation and test batches: larger is faster and does not change the metric


class DatasetNotFoundError(FileNotFoundError):
    """The IDX files of a torchvision data set are not under ``data.root`` and download is off."""


def load_digits(seed: int, test_fraction: float = 0.2) -> tuple[torch.Tensor, ...]:
    """scikit-learn's bundled 8x8 digits in [0, 1], split train/test with a fixed, stratified seed."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    images = torch.as_tensor(digits.images / 16.0, dtype=torch.float32)
    labels = torch.as_tensor(digits.target, dtype=torch.int64)
    train_x, test_x, train_y, test_y = train_test_split(
        images, labels, test_size=test_fraction, random_state=seed, stratify=labels
    )
    return train_x, train_y, test_x, test_y


def idx_files(dataset: type, root: str | Path) -> list[Path]:
    """The uncompressed IDX files torchvision expects for ``dataset`` (e.g. MNIST) under ``root``."""
    raw = Path(root).expanduser() / dataset.__name__ / "raw"
    return [raw / Path(archive).stem for archive, _ in dataset.resources]


def load_idx(dataset: type, root: str | Path, download: bool = False) -> tuple[torch.Tensor, ...]:
    """Train and test images (in [0, 1]) and labels of an MNIST-layout torchvision data set."""
    root = Path(root).expanduser()
    missing = [path for path in idx_files(dataset, root) if not path.is_file()]
    if missing and not download:
        raise DatasetNotFoundError(
            f"{dataset.__name__} not found under data.root={str(root)!r}: missing "
            + ", ".join(str(path) for path in missing)
            + ". Put the uncompressed IDX files there, or set data.download=true to fetch them."
        )
    splits = [dataset(str(root), train=train, download=download) for train in (True, False)]
    (train_x, train_y), (test_x, test_y) = ((s.data.float() / 255.0, s.targets) for s in splits)
    return train_x, train_y, test_x, test_y


SOURCES = ("digits", "mnist", "fashion_mnist")


def load_source(name: str, root: str | Path, seed: int, download: bool = False) -> tuple[torch.Tensor, ...]:
    """(train images, train labels, test images, test labels) of a source; images (N, H, W) in [0, 1]."""
    if name == "digits":
        return load_digits(seed)
    from torchvision import datasets

    dataset = {"mnist": datasets.MNIST, "fashion_mnist": datasets.FashionMNIST}[name]
    return load_idx(dataset, root, download)


class ImageDataModule(L.LightningDataModule):
    """Train/val/test splits of one image source for one task, as in-memory ``TensorDataset``s.

    The validation split is ``val_fraction`` of the training images in use (``train_size`` of the
    train split, all when None), drawn with ``seed``; the test split is the source's own.
    """

    def __init__(
        self,
        name: str = "digits",
        task: str = "denoise",
        batch_size: int = 32,
        train_size: int | None = None,
        val_fraction: float = 0.1,
        noise_std: float = 0.3,
        seed: int = 0,
        root: str | Path = "~/.cache/greennas/data",
        download: bool = False,
    ) -> None:
        super().__init__()
        if name not in SOURCES:
            raise ValueError(f"data.name={name!r} is not one of {SOURCES}")
        if task not in TASKS:
            raise ValueError(f"data.task={task!r} is not one of {TASKS}")
        if batch_size < 1:
            raise ValueError(f"data.batch_size={batch_size} must be at least 1")
        if train_size is not None and train_size < 2:
            raise ValueError(f"data.train_size={train_size} must be null (whole train split) or at least 2")
        if not 0 < val_fraction < 1:
            raise ValueError(f"data.val_fraction={val_fraction} must lie strictly between 0 and 1")
        if noise_std < 0:
            raise ValueError(f"data.noise_std={noise_std} must not be negative")
        self.name, self.task, self.batch_size = name, task, batch_size
        self.train_size, self.val_fraction, self.noise_std = train_size, val_fraction, noise_std
        self.seed, self.root, self.download = seed, Path(root).expanduser(), download
        self.train_set: TensorDataset | None = None
        self.val_set: TensorDataset | None = None
        self.test_set: TensorDataset | None = None

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one image; available after ``setup``."""
        return tuple(self.test_set.tensors[0].shape[1:])

    def prepare_data(self) -> None:
        if self.download:
            load_source(self.name, self.root, self.seed, download=True)

    def setup(self, stage: str | None = None) -> None:
        if self.test_set is not None:  # all splits are built at once; Lightning calls setup per stage
            return
        train_x, train_y, test_x, test_y = load_source(self.name, self.root, self.seed)
        train_x, test_x = train_x.unsqueeze(1), test_x.unsqueeze(1)  # one channel

        generator = torch.Generator().manual_seed(self.seed)
        train_in, test_in = train_x, test_x
        if self.task == "denoise":  # test noise first, so it does not depend on anything but the seed
            test_in = test_x + self.noise_std * torch.randn(test_x.shape, generator=generator)
            train_in = train_x + self.noise_std * torch.randn(train_x.shape, generator=generator)
        train_out, test_out = (train_x, test_x) if self.task == "denoise" else (train_y, test_y)

        used = torch.randperm(len(train_x), generator=generator)
        if self.train_size is not None:
            if self.train_size > len(used):
                raise ValueError(
                    f"data.train_size={self.train_size} exceeds the {len(used)} images of {self.name}'s train split"
                )
            used = used[: self.train_size]
        n_val = min(max(1, round(self.val_fraction * len(used))), len(used) - 1)
        val, fit = used[:n_val], used[n_val:]
        self.train_set = TensorDataset(train_in[fit], train_out[fit])
        self.val_set = TensorDataset(train_in[val], train_out[val])
        self.test_set = TensorDataset(test_in, test_out)

    def train_dataloader(self) -> DataLoader:
        return _batches(self.train_set, RandomSampler(self.train_set), self.batch_size)

    def val_dataloader(self) -> DataLoader:
        return _batches(self.val_set, SequentialSampler(self.val_set), EVAL_BATCH_SIZE)

    def test_dataloader(self) -> DataLoader:
        return _batches(self.test_set, SequentialSampler(self.test_set), EVAL_BATCH_SIZE)


def _batches(dataset: TensorDataset, order, batch_size: int) -> DataLoader:
    """A loader whose every batch is one fancy-index into the dataset's tensors."""
    return DataLoader(dataset, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None)
