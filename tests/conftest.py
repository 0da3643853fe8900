"""Shared fixtures: composing the shipped configs."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

CONF = Path(__file__).resolve().parents[1] / "conf"


@pytest.fixture
def compose_config():
    """``compose_config(overrides, name="train", **kwargs)`` composes ``conf/<name>.yaml`` as Hydra would."""

    def _compose(overrides=(), name="train", **kwargs):
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return compose(name, overrides=list(overrides), **kwargs)

    return _compose
