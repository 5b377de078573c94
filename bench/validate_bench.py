"""How long `pmcpost validate` takes, as users run it, against libyaml's C safe loader alone on the same files.

    python bench/validate_bench.py [--files 20000] [--rounds 5] [--repo DIR]

Without --repo it generates a repository (bench/generate.py) in a temporary folder. Each round times, one
after the other on the same files:

- libyaml alone: one process reads every file's bytes and parses them with yaml.load(..., CSafeLoader);
- the command: `pmcpost validate` run in the repository as a user or CI runs it (its default
  worker processes, every post rendered and measured), from start to exit, interpreter start-up included,
  with Python's bytecode cache in use as an installed copy has it (one run before the rounds fills it).

Sides alternate round by round, so a machine busy with other work slows both alike; the ratio is of the
medians of wall-clock time. The goal: the command takes at most 1.3x libyaml's time. CPU seconds (all of the
command's processes together) are printed too: on a machine shared with other work they show what each side
costs whatever the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # generate.py is a sibling script, not a module
from generate import add_repository_options, repository

from pmcpost.config import load_config
from pmcpost.content import discover

GOAL = 1.3
# Python as users run it: a machine set to never write bytecode (PYTHONDONTWRITEBYTECODE, as some containers and
# CI images are) would compile pmcpost's modules from source in every run, a cost no installed copy has.
USERS_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
# The command as users type it: the console script installed beside this Python (python -m pmcpost without one).
_SCRIPT = Path(sys.executable).with_name("pmcpost")
PMCPOST = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "pmcpost"]


def libyaml_alone(files: list[Path]) -> tuple[float, float]:
    """Seconds (wall, CPU) for reading every file's bytes and yaml.load(..., CSafeLoader) of them."""
    start, cpu = time.perf_counter(), time.process_time()
    for path in files:
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start, time.process_time() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(root: Path, files: int) -> tuple[float, float]:
    """Seconds (wall, CPU of every process) for `pmcpost validate` in ``root``, which must find every file valid."""
    start, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(
        [*PMCPOST, "validate"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=USERS_ENV,
    )
    elapsed, used = time.perf_counter() - start, _children_cpu() - cpu
    expected = f"{files} files and config.yaml: ok"
    if done.returncode != 0 or expected not in done.stderr:
        raise SystemExit(f"pmcpost validate did not pass (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_repository_options(parser, files=20_000)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of both sides (default 5)")
    args = parser.parse_args()

    with repository(args) as root:
        files = discover(load_config(root))
        for path in files:  # warm the page cache so neither side pays for the disk
            path.read_bytes()
        command(root, len(files))  # and Python's bytecode cache, as any run after the first finds it
        print(f"{len(files):,} announcement files; {os.cpu_count()} cores; {args.rounds} rounds")
        base: list[tuple[float, float]] = []
        full: list[tuple[float, float]] = []
        for round_ in range(1, args.rounds + 1):
            base.append(libyaml_alone(files))
            full.append(command(root, len(files)))
            print(
                f"round {round_}: libyaml {base[-1][0]:6.2f} s (CPU {base[-1][1]:5.2f} s)   "
                f"pmcpost validate {full[-1][0]:6.2f} s (CPU {full[-1][1]:5.2f} s)"
            )
        b, f = statistics.median(w for w, _ in base), statistics.median(w for w, _ in full)
        b_cpu, f_cpu = statistics.median(c for _, c in base), statistics.median(c for _, c in full)
        print(f"median:  libyaml CSafeLoader alone (1 process) {b:6.2f} s (CPU {b_cpu:5.2f} s)")
        print(f"median:  pmcpost validate (as users run it)     {f:6.2f} s (CPU {f_cpu:5.2f} s)")
        ratio = f / b
        verdict = "met" if ratio <= GOAL else "NOT met"
        print(f"ratio {ratio:.2f} (CPU {f_cpu / b_cpu:.2f}); goal (<= {GOAL}x libyaml): {verdict}")


if __name__ == "__main__":
    main()
