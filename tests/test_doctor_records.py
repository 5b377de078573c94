"""`pmcpost doctor` explains what to do with the audit entries and website files a publish run left uncommitted."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import make_repo

from pmcpost import doctor


def git(root: Path, *args: str) -> None:
    who = ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *who, "-C", str(root), *args], check=True, capture_output=True)


def committed_repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "config")
    return root


def test_uncommitted_audit_and_public_get_advice(tmp_path: Path) -> None:
    root = committed_repo(tmp_path)
    (root / "audit").mkdir(exist_ok=True)
    (root / "audit" / "2026-12.jsonl").write_text("", encoding="utf-8")
    (root / "public").mkdir(exist_ok=True)
    (root / "public" / "index.html").write_text("<!doctype html>", encoding="utf-8")
    results = {c.area: c for c in doctor.checks(root, offline=True, environ={})}
    assert results["records"] == doctor.Check(
        "records",
        None,
        "audit/ and public/ changed by a publish run and not committed. They record what went out (the website "
        "serves its folder): commit them together (git add audit/ public/ && git commit -m 'Record posts'). "
        "After a trial on a fresh clone, discard them together instead (git stash push --include-untracked -- "
        "audit/ public/).",
    )


def test_no_advice_when_only_other_files_changed(tmp_path: Path) -> None:
    root = committed_repo(tmp_path)
    (root / "notes.txt").write_text("draft", encoding="utf-8")
    results = {c.area: c for c in doctor.checks(root, offline=True, environ={})}
    assert results["git"].ok is None
    assert "records" not in results
