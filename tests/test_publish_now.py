"""`publish --now` only ever looks: a what-if time never decides what really goes out, and daily quotas are
counted in the platforms' real 24-hour window."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from world import ALERT, CAMP, CAMP_TEXT, IST, NOW, ROADS, World, emulators, make_content_repo, with_files, world

from pmcpost.cli import cli

__all__ = ["emulators", "world"]  # fixtures, imported so pytest finds them

REPO = Path(__file__).resolve().parent.parent
RAIN = "content/disaster-management/2026-07-14-heavy-rain-alert.yaml"  # expired on 16 July


def test_now_without_dry_run_is_refused_and_posts_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    (world.root / RAIN).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / RAIN, world.root / RAIN)
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["--root", str(world.root), "publish", "--yes", "--now", "2026-07-15 10:00"])
    assert result.exit_code == 2
    assert (
        "Error: --now only shows what a run at that time would do: use it with --dry-run "
        "(a real run always posts as of the real clock)"
    ) in result.stderr
    assert world.x.requests == [] and world.graph.requests == []
    assert not (world.root / "audit").exists() and not (world.root / "public").exists()
    # Looking is still allowed, and posts nothing.
    looked = CliRunner().invoke(cli, ["--root", str(world.root), "publish", "--dry-run", "--now", "2026-07-15 10:00"])
    assert looked.exit_code == 0, looked.output
    assert "heavy-rain-alert → twitter: due now" in looked.stdout
    assert not (world.root / "audit").exists()


def quota_two(text: str) -> str:
    return text.replace("daily_quota: 17", "daily_quota: 2")


def test_a_dry_run_at_a_later_time_counts_the_quota_in_the_real_window(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with_files(world, ROADS, CAMP, ALERT, config_edit=quota_two)
    roads_id = "roads/2026-11-27-road-closure-karve-road"
    world.publish(ledger_at_now=True)  # the alert and the camp use X's 2 posts at NOW; the roads thread waits
    capsys.readouterr()
    # Two days later in the what-if, but the real clock is an hour after NOW: X's window is still full.
    assert world.run(dry_run=True, now=NOW + timedelta(days=2), quota_now=NOW + timedelta(hours=1)) == 0
    captured = capsys.readouterr()
    assert (
        f"held: {roads_id} on twitter: the daily quota of 2 posts on twitter is used (2 in the last 24 hours); "
        "it goes out in a later run"
    ) in captured.err
    assert f"{roads_id} → twitter: due now" not in captured.out


def test_the_cli_counts_the_quota_against_the_real_clock(world: World) -> None:
    """Posts made just now (real time) fill X's window, whatever time --now names."""
    real_now = datetime.now(IST)
    first, second = real_now - timedelta(hours=2), real_now - timedelta(hours=1)
    files = {}
    for n, moment in enumerate((first, second)):
        body = (
            CAMP_TEXT.replace("कसबा पेठ", f"कसबा पेठ {n}")
            .replace("Kasba Peth", f"Kasba Peth {n}")
            .replace("2026-12-02 09:00", f"{moment:%Y-%m-%d %H:%M}")
            .replace("2026-12-06 18:00", f"{real_now + timedelta(days=10):%Y-%m-%d %H:%M}")
        )
        files[f"content/health/{moment:%Y-%m-%d}-camp-{n}.yaml"] = body
    shutil.rmtree(world.root)
    make_content_repo(world.root, (), config_edit=lambda t: t.replace("daily_quota: 17", "daily_quota: 1"))
    for rel, body in files.items():
        (world.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (world.root / rel).write_text(body, encoding="utf-8")
    assert world.run(now=real_now) == 0  # the second camp waits for X: quota 1
    assert len(world.x.posts) == 1
    later = real_now + timedelta(days=3)
    result = CliRunner().invoke(
        cli, ["--root", str(world.root), "publish", "--dry-run", "--now", f"{later:%Y-%m-%d %H:%M}"]
    )
    assert result.exit_code == 0, result.output
    second_id = f"health/{second:%Y-%m-%d}-camp-1"
    assert f"held: {second_id} on twitter: the daily quota of 1 posts on twitter is used (1 in the last 24 hours)" in (
        result.stderr
    )
