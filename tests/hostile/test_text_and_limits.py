"""Hostile input: texts built to be slow to measure, templates built to exhaust memory or time, numbers too
large for config.yaml, and control characters. Each case ends in a clean error or clean output, posts
nothing, writes nothing outside the repository and leaks nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo

ENGLISH = 'en: "No water supply in Parvati on Thursday."'


def files_in(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*")) if p.is_file()}


def run_pmcpost(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMCPOST_")}
    env["NO_COLOR"] = "1"
    # The timeout only stops a hang (these inputs used to take hours); speed is measured in bench/.
    return subprocess.run(
        [sys.executable, "-m", "pmcpost", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def with_english(text: str) -> str:
    return GOOD_ANNOUNCEMENT.replace(ENGLISH, f'en: "{text}"')


# -- X length counting is linear ------------------------------------------------------------------------


def test_a_dot_runs_validate_cleanly(tmp_path: Path) -> None:
    # "a." x 6,000 (12 KB) did not finish in 600 s: URL finding backtracked over every run of labels
    root = make_repo(tmp_path / "repo", {GOOD_PATH: with_english("a." * 6000)})
    before = files_in(tmp_path)
    result = run_pmcpost(root, "validate")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{GOOD_PATH}: warning: twitter: the thread on X has 47 posts; consider a shorter text for X\n",
        "1 file and config.yaml: ok (1 warning)\n",
    )
    assert files_in(tmp_path) == before


def test_url_like_runs_are_measured_exactly() -> None:
    from pmcpost.xtext import find_urls, thread_parts, weighted_length

    assert weighted_length("a." * 32768) == 65536  # no TLD: plain text
    assert find_urls("ab.in." * 10000) == []  # one host of 60,000 characters: over X's 4,096, so no link
    assert find_urls("ab.in. " * 10000) == []  # a bare domain on a country code is no link
    assert weighted_length("ab.in/ " * 10000) == 24 * 10000
    assert weighted_length("pmc.gov.in/" + "a." * 1000 + " ok") == 23 + 1 + 3  # the last '.' is not in the link
    parts = thread_parts("#a" * 20000)
    assert len(parts) == 149 and all(weighted_length(p) <= 280 for p in parts)
