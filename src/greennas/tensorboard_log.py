"""The search in TensorBoard: `tensorboard --logdir <sweep dir>`.

Under <sweep dir>/greennas/tensorboard/ GreenNAS writes one run per trained job, named
`<job>_<phase>_<short parameters>` (e.g. `007_sample_lr=0.01,name=adam,filters.0=8`), holding the job's
HParams row (every searched parameter and its phase), its metric, each predictor's prediction and its
compute; and a run `search` with the HParams table's columns, the compute accounting and the plots.
The task's own logs (loss curves, images) stay where the task wrote them, in the job's Hydra dir
`<sweep dir>/<job>/`, so their runs carry the same job number.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from tensorboard.plugins.hparams import summary_v2 as hp
from torch.utils.tensorboard import SummaryWriter

from greennas.search import PREDICTED, SAMPLE, Result

DIR = "tensorboard"
VALUE = "greennas/value"
COSTS = {"wall_s": "wall time (s)", "cpu_s": "CPU time (s)", "energy_kwh": "energy (kWh)", "co2_kg": "CO2 (kg CO2eq)"}


def short_keys(keys: list[str]) -> dict[str, str]:
    """Each key by its last part (with its parent where that part is an index: 'filters.0'), or whole
    where that would not tell keys apart."""
    def short(key: str) -> str:
        parts = key.split(".")
        return ".".join(parts[-2:]) if parts[-1].isdigit() and len(parts) > 1 else parts[-1]

    shorts = {key: short(key) for key in keys}
    return shorts if len(set(shorts.values())) == len(keys) else {key: key for key in keys}


def run_names(result: Result) -> dict[int, str]:
    """Each trained job's run name: zero-padded job number, phase, short parameters (a safe folder name)."""
    width = len(str(max(result.trials, default=0)))
    shorts = short_keys(result.space.keys)
    names = {}
    for num, trial in result.trials.items():
        params = ",".join(f"{shorts[key]}={value}" for key, value in trial.params.items())
        names[num] = re.sub(r"[^\w.,=+-]", "_", f"{num:0{width}d}_{result.phase_of(num)}_{params}")[:200]
    return names


def _hparams(result: Result) -> list[hp.HParam]:
    """The table's parameter columns: every searched parameter with its values, the phase and the status."""
    columns = [hp.HParam(dim.key, hp.Discrete(list(dim.values) if dim.numeric else list(dim.strings)))
               for dim in result.space.dimensions]
    return columns + [hp.HParam("phase", hp.Discrete([SAMPLE, PREDICTED])),
                      hp.HParam("status", hp.Discrete(["completed", "diverged", "failed", "invalid"]))]


def _metrics(result: Result, metric: str) -> list[hp.Metric]:
    predictors = [hp.Metric(f"greennas/predicted/{name}", display_name=f"predicted by {name}")
                  for name in result.settings.predictors]
    costs = [hp.Metric(f"greennas/{figure}", display_name=label) for figure, label in COSTS.items()]
    return [hp.Metric(VALUE, display_name=metric), *predictors, *costs]


def _row(result: Result, num: int) -> dict[str, Any]:
    """The job's parameter values as the table's columns hold them (numbers for numeric parameters)."""
    trial, codes = result.trials[num], result.jobs[num].codes
    values = {dim.key: dim.values[c] if dim.numeric else dim.strings[c] for dim, c in zip(result.space.dimensions, codes)}
    return {**values, "phase": result.phase_of(num), "status": trial.status}


def _markdown(rows: list[list[Any]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows])


def _job_text(result: Result, num: int, run: str) -> str:
    trial = result.trials[num]
    rows = [[key, value] for key, value in trial.params.items()]
    rows += [["phase", result.phase_of(num)], ["status", trial.status], ["value", trial.value]]
    rows += [[f"predicted by {name}", f"{p:.6g}"] for name, p in result.predictions.get(num, {}).items()]
    if trial.error:
        rows.append(["error", trial.error.replace("|", "/").replace("\n", " ")])
    return (f"Job {num} (run `{run}`); the task's own logs, if it writes any, are in its Hydra job dir "
            f"(by default `{num}/` in the sweep dir).\n\n"
            + _markdown(rows, ["", ""]))


def _accounting_text(accounts: dict[str, Any]) -> str:
    rows = [[phase, figures.get("jobs", ""), *(_format(figures[f]) for f in COSTS)]
            for phase, figures in accounts["phases"].items()]
    rows.append(["total", "", *(_format(accounts["total"][f]) for f in COSTS)])
    rows.append(["mean training (sample)", "", *(_format(accounts["mean_training"][f]) for f in COSTS)])
    rows.append([f"exhaustive ({accounts['exhaustive']['configurations']:,} configurations)", "",
                 *(_format(accounts["exhaustive"][f]) for f in COSTS)])
    rows.append(["saving factor", "", *(_format(accounts["saving_factor"].get(f)) for f in COSTS)])
    measurement = accounts["measurement"]
    return (_markdown(rows, ["", "jobs", *COSTS.values()])
            + f"\n\nEnergy: {measurement['mode']} (codecarbon {', '.join(measurement['hardware']) or 'n/a'}; "
            f"country {measurement['country_iso_code']}; covers {', '.join(measurement['energy_covers']) or 'nothing'}).")


def _format(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def write(result: Result, sweep_dir: Path, metric: str | None, jobs: dict[int, dict[str, Any]], accounts: dict[str, Any],
          plots: list[Path]) -> Path:
    """Write the runs (replacing any earlier ones: they are rebuilt from the search's records); return their dir."""
    root = Path(sweep_dir) / "greennas" / DIR
    shutil.rmtree(root, ignore_errors=True)
    metric = metric or "objective"
    for num, run in run_names(result).items():
        trial = result.trials[num]
        with SummaryWriter(str(root / run)) as writer:
            writer.file_writer.add_summary(hp.hparams_pb(_row(result, num), trial_id=run))
            if trial.value is not None:
                writer.add_scalar(VALUE, trial.value, 0)
            for name, predicted in result.predictions.get(num, {}).items():
                writer.add_scalar(f"greennas/predicted/{name}", predicted, 0)
            for figure in COSTS:
                if jobs[num][figure] is not None:
                    writer.add_scalar(f"greennas/{figure}", jobs[num][figure], 0)
            writer.add_text("greennas/job", _job_text(result, num, run), 0)
    with SummaryWriter(str(root / "search")) as writer:
        writer.file_writer.add_summary(hp.hparams_config_pb(_hparams(result), _metrics(result, metric)))
        writer.add_text("greennas/compute", _accounting_text(accounts), 0)
        for figure, value in accounts["saving_factor"].items():
            if value is not None:
                writer.add_scalar(f"greennas/saving_factor/{figure}", value, 0)
        for path in plots:
            writer.add_image(f"greennas/plots/{path.stem}", np.asarray(Image.open(path).convert("RGB")), 0,
                             dataformats="HWC")
    return root
