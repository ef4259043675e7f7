"""Run one command as a child and report its wall time and peak memory as JSON (`python -m bench.measure -- CMD`).

Peak memory is the largest resident set of any process of the command (the command, or dbt, which it starts):
`getrusage(RUSAGE_CHILDREN)` of this short-lived wrapper sees exactly the command's process tree.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(command: list[str]) -> int:
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = {"code": completed.returncode, "seconds": seconds, "peak_bytes": peak_kib * 1024}
    print(json.dumps({**report, "stdout": completed.stdout, "stderr": completed.stderr[-4000:]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[sys.argv.index("--") + 1 :]))
