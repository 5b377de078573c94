"""`validate` on files being written: a past publish_at is a warning, a past expires_at an error, unless the
audit log says the post is done; `preview` says how late a due post is."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo

from pmcpost.audit import AuditLog
from pmcpost.cli import cli

REPO = Path(__file__).resolve().parent.parent
ANNOUNCEMENT_ID = "water-supply/2026-12-01-shutdown"
WASTE = "solid-waste/2026-11-20-dry-waste-collection"


def validate(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_past_publish_at_is_a_warning_with_how_late(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    code, out, err = validate(root, "--now", "2026-12-02 10:05", str(root / GOOD_PATH))
    assert (code, out) == (
        0,
        f"{GOOD_PATH}:12:13: warning: publish_at 2026-12-01 18:00 IST is already past: the post goes out late "
        "(16 h 5 min so far), at the next publish run\n",
    )
    assert err == "1 file and config.yaml: ok (1 warning)\n"
    assert validate(root, "--now", "2026-12-01 17:59", ANNOUNCEMENT_ID)[:2] == (0, "")


def test_a_past_expires_at_is_an_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    code, out, _ = validate(root, "--now", "2026-12-04 10:00", "--format", "json", ANNOUNCEMENT_ID)
    assert code == 1
    assert json.loads(out) == [
        {
            "path": GOOD_PATH,
            "line": 13,
            "column": 13,
            "severity": "error",
            "message": "expires_at 2026-12-03 21:00 IST is already past, so this announcement would never go out "
            "(not posted on twitter, facebook, website); correct expires_at or remove the file",
        }
    ]


def test_the_whole_archive_is_not_judged_by_the_clock(tmp_path: Path) -> None:
    """Without named or changed files, validate checks everything that is there, much of it long past."""
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    assert validate(root, "--now", "2026-12-04 10:00") == (0, "", "1 file and config.yaml: ok\n")


def test_a_file_posted_and_since_expired_is_history_not_an_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    log = AuditLog(root / "audit", clock=lambda: datetime(2026, 12, 1, 12, 30, tzinfo=timezone.utc))
    for platform in ("twitter", "facebook"):
        log.append(
            {
                "event": "posted",
                "announcement": ANNOUNCEMENT_ID,
                "platform": platform,
                "part": 0,
                "parts": 1,
                "remote": {"id": "1", "url": f"https://example.org/{platform}/1"},
            }
        )
    # Still to go out on the website: that is what the error names.
    code, out, _ = validate(root, "--now", "2026-12-04 10:00", ANNOUNCEMENT_ID)
    assert code == 1 and "(not posted on website)" in out
    log.append({"event": "missed", "announcement": ANNOUNCEMENT_ID, "platform": "website", "reason": "expired"})
    assert validate(root, "--now", "2026-12-04 10:00", ANNOUNCEMENT_ID) == (0, "", "1 file and config.yaml: ok\n")


def test_preview_says_how_late_a_due_post_is(tmp_path: Path) -> None:
    make_repo(tmp_path)
    shutil.rmtree(tmp_path / "content")
    shutil.copytree(REPO / "content", tmp_path / "content")
    args = ["--root", str(tmp_path), "preview", "--now", "2026-11-25 10:00", "--platform", "twitter"]
    records = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).stdout)
    late = {r["id"]: r["late_minutes"] for r in records}
    assert late[WASTE] == 5 * 24 * 60 + 2 * 60  # due on 20 November at 08:00
    assert late["property-tax/2026-11-25-tax-deadline-rebate"] is None  # due this very minute
    assert late["roads/2026-11-27-road-closure-karve-road"] is None  # scheduled
    markdown = CliRunner().invoke(cli, [*args, "--format", "markdown"]).stdout
    assert f"| `{WASTE}` | twitter | due now | Fri 20 Nov 2026, 08:00 IST (5 days 2 h late) | 2 |" in markdown
    text = CliRunner().invoke(cli, [*args, WASTE]).stdout
    assert f"=== {WASTE} → twitter: due now\ngoes out: Fri 20 Nov 2026, 08:00 IST (5 days 2 h late)\n" in text
