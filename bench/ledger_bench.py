"""Benchmark the audit log at years of history: ``status`` from the checkpoint, and ``audit verify`` streaming.

    python bench/ledger_bench.py [--status-entries 200000] [--verify-sizes 100000,1000000] [--runs 3]

1. ``pmcpost status`` (a fresh process each time, on the project's sample content) with an empty log and
   with a generated log: the first run rebuilds the checkpoint, the later ones read it and fold only what is
   new. Goal: at most 2x the empty log once the checkpoint exists.
2. ``audit verify`` against a bare pass that json-parses and sha256-hashes every line, each in a fresh
   process so its peak resident memory is its own. Goals: at most 3x the bare pass; flat memory as the log
   grows tenfold.
Every ratio is measured in this one run; each figure is the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit_bench import generate

from pmcpost.audit import log_files

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-12-02 10:00"


def pmcpost_command() -> list[str]:
    script = Path(sys.executable).with_name("pmcpost")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pmcpost"]


COMMANDS = {
    "status": ["status", "--now", NOW, "--format", "json"],
    "publish --dry-run": ["publish", "--dry-run", "--now", NOW],
}


def timed_status(root: Path, command: str = "status") -> float:
    began = time.perf_counter()
    subprocess.run(
        [*pmcpost_command(), "--root", str(root), *COMMANDS[command]],
        check=True,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return time.perf_counter() - began


def content_repo(root: Path) -> Path:
    """The project's config and sample content in a fresh git repository (where the checkpoint lives)."""
    root.mkdir(parents=True)
    shutil.copyfile(REPO / "config.yaml", root / "config.yaml")
    shutil.copytree(REPO / "content", root / "content")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def bench_status(tmp: Path, entries: int, runs: int) -> None:
    empty_root = content_repo(tmp / "empty")
    root = content_repo(tmp / "repo")
    began = time.perf_counter()
    generate(root / "audit", entries)
    print(f"status: generated {entries:,} entries in {time.perf_counter() - began:.1f} s")
    timed_status(empty_root)  # warm the file cache and the interpreter's bytecode
    checkpoint = root / ".git" / "pmcpost" / "ledger.sqlite3"
    first = timed_status(root)  # no checkpoint yet: a fresh clone
    assert checkpoint.exists(), "status wrote no checkpoint"
    size = checkpoint.stat().st_size / 2**20
    print(f"  {f'status, {entries:,} entries, first run':<40} {first:6.2f} s   (builds the checkpoint, {size:.1f} MiB)")
    for command in COMMANDS:
        empty_times, cached_times = [], []
        for _ in range(runs):  # interleaved, so a busy moment on the machine hits both alike
            empty_times.append(timed_status(empty_root, command))
            cached_times.append(timed_status(root, command))
        empty, cached = statistics.median(empty_times), statistics.median(cached_times)
        print(f"  {f'{command}, empty log':<40} {empty:6.2f} s")
        print(f"  {f'{command}, {entries:,} entries':<40} {cached:6.2f} s   (from the checkpoint)")
        print(f"  {'ratio / empty log':<40} {cached / empty:6.2f}x   (goal: at most 2x)")
        if command == "status":
            print(f"  {'ratio first run / empty log':<40} {first / empty:6.2f}x")


def worker(task: str, directory: Path) -> dict[str, object]:
    """One measurement, in this (fresh) process."""
    began = time.perf_counter()
    if task == "verify":
        from pmcpost.audit_verify import ChainVerifier

        verifier = ChainVerifier(directory)
        problems = sum(1 for _ in verifier.problems())
        detail: dict[str, object] = {"entries": verifier.entries, "problems": problems}
    else:  # the floor: parse and hash every line, nothing else
        lines = 0
        for path in log_files(directory):
            with path.open("rb") as fh:
                for raw in fh:
                    json.loads(raw)
                    hashlib.sha256(raw[:-1]).hexdigest()
                    lines += 1
        detail = {"entries": lines}
    seconds = time.perf_counter() - began
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    return {"task": task, "seconds": seconds, "peak_mib": peak / 2**20, **detail}


def measure(task: str, directory: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", task, str(directory)], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out))


def bench_verify(tmp: Path, sizes: list[int], runs: int) -> None:
    peaks: dict[int, float] = {}
    for size in sizes:
        directory = tmp / f"audit-{size}"
        began = time.perf_counter()
        generate(directory, size)
        mib = sum(p.stat().st_size for p in directory.iterdir()) / 2**20
        print(f"verify: {size:,} entries, {mib:.0f} MiB, generated in {time.perf_counter() - began:.1f} s")
        results: dict[str, list[dict[str, object]]] = {"bare": [], "verify": []}
        for _ in range(runs):
            for task in ("bare", "verify"):  # interleaved, so a busy moment hits both alike
                results[task].append(measure(task, directory))
        bare = statistics.median(float(str(r["seconds"])) for r in results["bare"])
        verify = statistics.median(float(str(r["seconds"])) for r in results["verify"])
        peak = max(float(str(r["peak_mib"])) for r in results["verify"])
        peaks[size] = peak
        problems = results["verify"][0]["problems"]
        print(f"  {'bare pass (json.loads + sha256)':<40} {bare:6.2f} s")
        print(f"  {'audit verify':<40} {verify:6.2f} s   peak RSS {peak:.1f} MiB, {problems} problems")
        print(f"  {'ratio verify / bare':<40} {verify / bare:6.2f}x   (goal: at most 3x)")
        shutil.rmtree(directory)
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        print(
            f"  {f'peak memory, {large:,} / {small:,} entries':<40} {peaks[large] / peaks[small]:6.2f}x   (goal: flat)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--status-entries", type=int, default=200_000)
    parser.add_argument("--verify-sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip", choices=("status", "verify"), help="Leave one part out.")
    parser.add_argument("--worker", nargs=2, metavar=("TASK", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.skip != "status":
            bench_status(Path(tmp), args.status_entries, args.runs)
        if args.skip != "verify":
            bench_verify(Path(tmp), [int(s) for s in args.verify_sizes.split(",")], args.runs)


if __name__ == "__main__":
    main()
