"""``make bench``: run every benchmark, each in its own process.

Each ``benchmarks/bench_*.py`` module has ``main()`` and prints its figures,
each as a ratio to a baseline measured in the same run, ending the line of
each target with PASS or MISS. The summary lists the misses; ``make bench``
fails only when a benchmark could not run. Pass names to run
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
    missed: list[str] = []
    crashed: list[str] = []
    for name in wanted:
        print(f"\n== {name} ==", flush=True)
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", f"benchmarks.bench_{name}"], cwd=HERE.parent, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.rstrip().endswith("MISS"):
                missed.append(f"{name}: {line.strip()}")
        if process.wait() != 0:  # missed targets are MISS lines; a non-zero exit is a broken run
            crashed.append(name)
        print(f"({name}: {time.perf_counter() - started:.0f} s)", flush=True)
    print(f"\n{len(wanted) - len(crashed)} of {len(wanted)} benchmarks ran; {len(missed)} targets missed")
    for line in missed:
        print(f"  {line}")
    if crashed:
        print(f"error: benchmark failed to run: {', '.join(crashed)}")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
