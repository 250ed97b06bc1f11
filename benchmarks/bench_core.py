"""Benchmark the pure core and the Excel functions.

1. Vectorised scoring of N programme-years (default 1,000,000): ``rnd_points`` with per-row
   years and licence costs, against the same step formula written as bare numpy arithmetic
   (the floor: no rule lookup, no exactness check) measured in the same run.
2. Per-call cost of each Excel function through ``FunctionSpec.invoke`` (what the recalc
   engine and the add-in pay per cell), against a bare Python call of a 5-argument function.

Run: ``python benchmarks/bench_core.py [--rows N] [--calls N]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _best(fn: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_vectorised(rows: int) -> None:
    import pandas as pd

    from xlfuncs import core

    rng = np.random.default_rng(0)
    revenue = rng.uniform(1e8, 1e11, rows).round(2)
    df = pd.DataFrame(
        {
            "revenue": revenue,
            "rnd": (revenue * rng.uniform(0, 0.03, rows)).round(2),
            "licence": (revenue * rng.uniform(0, 0.01, rows)).round(2),
            "year": rng.integers(2020, 2031, rows),
        }
    )

    def ours() -> Any:
        return core.rnd_points(df["rnd"], df["revenue"], df["licence"], year=df["year"].to_numpy())

    def floor() -> Any:
        counted = np.where(df["year"].to_numpy() >= 2023, df["licence"].to_numpy(), 0.0)
        return np.floor((df["rnd"].to_numpy() + counted) * 100 / (df["revenue"].to_numpy() * 0.5)) * 200

    a, b = ours(), floor()
    differ = int((np.asarray(a) != b).sum())
    t_ours, t_floor = _best(ours), _best(floor)
    print(f"vectorised rnd_points, {rows:,} rows: {t_ours:.3f} s "
          f"(bare numpy formula {t_floor:.3f} s, ratio {t_ours / t_floor:.1f}x); "
          f"rows where float floor differs from the exact rule: {differ}")


def bench_calls(calls: int) -> None:
    from xlfuncs.registry import REGISTRY

    ops = [["body_welding"], ["body_painting"], ["engine_ecu"], ["telematics"]]
    args: dict[str, tuple[Any, ...]] = {
        "LICENSECOST": (1e6, 50, 20000, 12.5, 5),
        "LOCPOINTS": (15e6, 1e9, 2e6, 2027, "M1"),
        "LOCSPENDNEEDED": (600, 1e9, 4e6, 2027, "M1"),
        "LOCOPPOINTS": ("body_welding", "M1", 2027),
        "LOCSCORE": (ops, [[1], [1], [0], ["да"]], 400, "M1", 2027),
        "LOCTHRESHOLD": ("procurement", 2027, "M1"),
        "LOCGAP": (2900, "procurement", 2027, "M1"),
        "LOCELIGIBLE": (2900, "procurement", 2027, "M1"),
        "LOCRULES": ("thresholds", 2027, "M1"),
        "LOCRULEBOOK": (),
    }

    def plain(a: Any, b: Any, c: Any, d: Any, e: Any) -> Any:
        return a

    t_ref = _best(lambda: [plain(1.0, 2.0, 3.0, 4.0, 5.0) for _ in range(calls)]) / calls
    print(f"\nper call, {calls:,} calls each (reference: bare Python call {t_ref * 1e6:.3f} us)")
    print(f"{'function':<16}{'us/call':>10}{'x ref':>10}")
    for name, spec in REGISTRY.items():
        a = args[name]
        t = _best(lambda spec=spec, a=a: [spec.invoke(*a) for _ in range(calls)], repeat=3) / calls
        print(f"{name:<16}{t * 1e6:>10.2f}{t / t_ref:>10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=20_000)
    opts = parser.parse_args()
    bench_vectorised(opts.rows)
    bench_calls(opts.calls)


if __name__ == "__main__":
    main()
