"""Hydra's override grammar -> a GreenNAS SearchSpace plus the fixed overrides every job gets."""
from typing import Dict, List, Optional, Sequence, Tuple

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException

from greennas.errors import ConfigError
from greennas.space import Dimension, SearchSpace, interval_values


def _dimension(override: Override, interval_points: int) -> Dimension:
    key, sweep = override.key_or_group, override.value()
    tags = getattr(sweep, "tags", set())
    if override.is_interval_sweep():
        values = interval_values(key, sweep.start, sweep.end, interval_points, "log" in tags, "int" in tags)
        strings = [str(v) for v in values]
    else:
        values = list(override.sweep_iterator())
        if not values:
            raise ConfigError(f"search space '{key}': the sweep {override.input_line!r} has no values")
        strings = list(override.sweep_string_iterator())
    return Dimension(key, tuple(values), tuple(strings), override.get_key_element(), "log" in tags)


def parse_space(params: Dict[str, str], arguments: Sequence[str], interval_points: int,
                config_loader: Optional[object] = None) -> Tuple[SearchSpace, List[str]]:
    """Sweeps of `params`, then of the command line (which wins per key); other overrides stay fixed."""
    lines = [f"{key}={value}" for key, value in (params or {}).items()] + list(arguments)
    try:
        parsed = OverridesParser.create(config_loader=config_loader).parse_overrides(lines)
    except HydraException as err:
        raise ConfigError(f"hydra.sweeper.params / command line: {err}") from err
    by_key: Dict[str, Override] = {}
    for override in parsed:
        by_key.pop(override.get_key_element(), None)
        by_key[override.get_key_element()] = override
    dimensions = [_dimension(o, interval_points) for o in by_key.values() if o.is_sweep_override()]
    fixed = [o.input_line for o in by_key.values() if not o.is_sweep_override()]
    return SearchSpace(dimensions), fixed
