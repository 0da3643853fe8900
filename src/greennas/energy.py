"""What a block of work cost: wall and CPU seconds, and codecarbon's energy and CO2 estimate.

codecarbon's offline tracker needs no network: the carbon intensity comes from its table for the
configured country. Its energy is measured where the machine lets it (RAPL counters for the CPU, NVML for
NVIDIA GPUs) and otherwise estimated: CPU load times the CPU model's rated power (TDP), RAM from its size.
`hardware` records which it used, e.g. ['RAM()', 'CPU(Cpu Load)'] for estimates, 'CPU(Intel Rapl)' for
measurements.
"""
from __future__ import annotations

import logging
import time
from typing import Any


class Meter:
    """Context manager measuring the block it wraps; `record` holds the figures once it exits.

    codecarbon failing (an unusual platform) never fails the work: the record then has no energy and
    says why in `energy_error`.
    """

    def __init__(self, country_iso_code: str = "FRA"):
        self.country_iso_code = country_iso_code
        self.record: dict[str, Any] = {}

    def __enter__(self) -> "Meter":
        self.tracker, self.error = None, None
        try:
            from codecarbon import OfflineEmissionsTracker

            logging.getLogger("codecarbon").setLevel(logging.ERROR)
            self.tracker = OfflineEmissionsTracker(
                country_iso_code=self.country_iso_code, tracking_mode="process", output_methods=[],
                log_level="error", allow_multiple_runs=True)
            self.tracker.start()
        except Exception as err:  # noqa: BLE001  (any codecarbon failure only loses the estimate)
            self.tracker, self.error = None, f"codecarbon: {err!r}"
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.record = {"wall_s": time.perf_counter() - self.wall, "cpu_s": time.process_time() - self.cpu,
                       "energy_kwh": None, "co2_kg": None, "hardware": None}
        if self.tracker is not None:
            try:
                self.tracker.stop()
                data = self.tracker.final_emissions_data
                self.record.update(energy_kwh=data.energy_consumed, co2_kg=data.emissions,
                                   hardware=list(self.tracker._conf.get("hardware", [])),
                                   country_iso_code=self.country_iso_code)
            except Exception as err:  # noqa: BLE001
                self.error = f"codecarbon: {err!r}"
        if self.error:
            self.record["energy_error"] = self.error

