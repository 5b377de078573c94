"""`pmcpost report --format html`: one self-contained page with three charts, parsed strictly, escaped, shown
in headless Chromium (a screenshot) and printed to A4."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import browser
import html5lib
from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo
from test_report import ANIL, WATER, post, write_log

from pmcpost.cli import cli

UTC = timezone.utc
SCREENSHOT_DIR = os.environ.get("PMCPOST_SCREENSHOT_DIR")


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_AUTHOR_NAME": "Anil Jadhav",
        "GIT_AUTHOR_EMAIL": "anil@example.org",
        "GIT_COMMITTER_NAME": "Anil Jadhav",
        "GIT_COMMITTER_EMAIL": "anil@example.org",
        "GIT_AUTHOR_DATE": "2026-11-30T09:00:00+05:30",
        "GIT_COMMITTER_DATE": "2026-11-30T09:00:00+05:30",
    }
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True, env=env).stdout


def report_page(tmp_path: Path) -> tuple[Path, str]:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Water cut in Parvati")
    sha = git(root, "rev-parse", "HEAD").strip()
    intruder = {"id": "gone.person", "name": "<script>alert(1)</script>"}
    write_log(
        root,
        [
            # approved (committed) 30 November 09:00 IST; out 1 December 18:05 and 19:31 IST
            (datetime(2026, 12, 1, 12, 35, tzinfo=UTC), post(WATER, "twitter", coordinator=ANIL, commit=sha)),
            (datetime(2026, 12, 1, 14, 1, tzinfo=UTC), post(WATER, "facebook", coordinator=ANIL, commit=sha)),
            (datetime(2026, 12, 8, 6, tzinfo=UTC), post("roads/2026-12-08-closure", "twitter", coordinator=intruder)),
            (
                datetime(2026, 12, 9, 6, tzinfo=UTC),
                {"event": "missed", "announcement": WATER, "platform": "website", "coordinator": ANIL},
            ),
        ],
    )
    args = ["--root", str(root), "report", "--format", "html", "--month", "2026-12", "--now", "2026-12-20T10:00"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return root, result.stdout


def test_one_strict_self_contained_page_with_three_charts(tmp_path: Path) -> None:
    _, page = report_page(tmp_path)
    doc: Any = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    assert "".join(doc.find(".//h1").itertext()) == "Social media activity: December 2026"
    figures = doc.findall(".//figure")
    assert len(figures) == 3
    assert all(f.find("{http://www.w3.org/2000/svg}svg") is not None for f in figures)
    captions = ["".join(f.find("figcaption").itertext()) for f in figures]
    assert captions[0].startswith("Posts per department per week")
    assert captions[1].startswith("Missed posts (expired before they went out) and late posts")
    assert captions[2] == "Time from approval (the approved file's commit) to post, 2 posts."
    # the numbers: water-supply posted twice (once more than an hour late) and missed once
    rows = {"".join(tr[0].itertext()): ["".join(td.itertext()) for td in tr[1:]] for tr in doc.findall(".//tbody/tr")}
    assert rows["पाणीपुरवठा विभाग / Water Supply Department"] == ["2", "1", "1", "0", "0"]
    assert rows["Anil Jadhav (anil.jadhav)"] == ["water-supply", "2", "1", "1", "0"]
    assert rows["<script>alert(1)</script> (gone.person)"] == ["", "1", "0", "0", "0"]  # shown, never run
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing fetched: one file holds it all
    assert "@page{size:A4" in page
    dormant = "".join(doc.find(".//ul[@class='dormant']").itertext())
    assert "water-supply: no post for 18 days (since 2026-12-01; threshold 14) and nothing scheduled; contact Anil" in (
        dormant
    )
    assert "health: no post on record and nothing scheduled; contact " in dormant


def test_shows_in_headless_chromium_and_prints_on_a4(tmp_path: Path) -> None:
    chromium = browser.chromium()  # skipped without it on a workstation, required with CI=true
    _, page = report_page(tmp_path / "repo")
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    base = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=794,1123",  # an A4 page at 96 dpi
    ]
    shot = tmp_path / "report-a4.png"
    subprocess.run([*base, f"--screenshot={shot}", html.as_uri()], capture_output=True, timeout=120, check=True)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [*base, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert sizes and all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in sizes)  # A4 in points
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        (Path(SCREENSHOT_DIR) / shot.name).write_bytes(shot.read_bytes())
