"""``make bench``: run every benchmark, each in its own process.

Each ``benchmarks/bench_*.py`` module has ``main()`` and prints its figures,
each as a ratio to a baseline measured in the same run. Pass names to run
only some: ``python -m benchmarks import export``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    wanted = argv or names
    unknown = [name for name in wanted if name not in names]
    if unknown:
        print(f"error: unknown benchmark {', '.join(unknown)} (benchmarks: {', '.join(names)})")
        return 1
    failed = 0
    for name in wanted:
        print(f"\n== {name} ==", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", f"benchmarks.bench_{name}"], cwd=HERE.parent)
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
