"""The errors a search reports to its user, each with one message that names the setting at fault."""


class ConfigError(ValueError):
    """A setting or search space that cannot be searched; raised before any training starts."""


class SearchAborted(RuntimeError):
    """The search stopped on purpose (too many failed jobs, a task returning no usable metric)."""
