"""The machine-readable side of every benchmark script (``--json PATH``).

Each script still prints its own table; with ``--json PATH`` it also appends one JSON
object per measure to PATH, one per line, which ``benchmarks/run_all.py`` collects::

    {"benchmark": "attendance", "measure": "N=500 speed-up over per-row save",
     "value": 44.4, "unit": "x", "budget": ">= 25x", "passed": true}

``budget`` is the rule in words (null when the number is only informative) and
``passed`` is true/false against it (null when there is no budget).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        metavar="PATH",
        type=Path,
        help="append one JSON object per measure to PATH (see benchmarks/results.py)",
    )


class Recorder:
    """Appends this script's measures to ``path`` (or nowhere when it is None)."""

    def __init__(self, benchmark: str, path: Path | None) -> None:
        self.benchmark = benchmark
        self.path = path

    @classmethod
    def from_argv(cls, benchmark: str, argv: list[str] | None = None) -> Recorder:
        """For the scripts that take no other option: parses ``--json PATH`` only."""
        parser = argparse.ArgumentParser(description=f"benchmarks/{benchmark}.py")
        add_json_argument(parser)
        return cls(benchmark, parser.parse_args(argv).json)

    def add(
        self,
        measure: str,
        value: float | None,
        unit: str,
        *,
        budget: str | None = None,
        passed: bool | None = None,
    ) -> None:
        if self.path is None:
            return
        if isinstance(value, float):
            value = None if math.isnan(value) else round(value, 3)
        record = {
            "benchmark": self.benchmark,
            "measure": measure,
            "value": value,
            "unit": unit,
            "budget": budget,
            "passed": passed,
        }
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
