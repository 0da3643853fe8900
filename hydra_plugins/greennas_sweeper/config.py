"""The `hydra/sweeper=greennas` config: every setting of a GreenNAS search, with the paper's defaults."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from hydra.core.config_store import ConfigStore


@dataclass
class GreenNASSweeperConf:
    _target_: str = "hydra_plugins.greennas_sweeper.greennas_sweeper.GreenNASSweeper"
    # The search space: config key -> sweep in Hydra's override grammar; command-line sweeps win.
    params: Dict[str, str] = field(default_factory=dict)
    # Initial random sample: an integer >= 2, or a fraction in (0,1) of the space (paper: 0.01%).
    n: Any = 0.0001
    # Best predicted configurations of each predictor trained in the second sweep (paper: 1).
    m: int = 1
    predictors: List[str] = field(default_factory=lambda: ["svr", "rf", "hyb"])
    # Optuna trials tuning each predictor's own settings, scored by k-fold cross-validated RMSE.
    tuning_trials: int = 20
    # What the predictors fit: raw, log, or auto (log when the sample's values are positive and span 100x or more).
    target: str = "auto"
    cv_folds: int = 5
    direction: str = "minimize"
    # Key of the number to optimise when the task returns a dict.
    metric: Optional[str] = None
    seed: int = 0
    # Jobs per launcher batch; null launches each phase as one batch.
    max_batch_size: Optional[int] = None
    # Values an interval(a,b) sweep is split into (log-spaced when tagged log).
    interval_points: int = 10
    # Above this many configurations the predictors' surface is searched instead of scored exhaustively.
    max_scored: int = 2_000_000
    # The search stops once failed jobs exceed this share of the planned jobs.
    max_failure_rate: float = 0.25
    # Continue the search recorded in hydra.sweep.dir, skipping its finished jobs.
    resume: bool = False
    # Country (ISO 3166 alpha-3) whose electricity mix turns each job's energy into CO2 (codecarbon, offline).
    country_iso_code: str = "FRA"


ConfigStore.instance().store(group="hydra/sweeper", name="greennas", node=GreenNASSweeperConf, provider="greennas")
