"""GreenNAS against TPE and random search (hydra-optuna-sweeper) on the FCNet tables.

Every search is a subprocess `app.py -m` driven by the method's Hydra sweeper; TPE and random
get exactly the trainings GreenNAS used for the same (data set, n, seed). One JSON per run goes
to <results>/runs/ (existing runs are skipped), then report.py rewrites the FCNet section of
benchmarks/RESULTS.md and the plot. Run it with the side environment's python (optuna 2.10):

    .venv-compare/bin/python benchmarks/fcnet/compare.py                # the comparison
    .venv-compare/bin/python benchmarks/fcnet/compare.py --robustness   # 100 draws at n=75, HYB

`--target raw --results DIR` repeats GreenNAS as the paper has it (predictors fitted on the raw MSE),
as in results/greennas_target_raw.csv (seeds and budgets as above, made with `--methods greennas`).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

import report
from app import sweeps
from table import DATASETS, load

HERE = Path(__file__).resolve().parent
APP = HERE / "app.py"
OPTUNA = ("tpe", "random")  # hydra/sweeper/sampler options of hydra-optuna-sweeper


def stem(method: str, dataset: str, n: int, seed: int) -> str:
    return f"{method}-{dataset}-n{n}-s{seed}"


def method_args(method: str, n: int, seed: int, trials: int | None, target: str) -> list[str]:
    if method == "greennas":
        return ["hydra/sweeper=greennas", f"hydra.sweeper.n={n}", "hydra.sweeper.m=1", f"hydra.sweeper.seed={seed}",
                "hydra.sweeper.direction=minimize", f"hydra.sweeper.target={target}"]
    # n_jobs=1: with the default 2, optuna 2.10's TPE asks twice before telling, often the same point.
    return ["hydra/sweeper=optuna", f"hydra/sweeper/sampler={method}",
            f"hydra.sweeper.sampler.seed={seed}", f"hydra.sweeper.n_trials={trials}",
            "hydra.sweeper.n_jobs=1", "hydra.sweeper.direction=minimize"]


def evaluate(dataset: str, params: dict) -> dict:
    """Truth, regret and top-% in the table of a returned configuration."""
    table = load(dataset)
    params = {k.removeprefix("hp."): v for k, v in params.items()}
    truth = table.true(params)
    return {"params": params, "truth": truth, "regret": truth - table.best, "top_pct": table.percentile(truth)}


def run(results: Path, python: str, target: str, method: str, dataset: str, n: int, seed: int, trials: int | None) -> str:
    """One search as a subprocess; writes its JSON record and returns a progress line."""
    name = stem(method, dataset, n, seed)
    sweep_dir, log, times = (results / "sweeps" / name, results / "sweeps" / f"{name}.log",
                             results / "sweeps" / f"{name}.times")
    shutil.rmtree(sweep_dir, ignore_errors=True)
    times.unlink(missing_ok=True)
    sweep_dir.parent.mkdir(parents=True, exist_ok=True)
    cmd = [python, str(APP), "-m", f"dataset={dataset}", f"obs_seed={seed % 4}", *sweeps(dataset),
           *method_args(method, n, seed, trials, target), f"hydra.sweep.dir={sweep_dir}"]
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "FCNET_TASK_TIMES": str(times)})
        # wait4, not wait: the rusage of this search alone (its threads and reaped children), whatever
        # else the machine runs; wall time on a shared machine also counts others' load.
        _, status, usage = os.wait4(proc.pid, 0)
        code = proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    cpu = usage.ru_utime + usage.ru_stime
    if code:
        return f"FAILED {name} (exit {code}): see {log}"
    found = yaml.safe_load((sweep_dir / "optimization_results.yaml").read_text())
    task_s = [float(t) for t in times.read_text().split()]
    picks = {"best": found["best_params"]}
    if method == "greennas":
        with (sweep_dir / "greennas" / "trials.csv").open() as f:
            trainings = sum(1 for _ in f) - 1
        picks |= {k: p["params"] for k, p in found["predictors"].items() if p.get("params")}
    else:
        trainings = len(task_s)
    record = {"method": method, "dataset": dataset, "n": n, "seed": seed, "obs_seed": seed % 4, "trials": trials,
              "target": target if method == "greennas" else None,
              "trainings": trainings, "task_calls": len(task_s), "wall_s": wall, "cpu_s": cpu, "task_s": sum(task_s),
              "outside_s": wall - sum(task_s), "picks": {k: evaluate(dataset, p) for k, p in picks.items()},
              "command": cmd[1:], "result": found}
    (results / "runs" / f"{name}.json").write_text(json.dumps(record, indent=1))
    shutil.rmtree(sweep_dir)
    log.unlink()
    times.unlink()
    best = record["picks"]["best"]
    return (f"{name}: {trainings} trainings, regret {best['regret']:.3g}, top {best['top_pct']:.3g}%, "
            f"{wall:.1f}s wall, {cpu:.1f}s CPU")


def budget(results: Path, dataset: str, n: int, seed: int) -> int:
    """Trainings GreenNAS used for (dataset, n, seed); n when it has not run."""
    path = results / "runs" / f"{stem('greennas', dataset, n, seed)}.json"
    return json.loads(path.read_text())["trainings"] if path.exists() else n


def pending(results: Path, target: str, method: str, dataset: str, n: int, seed: int) -> tuple | None:
    """The run still to do, or None: a record with the same budget (and GreenNAS target) is kept."""
    trials = None if method == "greennas" else budget(results, dataset, n, seed)
    path = results / "runs" / f"{stem(method, dataset, n, seed)}.json"
    if path.exists():
        done = json.loads(path.read_text())
        if done["trials"] == trials and done.get("target") == (target if method == "greennas" else None):
            return None
    return method, dataset, n, seed, trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    csv = lambda kind: lambda s: [kind(x) for x in s.split(",")]  # noqa: E731
    parser.add_argument("--datasets", type=csv(str), default=list(DATASETS))
    parser.add_argument("--budgets", type=csv(int), default=[25, 50, 100], help="initial sample sizes n")
    parser.add_argument("--seeds", type=int, default=20, help="seeds 0..SEEDS-1 per (data set, n)")
    parser.add_argument("--methods", type=csv(str), default=["greennas", "tpe", "random"])
    parser.add_argument("--robustness", action="store_true",
                        help="instead: GreenNAS at --robust-n for seeds 0..DRAWS-1 (paper: 100 draws of 75)")
    parser.add_argument("--robust-n", type=int, default=75)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--target", default="auto", choices=["auto", "raw", "log"],
                        help="GreenNAS's hydra.sweeper.target: what its predictors fit")
    parser.add_argument("--jobs", type=int, default=2, choices=[1, 2], help="searches run at once")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="raw runs and the plot")
    parser.add_argument("--out", type=Path, default=HERE.parent / "RESULTS.md", help="gets an FCNet section")
    parser.add_argument("--python", default=sys.executable, help="runs app.py (needs optuna<3 for TPE/random)")
    args = parser.parse_args()
    unknown = set(args.methods) - {"greennas", *OPTUNA} | set(args.datasets) - set(DATASETS)
    if unknown:
        parser.error(f"unknown methods or data sets: {sorted(unknown)}")
    (args.results / "runs").mkdir(parents=True, exist_ok=True)

    if args.robustness:
        phases = [[("greennas", d, args.robust_n, s) for d in args.datasets for s in range(args.draws)]]
    else:  # GreenNAS first: its trainings are the others' budget
        grid = [(d, n, s) for d in args.datasets for n in args.budgets for s in range(args.seeds)]
        phases = [[(m, *g) for g in grid] for m in ("greennas",) if m in args.methods]
        phases.append([(m, *g) for g in grid for m in args.methods if m != "greennas"])
    failed = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        for phase in phases:
            todo = [p for p in (pending(args.results, args.target, *spec) for spec in phase) if p]
            print(f"{len(todo)} of {len(phase)} runs to do", flush=True)
            for line in pool.map(lambda p: run(args.results, args.python, args.target, *p), todo):
                failed += line.startswith("FAILED")
                print(line, flush=True)
    # The report always covers every table's comparison: a --robustness run on one table must not shrink it.
    report.write(args.results, args.out, list(DATASETS) if args.robustness else args.datasets, args.budgets,
                 args.seeds, args.methods, args.robust_n, args.draws)
    print(f"wrote {args.out} and {args.results / report.PLOT}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
