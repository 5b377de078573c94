"""How long `pmcpost validate` takes against libyaml's C safe loader alone, on the same files, in one run.

    python bench/validate_bench.py --files 50000 [--repo DIR] [--jobs N]

Without --repo it generates a repository (bench/generate.py) in a temporary folder. It then times, in
this process and in this order: libyaml alone (read each file's bytes, yaml.load with CSafeLoader),
pmcpost.validate.validate with render off, and with render on; and prints the ratios to libyaml.
The goal is validation-only <= 1.3x libyaml, using the machine's cores (a process pool) where that helps.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # generate.py is a sibling script, not a module
from generate import add_repository_options, repository

from pmcpost.config import load_config
from pmcpost.content import discover
from pmcpost.validate import validate


def libyaml_alone(files: list[Path]) -> float:
    """Seconds for yaml.load(..., CSafeLoader) over every file's bytes, read as pmcpost reads them."""
    start = time.perf_counter()
    for path in files:
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def timed_validate(root: Path, *, render: bool, jobs: int | None) -> tuple[float, int, int]:
    start = time.perf_counter()
    config = load_config(root)
    report = validate(config, jobs=jobs, render=render)
    elapsed = time.perf_counter() - start
    return elapsed, report.files, len(report.diagnostics)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_repository_options(parser)
    parser.add_argument("--jobs", type=int, default=None, help="processes for pmcpost (default: all cores)")
    args = parser.parse_args()

    with repository(args) as root:
        files = discover(load_config(root))
        for path in files:  # warm the page cache so neither side pays for the disk
            path.read_bytes()
        print(f"{len(files):,} announcement files; {os.cpu_count()} cores; pmcpost jobs: {args.jobs or 'default'}")

        base = libyaml_alone(files)
        print(f"libyaml CSafeLoader alone (1 process): {base:7.2f} s")
        plain, n, problems = timed_validate(root, render=False, jobs=args.jobs)
        print(
            f"pmcpost validate, render off:        {plain:7.2f} s  ratio {plain / base:5.2f}  "
            f"({n:,} files, {problems} diagnostics)"
        )
        full, n, problems = timed_validate(root, render=True, jobs=args.jobs)
        print(
            f"pmcpost validate, render on:         {full:7.2f} s  ratio {full / base:5.2f}  "
            f"({n:,} files, {problems} diagnostics)"
        )
        goal = "met" if plain / base <= 1.3 else "NOT met"
        print(f"goal (render off <= 1.3x libyaml): {goal}")


if __name__ == "__main__":
    main()
