import numpy as np
import pytest
import torch
from torchvision.datasets import MNIST, FashionMNIST

from greennas.data import DatasetNotFoundError, ImageDataModule, idx_files, load_idx


def setup_module_data(**kwargs) -> ImageDataModule:
    data = ImageDataModule(**kwargs)
    data.setup("fit")
    return data


def test_digits_splits_are_in_memory_tensors_in_unit_range():
    data = setup_module_data(task="classify")
    sizes = [len(s) for s in (data.train_set, data.val_set, data.test_set)]
    assert sum(sizes) == 1797 and sizes[2] == 360 and sizes[1] == round(0.1 * 1437)
    images, labels = data.test_set.tensors
    assert data.image_shape == (1, 8, 8)
    assert images.dtype == torch.float32 and images.min() >= 0 and images.max() == 1
    assert labels.dtype == torch.int64 and set(labels.tolist()) == set(range(10))


def test_denoise_test_noise_is_fixed_by_the_data_seed_alone():
    a = setup_module_data(batch_size=32)
    b = setup_module_data(batch_size=128, train_size=100)
    noisy, clean = a.test_set.tensors
    assert torch.equal(noisy, b.test_set.tensors[0]) and torch.equal(clean, b.test_set.tensors[1])
    assert (noisy - clean).std().item() == pytest.approx(0.3, rel=0.05)
    other_seed = setup_module_data(seed=1).test_set.tensors[0]
    assert not torch.equal(noisy, other_seed)


def test_train_size_takes_a_subset_and_keeps_a_validation_share():
    data = setup_module_data(train_size=200)
    assert (len(data.train_set), len(data.val_set)) == (180, 20)
    with pytest.raises(ValueError, match="data.train_size=5000"):
        setup_module_data(train_size=5000)


def test_train_batches_cover_the_split_once_per_epoch():
    data = setup_module_data(batch_size=64, train_size=300)
    batches = list(data.train_dataloader())
    assert [len(x) for x, _ in batches[:-1]] == [64] * (len(batches) - 1)
    seen = torch.cat([x for x, _ in batches]).flatten(1).sum(1)  # one key per image
    assert torch.equal(seen.sort().values, data.train_set.tensors[0].flatten(1).sum(1).sort().values)


@pytest.mark.parametrize(
    "setting, message",
    [({"task": "segment"}, "data.task"), ({"batch_size": 0}, "data.batch_size"), ({"name": "cifar"}, "data.name")],
)
def test_bad_settings_fail_naming_the_setting(setting, message):
    with pytest.raises(ValueError, match=message):
        ImageDataModule(**setting)


def write_idx(path, array: np.ndarray) -> None:
    """An IDX file as in MNIST: magic (0, 0, 0x08 = uint8, ndim), big-endian dims, bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, dtype=">i4").tobytes()
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def write_fake_idx_dataset(dataset, root, n_train=30, n_test=10, seed=0):
    rng = np.random.default_rng(seed)
    contents = [
        rng.integers(0, 256, (n_train, 28, 28)), rng.integers(0, 10, n_train),
        rng.integers(0, 256, (n_test, 28, 28)), rng.integers(0, 10, n_test),
    ]
    paths = idx_files(dataset, root)  # train images, train labels, test images, test labels
    for path, array in zip(paths, contents):
        write_idx(path, array)
    return contents


@pytest.mark.parametrize("dataset, name", [(MNIST, "mnist"), (FashionMNIST, "fashion_mnist")])
def test_idx_files_in_torchvision_layout_are_loaded(tmp_path, dataset, name):
    train_x, train_y, test_x, test_y = write_fake_idx_dataset(dataset, tmp_path)
    assert (tmp_path / dataset.__name__ / "raw" / "train-images-idx3-ubyte").is_file()
    loaded = load_idx(dataset, tmp_path)
    assert torch.allclose(loaded[0], torch.as_tensor(train_x / 255.0, dtype=torch.float32))
    assert loaded[1].tolist() == train_y.tolist() and loaded[3].tolist() == test_y.tolist()
    data = setup_module_data(name=name, root=tmp_path, task="classify", train_size=20)
    assert data.image_shape == (1, 28, 28)
    assert (len(data.train_set), len(data.val_set), len(data.test_set)) == (18, 2, 10)


@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_absent_idx_files_give_one_clear_error(tmp_path, name, folder):
    with pytest.raises(DatasetNotFoundError) as error:
        setup_module_data(name=name, root=tmp_path)
    message = str(error.value)
    assert isinstance(error.value, FileNotFoundError)
    assert "data.root" in message and str(tmp_path) in message and "data.download=true" in message
    assert str(tmp_path / folder / "raw" / "train-images-idx3-ubyte") in message
