#!/usr/bin/env bash
# The paper's denoising search (experiment=paper_denoise) on real 28x28 images, scaled to a small CPU,
# beside a random search of the same number of trainings over the same 746,496-configuration space.
#
#   benchmarks/paper_images/run.sh            # from the repository root; needs dataset-fashion-mnist
#
# Scaling (environment variables): TRAIN_SIZE images of Fashion-MNIST's train split (10% of them held
# out for early stopping; the test split is the full 10,000), EPOCHS at most, GreenNAS's initial sample
# N (m = 1). Random search gets exactly the trainings GreenNAS used. Logs, sweep directories and
# summary.json go to benchmarks/.cache/paper_images/ (gitignored).
#
# The random search runs train.py, not search.py: search.yaml and paper_denoise.yaml set GreenNAS keys
# (hydra.sweeper.metric, .n, .m) that hydra-optuna-sweeper's config rejects, so its 11 sweeps are
# repeated here as choice(...) overrides, the same values as conf/experiment/paper_denoise.yaml.
set -euo pipefail
cd "$(dirname "$0")/../.."
TRAIN_SIZE=${TRAIN_SIZE:-1000}
EPOCHS=${EPOCHS:-2}
N=${N:-16}
SEED=${SEED:-0}
PY=${PY:-.venv-compare/bin/python}  # has both sweepers (optuna 2.10 for hydra-optuna-sweeper 1.3)
OUT=benchmarks/.cache/paper_images
mkdir -p "$OUT"
ROOT=$($PY benchmarks/paper_images/prepare.py)
COMMON=(data=fashion_mnist "data.root=$ROOT" "data.train_size=$TRAIN_SIZE" "trainer.max_epochs=$EPOCHS")
SPACE=('optim.name=choice(sgd,momentum,adam)' 'optim.lr=choice(0.001,0.01,0.05,0.1)'
       'data.batch_size=choice(32,128,1024)'
       'model.filters.0=choice(1,4,8,16)' 'model.filters.1=choice(1,4,8,16)'
       'model.filters.2=choice(1,4,8,16)' 'model.filters.3=choice(1,4,8,16)'
       'model.kernels.0=choice(3,5,7)' 'model.kernels.1=choice(3,5,7)'
       'model.kernels.2=choice(3,5,7)' 'model.kernels.3=choice(3,5,7)')

GN_DIR=$OUT/greennas-n$N-s$SEED
if [ ! -f "$GN_DIR/optimization_results.yaml" ]; then
  GN_CMD=($PY search.py -m experiment=paper_denoise "${COMMON[@]}" "hydra.sweeper.n=$N" "hydra.sweeper.seed=$SEED"
          "hydra.sweep.dir=$GN_DIR")
  echo "${GN_CMD[*]}" > "$OUT/greennas.cmd"
  start=$(date +%s.%N)
  "${GN_CMD[@]}" > "$OUT/greennas.log" 2>&1
  echo "$(date +%s.%N) - $start" | bc > "$OUT/greennas.wall_s"
fi
TRIALS=$(( $(wc -l < "$GN_DIR/greennas/trials.csv") - 1 ))

RS_DIR=$OUT/random-t$TRIALS-s$SEED
if [ ! -f "$RS_DIR/optimization_results.yaml" ]; then
  RS_CMD=($PY train.py -m "${COMMON[@]}" "${SPACE[@]}" hydra/sweeper=optuna hydra/sweeper/sampler=random
          "hydra.sweeper.sampler.seed=$SEED" "hydra.sweeper.n_trials=$TRIALS" hydra.sweeper.n_jobs=1
          hydra.sweeper.direction=minimize "hydra.sweep.dir=$RS_DIR")
  echo "${RS_CMD[*]}" > "$OUT/random.cmd"
  start=$(date +%s.%N)
  "${RS_CMD[@]}" > "$OUT/random.log" 2>&1
  echo "$(date +%s.%N) - $start" | bc > "$OUT/random.wall_s"
fi

$PY - "$OUT" "$GN_DIR" "$RS_DIR" "$TRAIN_SIZE" "$EPOCHS" "$N" <<'EOF'
import json, re, sys
from pathlib import Path
import yaml
out, gn, rs = map(Path, sys.argv[1:4])
train_size, epochs, n = map(int, sys.argv[4:7])
def times(log):  # train.py prints "<metric>=<value> time=<seconds>s" per training
    return [float(t) for t in re.findall(r"test/mse=\S+ time=([0-9.]+)s", Path(log).read_text())]
summary = {"train_size": train_size, "epochs": epochs, "n": n}
for name, sweep in (("greennas", gn), ("random", rs)):
    found = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    t = times(out / f"{name}.log")
    wall = float((out / f"{name}.wall_s").read_text())
    summary[name] = {"command": (out / f"{name}.cmd").read_text().strip(), "best_test_mse": found["best_value"],
                     "best_params": found["best_params"], "trainings": len(t), "wall_s": wall,
                     "training_s": sum(t), "outside_s": wall - sum(t), "training_s_each": t}
    if name == "greennas":
        summary[name]["picks"] = {k: {"actual": p.get("actual"), "predicted": p.get("predicted")}
                                  for k, p in found.get("predictors", {}).items()}
(out / "summary.json").write_text(json.dumps(summary, indent=1))
for name in ("greennas", "random"):
    s = summary[name]
    print(f"{name}: {s['trainings']} trainings, best test MSE {s['best_test_mse']:.4g}, wall {s['wall_s']:.0f} s "
          f"(trainings {s['training_s']:.0f} s, outside {s['outside_s']:.0f} s)")
EOF
