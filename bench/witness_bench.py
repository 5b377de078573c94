"""Benchmark the audit log's witnesses against a bare pass that json-parses and sha256-hashes every line.

Measures, in one run: the public-record check (hashes only), the signature check (Ed25519 per entry), the head
count the website publishes, and the git-history check on a repository where every commit appends a run's
entries. Usage: python bench/witness_bench.py [--entries 100000] [--commits 300]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pmcpost import audit_sign
from pmcpost.audit import GENESIS, AuditLog, canonical, format_time, line_hash, log_files
from pmcpost.audit_witness import Head, Witnesses, current_head, git_findings, witness_findings
from pmcpost.config import AuditSettings


def generate(directory: Path, count: int, signer: audit_sign.Signer | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    step = timedelta(days=730) / count
    prev, month, fh = GENESIS, "", None
    for n in range(count):
        moment = start + step * n
        if f"{moment:%Y-%m}" != month:
            if fh:
                fh.close()
            month = f"{moment:%Y-%m}"
            fh = (directory / f"{month}.jsonl").open("wb")
        entry: dict[str, object] = {
            "time": format_time(moment),
            "event": "intent" if n % 2 == 0 else "posted",
            "announcement": f"water-supply/{moment:%Y-%m-%d}-notice-{n // 6}",
            "platform": "twitter",
            "part": 0,
            "parts": 1,
            "text_sha256": hashlib.sha256(str(n).encode()).hexdigest(),
            "version": "0.1.0",
            "prev": prev,
        }
        if signer is not None:
            entry["sig"] = signer.sign(entry)
        line = canonical(entry)
        assert fh is not None
        fh.write(line + b"\n")
        prev = line_hash(line)
    if fh:
        fh.close()


def bare(directory: Path) -> None:
    for path in log_files(directory):
        with path.open("rb") as fh:
            for raw in fh:
                json.loads(raw)
                hashlib.sha256(raw.rstrip(b"\n")).hexdigest()


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def git(root: Path, *args: str) -> None:
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    env |= {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@example.org"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@example.org"}
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=300)
    args = parser.parse_args()
    private, public = audit_sign.generate()
    settings = AuditSettings(public_keys={"bench": public})
    signer = audit_sign.signer_from_env(settings, {settings.signing_key_env: private})
    with tempfile.TemporaryDirectory() as tmp:
        unsigned, signed = Path(tmp) / "unsigned", Path(tmp) / "clone" / "audit"
        signed.mkdir(parents=True)
        git(signed.parent, "init", "-q")  # so the check can remember how far it got, as in a clone
        generate(unsigned, args.entries, None)
        generate(signed, args.entries, signer)
        base = timed(lambda: bare(unsigned))
        head = current_head(unsigned)
        assert head is not None
        heads = [Head(head.entries // 2, "0" * 64, ""), head]
        public_check = timed(
            lambda: list(witness_findings(unsigned, "audit", Witnesses(heads=heads, heads_source="x")))
        )
        count = timed(lambda: current_head(unsigned))
        base_signed = timed(lambda: bare(signed))
        sig_check = timed(lambda: list(witness_findings(signed, "audit", Witnesses(signatures=settings))))
        sig_again = timed(lambda: list(witness_findings(signed, "audit", Witnesses(signatures=settings))))
        print(f"{args.entries} entries, bare json+sha256 pass {base:.2f} s")
        print(f"  public heads check   {public_check / base:.2f}x the bare pass")
        print(f"  head count (publish) {count / base:.2f}x")
        print(f"  signatures check     {sig_check / base_signed:.2f}x the bare pass over the signed log")
        print(f"  signatures again     {sig_again / base_signed:.2f}x (nothing new since the last check)")

        repo = Path(tmp) / "repo"
        (repo / "audit").mkdir(parents=True)
        git(repo, "init", "-q")
        log = AuditLog(repo / "audit")
        per_commit = max(args.entries // args.commits, 1)
        for c in range(args.commits):
            for i in range(per_commit):
                log.append(
                    {"event": "intent", "announcement": f"roads/2026-11-27-r-{c}", "platform": "x", "part": i},
                    durable=False,
                )
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", f"run {c}")
        log.sync()
        git_time = timed(lambda: list(git_findings(repo, repo / "audit", "audit")))
        git_base = timed(lambda: bare(repo / "audit"))
        for i in range(per_commit):
            log.append({"event": "intent", "announcement": "roads/2026-11-27-r-x", "platform": "x", "part": i})
        git(repo, "commit", "-qam", "one more run")
        again = timed(lambda: list(git_findings(repo, repo / "audit", "audit")))
        print(
            f"git history: {args.commits} commits of {per_commit} entries each: first check {git_time:.2f} s "
            f"({git_time / git_base:.1f}x the bare pass over the final log); after one more commit, "
            f"{again / git_base:.2f}x (only the new commit is read)"
        )


if __name__ == "__main__":
    main()
