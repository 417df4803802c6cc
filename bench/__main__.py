"""`make bench`: every benchmark in turn, each printing its figure, baseline and ratio."""

import os
import subprocess
import sys
from pathlib import Path

from bench.setup import BENCH_DATABASE_URL

BENCHMARKS = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))


def main() -> int:
    os.environ.setdefault("DATABASE_URL", BENCH_DATABASE_URL)
    failed = []
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        result = subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
