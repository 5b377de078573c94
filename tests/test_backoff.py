"""No failure floods: a failing platform backs off across runs (one audit entry per step, not per run), a run
that changes nothing writes and commits nothing, and `report` counts a failure once per announcement and
platform."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from world import CAMP, NOW, ROADS, World, assert_exactly_once, audit_events, emulators, with_files, world

from pmcpost import backoff
from pmcpost.audit import AuditLog
from pmcpost.fold import AuditDamaged, read_ledger
from pmcpost.plan import build_plan
from pmcpost.report import build_report

__all__ = ["emulators", "world"]  # the fixtures of test_publish


def ledger_bytes(root: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((root / "audit").glob("*.jsonl"))]


def test_the_pause_doubles_from_15_minutes_and_stops_at_6_hours() -> None:
    minutes = [backoff.delay(step) / timedelta(minutes=1) for step in range(1, 9)]
    assert minutes == [15, 30, 60, 120, 240, 360, 360, 360]
    assert backoff.delay(10**6) == timedelta(hours=6)


def test_a_failing_platform_backs_off_across_runs_with_one_entry_per_step(world: World) -> None:
    with_files(world, ROADS, CAMP)
    world.graph.fail("*", 500, times=10_000)  # Facebook is down, for every request
    runs: list[tuple[int, int]] = []  # (minutes after NOW, exit code)

    def run_at(minutes: int) -> int:
        code = world.run(now=NOW + timedelta(minutes=minutes))
        runs.append((minutes, code))
        return code

    assert run_at(0) == 1  # X and the website go out; Facebook fails: step 1, next attempt after 15 minutes
    failed = [e for e in audit_events(world.config()) if e["event"] == "failed"]
    assert {(e["platform"], e["backoff_step"]) for e in failed} == {("facebook", 1)}
    assert {e["retry_after"] for e in failed} == {"2026-12-02T04:45:00.000000Z"}
    facebook_requests = len(world.graph.requests)

    # Inside the pause a run asks nothing, writes nothing and says why.
    before = ledger_bytes(world.root)
    assert run_at(5) == 0
    assert ledger_bytes(world.root) == before
    assert len(world.graph.requests) == facebook_requests
    plan, _ = build_plan(world.config(), [], NOW + timedelta(minutes=5))
    facebook = [i for i in plan.items if i.platform == "facebook"]
    assert [i.status for i in facebook] == ["held", "held"]
    error = failed[0]["error"]
    assert {i.reason for i in facebook} == {
        f"facebook failed in 1 run (last error: {error}); backing off: the next attempt is at the first run after "
        "2026-12-02 10:15 IST"
    }

    # Every 15 minutes for two hours: the platform is tried at 15, 45 and 105 minutes only (15, 30, 60 apart).
    for minutes in range(15, 121, 15):
        run_at(minutes)
    steps = [e["backoff_step"] for e in audit_events(world.config()) if e["event"] == "failed"]
    assert steps == [1, 1, 2, 2, 3, 3, 4, 4]  # two announcements on Facebook, one entry each per step
    assert [m for m, code in runs if code == 1] == [0, 15, 45, 105]
    state = read_ledger(world.config())
    assert state.backoff["facebook"]["step"] == 4
    assert state.backoff["facebook"]["retry_after"] == "2026-12-02T08:15:00.000000Z"  # 105 minutes + 2 hours

    # Facebook is back: the first run after the pause posts, and the back-off is over.
    world.graph.faults.clear()
    assert run_at(225) == 0
    assert_exactly_once(world)
    assert "facebook" not in read_ledger(world.config()).backoff

    # The report counts one failure per announcement and platform, however many runs failed.
    config = world.config()
    report = build_report(
        config,
        audit_events(config),
        [],
        since=NOW - timedelta(days=3650),  # the entries carry the real clock's times
        until=NOW + timedelta(days=3650),
        now=NOW + timedelta(days=3650),
    )
    assert report.total.failures == 2
    assert {a.slug: a.failures for a in report.departments if a.failures} == {"roads": 1, "health": 1}


def test_a_run_with_nothing_to_do_writes_nothing(world: World) -> None:
    with_files(world, ROADS)
    assert world.run() == 0
    before = ledger_bytes(world.root)
    for minutes in (15, 30, 45):
        assert world.run(now=NOW + timedelta(minutes=minutes)) == 0
    assert ledger_bytes(world.root) == before


def test_a_back_off_step_is_kept_by_the_checkpoint(world: World) -> None:
    """The fold's new fields survive a checkpointed read (and an older checkpoint is rebuilt)."""
    with_files(world, CAMP)
    world.graph.fail("*", 500, times=10_000)
    world.run()
    first = read_ledger(world.config()).backoff  # folds and writes the checkpoint
    again = read_ledger(world.config()).backoff  # read back from it
    assert (
        first
        == again
        == {
            "facebook": {
                "step": 1,
                "retry_after": "2026-12-02T04:45:00.000000Z",
                "error": first["facebook"]["error"],
            }
        }
    )
    assert isinstance(datetime.fromisoformat(first["facebook"]["retry_after"].replace("Z", "+00:00")), datetime)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("backoff_step", 0, "backoff_step is 0, not a whole number (1 or more)"),
        ("backoff_step", "2", 'backoff_step is "2", not a whole number (1 or more)'),
        ("retry_after", "tomorrow", 'retry_after "tomorrow" is not UTC ISO 8601 (such as 2026-11-03T09:30:00.000000Z)'),
    ],
)
def test_the_fold_checks_the_back_off_fields(world: World, field: str, value: object, said: str) -> None:
    with_files(world, CAMP)
    config = world.config()
    log = AuditLog(config.audit_dir)
    entry = {"event": "failed", "announcement": "health/2026-12-02-eye-camp", "platform": "facebook", "error": "x"}
    log.append({**entry, "backoff_step": 1, "retry_after": "2026-12-02T04:45:00.000000Z", field: value})
    log.sync()
    with pytest.raises(AuditDamaged) as caught:
        read_ledger(config)
    (name,) = [p.name for p in config.audit_dir.glob("*.jsonl")]
    assert caught.value.problems == [f"audit/{name}:1: {said}"]
