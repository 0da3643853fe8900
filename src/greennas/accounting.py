"""The compute a search used, phase by phase, against the exhaustive search it replaced.

Jobs bring their wall and CPU seconds (the journal) and codecarbon's energy and CO2 (greennas.energy);
the predictors' fitting and scoring bring the seconds the search timed. The exhaustive alternative costs
the mean training of the initial sample, a uniform draw from the space and so an unbiased estimate of
the space's mean, times the size of the space.
"""
from __future__ import annotations

import math
from typing import Any

from greennas.search import PREDICTED, SAMPLE, Result

FIGURES = ("wall_s", "cpu_s", "energy_kwh", "co2_kg")
PHASES = (SAMPLE, "fit", "score", PREDICTED)


def _total(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Sum of each figure over the rows that have it; None where none has it."""
    out = {}
    for figure in FIGURES:
        values = [row[figure] for row in rows if row.get(figure) is not None]
        out[figure] = math.fsum(values) if values else None
    return out


def jobs(result: Result, energy: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Each trained job's phase and figures."""
    out = {}
    for num, trial in sorted(result.trials.items()):
        record = energy.get(num, {})
        out[num] = {"phase": result.phase_of(num), "wall_s": trial.wall_s, "cpu_s": trial.cpu_s,
                    "energy_kwh": record.get("energy_kwh"), "co2_kg": record.get("co2_kg")}
    return out


def _measurement(energy: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Which meters codecarbon used, and whether the CPU's energy was measured or estimated."""
    hardware = sorted({item for record in energy.values() for item in record.get("hardware") or []})
    errors = sorted({record["energy_error"] for record in energy.values() if record.get("energy_error")})
    cpu = [item for item in hardware if item.startswith("CPU")]
    # codecarbon names its estimates 'CPU(Cpu Load)' (load x TDP) and 'CPU(<model> > <TDP>W)' (constant TDP)
    measured = bool(cpu) and not any("Load" in item or ">" in item for item in cpu)
    if not hardware:
        mode = "not measured" + (f": {errors[0]}" if errors else "")
    elif measured:
        mode = "CPU energy measured by the processor's counters (RAPL or equivalent)"
    else:
        mode = ("CPU energy estimated from its load and rated power (TDP): no RAPL counters readable here; "
                "RAM estimated from its size")
    if any(item.startswith("GPU") for item in hardware):
        mode += "; GPU energy measured through NVML"
    countries = sorted({record["country_iso_code"] for record in energy.values() if record.get("country_iso_code")})
    out: dict[str, Any] = {"tool": "codecarbon OfflineEmissionsTracker", "country_iso_code": ", ".join(countries) or None,
                           "hardware": hardware, "mode": mode}
    if errors:
        out["errors"] = errors
    return out


def compute(result: Result, energy: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Figures per phase (sample, fit, score, predicted), in total, and for an exhaustive search."""
    per_job = jobs(result, energy)
    phases = {}
    for phase in PHASES:
        if phase in result.phase_costs:
            seconds = result.phase_costs[phase]
            phases[phase] = {figure: seconds.get(figure) for figure in FIGURES}
        else:
            rows = [row for row in per_job.values() if row["phase"] == phase]
            phases[phase] = {"jobs": len(rows), **_total(rows)}
    total = _total(list(phases.values()))
    sample = [row for row in per_job.values() if row["phase"] == SAMPLE]
    sample_total, counts = _total(sample), {f: sum(row[f] is not None for row in sample) for f in FIGURES}
    mean = {f: sample_total[f] / counts[f] if counts[f] else None for f in FIGURES}
    exhaustive = {figure: (value * result.space.size if value is not None else None) for figure, value in mean.items()}
    saving = {figure: (exhaustive[figure] / total[figure] if exhaustive[figure] and total[figure] else None)
              for figure in ("wall_s", "cpu_s", "energy_kwh")}
    measurement = _measurement(energy)
    measurement["energy_covers"] = [phase for phase, figures in phases.items() if figures["energy_kwh"] is not None]
    return {
        "measurement": measurement,
        "phases": phases,
        "total": total,
        "mean_training": mean,
        "exhaustive": {"configurations": result.space.size, **exhaustive},
        "saving_factor": saving,
    }


def _amount(figure: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if figure in ("wall_s", "cpu_s"):
        return f"{value / 3600:.3g} h" if value >= 3600 else f"{value:.3g} s"
    return f"{value:.3g} kWh" if figure == "energy_kwh" else f"{1000 * value:.3g} g CO2eq"


def summary(accounts: dict[str, Any]) -> list[str]:
    """Log lines: each phase's cost, the total, the exhaustive alternative and the saving factor."""
    lines = []
    for phase, figures in accounts["phases"].items():
        jobs_ = f" ({figures['jobs']} jobs)" if "jobs" in figures else ""
        lines.append(f"GreenNAS compute, {phase}{jobs_}: " + ", ".join(
            f"{name} {_amount(figure, figures[figure])}" for figure, name in
            (("wall_s", "wall"), ("cpu_s", "CPU"), ("energy_kwh", "energy"), ("co2_kg", "CO2")) if figures[figure] is not None))
    total, exhaustive, saving = accounts["total"], accounts["exhaustive"], accounts["saving_factor"]
    lines.append(f"GreenNAS compute, total: wall {_amount('wall_s', total['wall_s'])}, energy "
                 f"{_amount('energy_kwh', total['energy_kwh'])}, {_amount('co2_kg', total['co2_kg'])}; exhaustive search of "
                 f"{exhaustive['configurations']:,} configurations: wall {_amount('wall_s', exhaustive['wall_s'])}, energy "
                 f"{_amount('energy_kwh', exhaustive['energy_kwh'])}, {_amount('co2_kg', exhaustive['co2_kg'])}")
    factors = [f"{saving[f]:,.3g}x {name}" for f, name in (("wall_s", "wall time"), ("energy_kwh", "energy")) if saving[f]]
    if factors:
        measurement = accounts["measurement"]
        lines.append("GreenNAS saved " + " and ".join(factors) + f" (energy of {', '.join(measurement['energy_covers'])}: "
                     f"{measurement['mode']})")
    return lines
