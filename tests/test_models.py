import math

import pytest
import torch

from greennas.models import DenoiseCNN, MLPClassifier


@pytest.mark.parametrize("size", [8, 28])
@pytest.mark.parametrize("filters, kernels", [([1, 4, 8, 16], [3, 5, 7, 3]), ([16], [7])])
def test_denoiser_keeps_the_image_shape(size, filters, kernels):
    model = DenoiseCNN(filters, kernels)
    assert model(torch.rand(5, 1, size, size)).shape == (5, 1, size, size)
    convs = [m for m in model.net if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [*filters, 1]
    assert [c.kernel_size[0] for c in convs] == [*kernels, 3]


@pytest.mark.parametrize("shape", [(1, 8, 8), (1, 28, 28)])
def test_mlp_gives_ten_logits_per_image(shape):
    model = MLPClassifier(shape, [64, 128, 512], ["relu", "tanh", "sigmoid"])
    assert model(torch.rand(5, *shape)).shape == (5, 10)
    widths = [m.out_features for m in model.net if isinstance(m, torch.nn.Linear)]
    assert widths == [64, 128, 512, 10]


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: DenoiseCNN([4, 4], [3]), "model.filters"),
        (lambda: DenoiseCNN([], []), "model.kernels"),
        (lambda: MLPClassifier((1, 8, 8), [64], ["relu", "tanh"]), "model.activations"),
        (lambda: MLPClassifier((1, 8, 8), [64], ["gelu"]), "model.activations"),
        (lambda: DenoiseCNN([4], [3], optimizer="rmsprop"), "optim.name"),
        (lambda: DenoiseCNN([4], [3], lr=0), "optim.lr"),
    ],
)
def test_bad_settings_fail_naming_the_setting(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    "name, kind, momentum", [("sgd", torch.optim.SGD, 0.0), ("momentum", torch.optim.SGD, 0.9), ("adam", torch.optim.Adam, None)]
)
def test_optimizer_follows_optim_name_and_lr(name, kind, momentum):
    optimizer = DenoiseCNN([4], [3], optimizer=name, lr=0.05).configure_optimizers()
    assert type(optimizer) is kind and optimizer.defaults["lr"] == 0.05
    assert optimizer.defaults.get("momentum") == momentum


def test_accuracy_is_nan_when_the_logits_are_not_finite():
    model = MLPClassifier((1, 8, 8), [16], ["relu"])
    labels = torch.tensor([0, 1])
    good = model.test_metrics(torch.tensor([[2.0, 1.0], [0.0, 3.0]]), labels)["test/acc"]
    bad = model.test_metrics(torch.tensor([[math.nan, 1.0], [0.0, 3.0]]), labels)["test/acc"]
    assert good.item() == 1.0 and math.isnan(bad.item())


def test_example_figures_show_the_paper_rows_and_the_misclassified():
    images = torch.rand(12, 1, 8, 8)
    figure = DenoiseCNN([4], [3]).example_figure(images + 0.1, images)
    assert len(figure.axes) == 4 * 8
    assert [ax.get_ylabel() for ax in figure.axes[::8]] == ["clean", "noisy", "reconstructed", "|difference|"]

    classifier = MLPClassifier((1, 8, 8), [16], ["relu"])
    predicted = classifier(images).argmax(1)
    labels = (predicted + torch.tensor([0] * 9 + [1] * 3)) % 10  # the last three are wrong
    figure = classifier.example_figure(images, labels)
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles == [f"pred {p} / true {t}" for p, t in zip(predicted[9:].tolist(), labels[9:].tolist())]
