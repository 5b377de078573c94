"""Benchmark `audit verify` and `audit show` on generated logs of 100,000 and 1,000,000 entries.

Each measurement runs in a fresh process, so its peak resident memory (getrusage maxrss) is its own:
flat memory as the log grows tenfold is the point. Usage: python bench/audit_bench.py [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pmcpost.audit import GENESIS, canonical, format_time, line_hash

DEPARTMENTS = [
    ("water-supply", ("anil.jadhav", "Anil Jadhav"), ("priya.shinde", "Priya Shinde")),
    ("solid-waste", ("mahesh.pawar", "Mahesh Pawar"), ("sunita.gaikwad", "Sunita Gaikwad")),
    ("roads", ("vikas.more", "Vikas More"), ("neha.kale", "Neha Kale")),
    ("health", ("dr.sachin.patil", "Dr Sachin Patil"), ("manisha.joshi", "Manisha Joshi")),
    ("property-tax", ("sanjay.bhosale", "Sanjay Bhosale"), ("kavita.mane", "Kavita Mane")),
    ("garden", ("prakash.salunkhe", "Prakash Salunkhe"), ("asha.kadam", "Asha Kadam")),
    ("fire-brigade", ("sunil.gilbile", "Sunil Gilbile"), ("rohini.thorat", "Rohini Thorat")),
    ("disaster-management", ("ganesh.sonune", "Ganesh Sonune"), ("deepa.lokhande", "Deepa Lokhande")),
]
PLATFORMS = ("twitter", "facebook", "website")
MONTHS = 24


def generate(directory: Path, count: int) -> None:
    """``count`` entries (intent, then posted or failed) spread evenly over 24 month files, chained.

    The fast path: no fsync and one open file per month, but the same canonical bytes and hashes as AuditLog.
    """
    directory.mkdir(parents=True, exist_ok=True)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    step = timedelta(days=730) / count  # ~24 months
    prev = GENESIS
    fh = None
    month = ""
    for n in range(count):
        moment = start + step * n
        if f"{moment:%Y-%m}" != month:
            if fh:
                fh.close()
            month = f"{moment:%Y-%m}"
            fh = (directory / f"{month}.jsonl").open("wb")
        slug, coordinator, approver = DEPARTMENTS[(n // 6) % len(DEPARTMENTS)]
        platform = PLATFORMS[(n // 2) % 3]
        announcement = f"{slug}/{moment:%Y-%m-%d}-notice-{n // 6}"
        entry: dict[str, object] = {
            "time": format_time(moment),
            "event": "intent" if n % 2 == 0 else ("failed" if n % 97 == 1 else "posted"),
            "run": f"run-{n // 60}",
            "announcement": announcement,
            "department": slug,
            "coordinator": {"id": coordinator[0], "name": coordinator[1]},
            "approver": {"id": approver[0], "name": approver[1]},
            "platform": platform,
            "part": 0,
            "parts": 1,
            "text_sha256": line_hash(announcement.encode()),
            "content_sha256": line_hash(slug.encode()),
            "commit": "3f2a9c1e5b7d4f6a8c0e2b4d6f8a0c2e4b6d8f0a",
            "author": "Anil Jadhav <anil.jadhav@punecorporation.org>",
            "actor": {"ci": "github", "job": "publish", "run_id": str(n // 60)},
            "version": "0.1.0",
            "prev": prev,
        }
        if entry["event"] == "posted":
            entry["remote"] = {"id": str(10**18 + n), "url": f"https://x.com/PMCPune/status/{10**18 + n}"}
        elif entry["event"] == "failed":
            entry["error"] = "X said 503 Service Unavailable; will retry next run"
        line = canonical(entry)
        assert fh is not None
        fh.write(line + b"\n")
        prev = line_hash(line)
    if fh:
        fh.close()


def worker(task: str, directory: Path) -> dict[str, object]:
    """One measurement, in this (fresh) process."""
    began = time.perf_counter()
    if task == "verify":
        from pmcpost.audit_verify import ChainVerifier

        verifier = ChainVerifier(directory)
        problems = sum(1 for _ in verifier.problems())
        detail: dict[str, object] = {"entries": verifier.entries, "files": verifier.files, "problems": problems}
    else:
        from pmcpost.auditquery import Query, iter_matches
        from pmcpost.output.audit import write_entries

        with open("/dev/null", "w", encoding="utf-8") as sink:
            shown = write_entries(iter_matches(directory, Query(departments=("roads",))), "json", sink, timezone.utc)
        detail = {"shown": shown}
    seconds = time.perf_counter() - began
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    return {"task": task, "seconds": round(seconds, 2), "peak_mib": round(peak / 2**20, 1), **detail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--worker", nargs=2, metavar=("TASK", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            directory = Path(tmp) / f"audit-{size}"
            began = time.perf_counter()
            generate(directory, size)
            size_mib = sum(p.stat().st_size for p in directory.iterdir()) / 2**20
            print(
                f"{size:>9,} entries, {size_mib:.0f} MiB in 24 files, generated in {time.perf_counter() - began:.1f} s"
            )
            for task in ("verify", "show"):
                out = subprocess.run(
                    [sys.executable, __file__, "--worker", task, str(directory)],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                r = json.loads(out)
                extra = ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("task", "seconds", "peak_mib"))
                label = "audit verify" if task == "verify" else "audit show --department roads --format json"
                print(f"  {label:<44} {r['seconds']:>7.2f} s  peak RSS {r['peak_mib']:>6.1f} MiB  ({extra})")


if __name__ == "__main__":
    main()
