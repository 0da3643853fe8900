"""What a search writes in its sweep dir: results YAML, trials and top-predicted tables, predictor settings,
the compute it used, the paper's plots and the TensorBoard runs."""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import yaml

from greennas import accounting, plots, tensorboard_log
from greennas.search import Result

class _Dumper(yaml.SafeDumper):
    """Plain YAML: repeated values written out again rather than as anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False)


#: The sweep dir's sub-folder for everything GreenNAS writes besides optimization_results.yaml.
DIR = "greennas"


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


def _pick(result: Result, codes: tuple[int, ...], predicted: float) -> dict[str, Any]:
    job = next(j for j, job in result.jobs.items() if job.codes == codes)
    trial = result.trials.get(job)
    return {"job": job, "params": result.space.values(codes), "predicted": float(predicted),
            "actual": _number(trial.value) if trial else None, "status": trial.status if trial else "not run"}


def results(result: Result, accounts: dict[str, Any]) -> dict[str, Any]:
    """The content of optimization_results.yaml."""
    best, space = result.best, result.space
    trainings = {phase: sum(result.phase_of(j) == phase for j in result.trials) for phase in ("sample", "predicted")}
    out: dict[str, Any] = {
        "name": "greennas",
        "best_params": space.values(space.codes_from_params(best.params)) if best else None,
        "best_value": _number(best.value) if best else None,
        "best_job": best.job if best else None,
        "direction": result.settings.direction,
        "space_size": space.size,
        "trainings": {**trainings, "total": sum(trainings.values())},
        "share_of_space": sum(trainings.values()) / space.size,
        "predictors": {},
    }
    for name, ranking in result.scored.rankings.items():
        predicted = {tuple(int(c) for c in row): p for row, p in zip(ranking.codes, ranking.predicted)}
        picks = [_pick(result, codes, predicted[codes]) for codes in result.picks[name]]
        out["predictors"][name] = {**(picks[0] if picks else {}), "picks": picks}
    out["compute"] = accounts
    return out


def _write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)


def _energy(result: Result) -> dict[int, dict[str, Any]]:
    """Each job's energy figures, as its job journaled them."""
    return {job: trial.energy or {} for job, trial in result.trials.items()}


def write(result: Result, sweep_dir: Path, metric: str | None = None) -> None:
    """Write optimization_results.yaml, the greennas/ tables, plots and TensorBoard runs of a finished search."""
    out_dir = Path(sweep_dir) / DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    records = _energy(result)
    jobs, accounts = accounting.jobs(result, records), accounting.compute(result, records)
    (Path(sweep_dir) / "optimization_results.yaml").write_text(_yaml(results(result, accounts)))

    keys, names = result.space.keys, list(result.settings.predictors)
    rows = []
    for job, trial in sorted(result.trials.items()):
        predictions = result.predictions.get(job, {})
        rows.append([job, result.phase_of(job), *(trial.params[k] for k in keys), trial.value, trial.status,
                     trial.wall_s, trial.cpu_s, jobs[job]["energy_kwh"], jobs[job]["co2_kg"],
                     *(predictions.get(n) for n in names), trial.error or ""])
    _write_csv(out_dir / "trials.csv", ["job", "phase", *keys, "value", "status", "wall_s", "cpu_s", "energy_kwh",
                                        "co2_kg", *(f"pred_{n}" for n in names), "error"], rows)

    tuned = {name: {"settings": t.settings, "cv_rmse": float(t.cv_rmse), "cv_folds": result.settings.cv_folds}
             for name, t in result.predictors.tuned.items()}  # HYB's SVR and RF too: the quality study refits them
    (out_dir / "predictors.yaml").write_text(_yaml(
        {"metric": metric, "trained_on": sum(result.phase_of(j) == "sample" and t.usable for j, t in result.trials.items()),
         "features": result.space.feature_names, "target": result.settings.target, "scale": result.predictors.scale,
         "predictors": tuned}))

    trained = {result.jobs[j].codes: t for j, t in result.trials.items()}
    rows = []
    for name, ranking in result.scored.rankings.items():
        for rank, (row, predicted) in enumerate(zip(ranking.codes[: result.settings.top_k], ranking.predicted), 1):
            codes = tuple(int(c) for c in row)
            trial = trained.get(codes)
            rows.append([name, rank, *result.space.params(codes).values(), float(predicted),
                         trial.value if trial else "", result.phase_of(trial.job) if trial else ""])
    _write_csv(out_dir / "top_predicted.csv", ["predictor", "rank", *keys, "predicted", "actual", "trained_in"], rows)
    figures = plots.write(result, out_dir / "plots", metric)
    tensorboard_log.write(result, sweep_dir, metric, jobs, accounts, figures)


def summary(result: Result, sweep_dir: Path) -> str:
    """The closing log lines: trainings used, share of the space, best found, compute used and saved."""
    accounts = accounting.compute(result, _energy(result))
    info, best = results(result, accounts), result.best
    trainings = info["trainings"]
    lines = [f"GreenNAS: {trainings['total']} trainings ({trainings['sample']} sampled + {trainings['predicted']} "
             f"predicted) of {result.space.size:,} configurations ({100 * info['share_of_space']:.3g}% of the space)"]
    if best:
        lines.append(f"GreenNAS: best {best.value:.6g} at job {best.job}: {best.params}")
    for name, pick in info["predictors"].items():
        if pick.get("picks"):
            actual = pick["actual"]
            lines.append(f"GreenNAS: {name} pick (job {pick['job']}): predicted {pick['predicted']:.6g}, actual "
                         + ("n/a" if actual is None or math.isnan(actual) else f"{actual:.6g}"))
    lines += accounting.summary(accounts)
    lines.append(f"GreenNAS: results in {sweep_dir}; plots in {DIR}/plots; `tensorboard --logdir {sweep_dir}`")
    return "\n".join(lines)
