"""The sweep dir's journal: one JSON line per finished job, appended the moment the job ends.

Lines are written with a single O_APPEND write and fsync'd, never rewritten, so a search killed at any
moment keeps every finished job; a line cut short by a kill is skipped when the journal is read back.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from greennas.trials import Trial


class Journal:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def append(self, trial: Trial) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(trial.to_dict(), allow_nan=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> dict[int, Trial]:
        """Every job recorded so far, by job number (a later line for the same job wins)."""
        if not self.path.exists():
            return {}
        trials = {}
        for line in self.path.read_text().splitlines():
            try:
                trial = Trial.from_dict(json.loads(line))
            except (json.JSONDecodeError, TypeError):
                continue
            trials[trial.job] = trial
        return trials
