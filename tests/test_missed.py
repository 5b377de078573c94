"""Missed posts: what expired before it went out is recorded once, named loudly (alerts first), makes `publish`
exit 1, and shows in `status` and `report`; against the emulators, after real publish runs."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from world import ALERT, CAMP, IST, World, audit_events, emulators, quiet_git, with_files, world

from pmcpost import status
from pmcpost.audit import read_state
from pmcpost.output import status as status_view
from pmcpost.output.report import render_csv
from pmcpost.plan import build_plan
from pmcpost.report import build_report, report_from_repository

__all__ = ["emulators", "world"]  # fixtures, imported so pytest finds them

EARLY = datetime(2026, 12, 2, 9, 0, tzinfo=IST)  # the camp is due; the alert and the drive are not yet
LATE = datetime(2026, 12, 2, 12, 0, tzinfo=IST)  # both have expired: no run happened in between
ALERT_ID = "disaster-management/2026-12-02-flood-alert"
DRIVE = "content/health/2026-12-02-blood-drive.yaml"
DRIVE_ID = "health/2026-12-02-blood-drive"
CAMP_ID = "health/2026-12-02-eye-camp"
DRIVE_TEXT = """\
coordinator: dr.sachin.patil
approved_by: manisha.joshi
kind: event
text:
  mr: "कसबा पेठ दवाखान्यात आज रक्तदान शिबिर."
  en: "Blood donation drive at the Kasba Peth clinic today."
publish_at: "2026-12-02 09:30"
expires_at: "2026-12-02 10:30"
"""
# The alert goes out at 09:30 and expires at 11:00 (between the two runs).
SHORT_ALERT = {'expires_at: "2026-12-04 09:30"': 'expires_at: "2026-12-02 11:00"'}
MISSED_FIELDS = {
    "event",
    "run",
    "announcement",
    "department",
    "kind",
    "coordinator",
    "approver",
    "platform",
    "publish_at",
    "expires_at",
    "content_sha256",
    "actor",
    "reason",
    "time",
    "version",
    "prev",
}


def setup(world: World) -> World:
    with_files(world, CAMP, ALERT)
    alert = world.root / ALERT
    text = alert.read_text(encoding="utf-8")
    for old, new in SHORT_ALERT.items():
        text = text.replace(old, new)
    alert.write_text(text, encoding="utf-8")
    (world.root / DRIVE).write_text(DRIVE_TEXT, encoding="utf-8")
    return world


def missed_entries(world: World) -> list[dict[str, object]]:
    return [e for e in audit_events(world.config()) if e["event"] == "missed"]


def test_expired_before_posting_is_recorded_once_named_alert_first_and_fails_the_run(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    setup(world)
    _, outcomes = world.publish(now=EARLY, ledger_at_now=True)
    assert {(o.item.id, o.status) for o in outcomes} == {(CAMP_ID, "posted")}
    capsys.readouterr()

    assert world.run(now=LATE) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:7] == [
        "6 posts missed: expired before they were posted (now in the audit log)",
        *(
            f"!! MISSED ALERT: {ALERT_ID} on {p}: expired 2026-12-02 11:00 IST before it was posted; "
            "answerable: Ganesh Sonune (ganesh.sonune)"
            for p in ("twitter", "facebook", "website")
        ),
        *(
            f"missed: {DRIVE_ID} on {p}: expired 2026-12-02 10:30 IST before it was posted; "
            "answerable: Dr Sachin Patil (dr.sachin.patil)"
            for p in ("twitter", "facebook", "website")
        ),
    ]
    entries = missed_entries(world)
    assert sorted((e["announcement"], e["platform"]) for e in entries) == sorted(
        (a, p) for a in (ALERT_ID, DRIVE_ID) for p in ("twitter", "facebook", "website")
    )
    alert = next(e for e in entries if e["announcement"] == ALERT_ID and e["platform"] == "twitter")
    assert set(alert) == MISSED_FIELDS
    assert alert["kind"] == "alert" and alert["department"] == "disaster-management"
    assert alert["coordinator"] == {"id": "ganesh.sonune", "name": "Ganesh Sonune"}
    assert alert["approver"] == {"id": "smita.kulkarni", "name": "Smita Kulkarni"}
    assert alert["expires_at"] == "2026-12-02T05:30:00.000000Z"
    assert alert["reason"] == "expired 2026-12-02 11:00 IST before it was posted"
    # Nothing expired went out anywhere.
    assert [t.text for t in world.x.posts if "Flood" in t.text or "Blood" in t.text] == []
    assert not (world.root / "public" / f"{ALERT_ID}.html").exists()

    # The next run has nothing new to say: exit 0, no second entry.
    capsys.readouterr()
    assert world.run(now=datetime(2026, 12, 2, 12, 15, tzinfo=IST)) == 0
    assert "missed" not in capsys.readouterr().err
    assert len(missed_entries(world)) == 6
    state = read_state(world.config().audit_dir)
    assert state.get(ALERT_ID, "twitter").missed and state.get(ALERT_ID, "twitter").missed_at


def test_status_has_a_missed_group_and_report_counts_per_department_and_coordinator(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    setup(world)
    world.publish(now=EARLY, ledger_at_now=True)
    config = world.config()
    # Before any run records them, status already shows them as missed (not yet recorded).
    report = {d["department"]: d for d in json.loads(status_view.as_json(status.collect(config, LATE)))}
    assert [(e["id"], e["platform"], e["recorded_at"]) for e in report["disaster-management"]["missed"]] == [
        (ALERT_ID, p, None) for p in ("twitter", "facebook", "website")
    ]
    assert report["disaster-management"]["expired"] == []
    assert world.run(now=LATE) == 1

    report = {d["department"]: d for d in json.loads(status_view.as_json(status.collect(world.config(), LATE)))}
    [alert] = [e for e in report["disaster-management"]["missed"] if e["platform"] == "twitter"]
    assert alert["kind"] == "alert" and alert["expires_at"] == "2026-12-02T11:00:00+05:30"
    assert alert["recorded_at"]
    assert {e["id"] for e in report["health"]["missed"]} == {DRIVE_ID}
    assert report["health"]["expired"] == [] and report["health"]["failed"] == []
    # The text form: its own column, and the alert named first, marked.
    capsys.readouterr()
    status_view.print_text(status.collect(world.config(), LATE))
    out = capsys.readouterr().out
    assert "missed" in out.splitlines()[2]  # the table's header row
    named = [line for line in out.splitlines() if "missed" in line.lower() and " on " in line]
    assert named[0].startswith(f"!! MISSED ALERT: {ALERT_ID} on ")
    assert named[3].startswith(f"missed: {DRIVE_ID} on ")

    since, until = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)
    result = report_from_repository(config, since=since, until=until, now=LATE)
    depts = {a.slug: a for a in result.departments}
    assert depts["disaster-management"].missed == 3
    assert depts["disaster-management"].missed_by == {"ganesh.sonune": 3}
    assert depts["health"].missed == 3 and depts["health"].missed_by == {"dr.sachin.patil": 3}
    assert result.total.missed == 6
    assert result.total.missed_by == {"ganesh.sonune": 3, "dr.sachin.patil": 3}
    rows = render_csv(result).splitlines()
    assert rows[0].endswith(",dormant,missed,missed_by")
    assert rows[-1].endswith(",6,dr.sachin.patil:3 ganesh.sonune:3")


def test_a_dry_run_names_them_records_nothing_and_exits_1(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    setup(world)
    world.publish(now=EARLY, ledger_at_now=True)
    before = [p.read_bytes() for p in sorted((world.root / "audit").iterdir())]
    capsys.readouterr()
    assert world.run(now=LATE, dry_run=True) == 1
    err = capsys.readouterr().err
    assert err.startswith("6 posts would be recorded as missed: expired before they were posted\n!! MISSED ALERT: ")
    assert [p.read_bytes() for p in sorted((world.root / "audit").iterdir())] == before


def test_only_platforms_in_use_before_the_expiry_count(world: World) -> None:
    """A platform enabled after an announcement expired never had the chance: expired there, not missed."""
    setup(world)
    config_path = world.root / "config.yaml"
    original = config_path.read_text(encoding="utf-8")
    config_path.write_text(original.replace("  facebook:\n    enabled: true", "  facebook:\n    enabled: false"))
    world.publish(now=EARLY, ledger_at_now=True)  # X and the website only
    config_path.write_text(original, encoding="utf-8")

    plan, _ = build_plan(world.config(), [], LATE)
    statuses = {(i.id, i.platform): i.status for i in plan.items}
    assert statuses[(ALERT_ID, "facebook")] == "expired"
    assert statuses[(ALERT_ID, "twitter")] == "missed"
    assert statuses[(CAMP_ID, "facebook")] == "due"  # not expired: it goes out late, in this run
    assert world.run(now=LATE) == 1
    assert sorted((e["announcement"], e["platform"]) for e in missed_entries(world)) == sorted(
        (a, p) for a in (ALERT_ID, DRIVE_ID) for p in ("twitter", "website")
    )
    assert read_state(world.config().audit_dir).get(CAMP_ID, "facebook").complete


def test_a_retracted_or_half_posted_announcement_is_not_missed(world: World) -> None:
    setup(world)
    world.publish(now=EARLY, ledger_at_now=True)
    from pmcpost.audit import AuditLog

    log = AuditLog(world.config().audit_dir)
    log.append({"event": "retracted", "announcement": DRIVE_ID, "platform": "twitter", "reason": "cancelled"})
    log.append(
        {
            "event": "posted",
            "announcement": ALERT_ID,
            "platform": "twitter",
            "part": 0,
            "parts": 2,
            "remote": {"id": "1", "url": "https://x.com/PMCPune/status/1"},
        }
    )
    plan, _ = build_plan(world.config(), [], LATE)
    statuses = {(i.id, i.platform): i.status for i in plan.items}
    assert statuses[(DRIVE_ID, "twitter")] == "retracted"
    assert statuses[(ALERT_ID, "twitter")] == "expired"  # half a thread went out: not missed
    assert statuses[(ALERT_ID, "facebook")] == "missed"


def test_report_counts_missed_entries_in_the_period() -> None:
    from helpers import REAL_CONFIG

    from pmcpost.config import load_config

    config = load_config(REAL_CONFIG.parent, environ={})
    entry = {
        "event": "missed",
        "announcement": ALERT_ID,
        "department": "disaster-management",
        "platform": "twitter",
        "coordinator": {"id": "ganesh.sonune", "name": "Ganesh Sonune"},
    }
    entries = [
        {**entry, "time": "2026-11-10T05:00:00.000000Z"},
        {**entry, "platform": "website", "time": "2026-11-10T05:00:00.000000Z"},
        {**entry, "time": "2026-12-10T05:00:00.000000Z"},  # after the period
    ]
    since, until = datetime(2026, 11, 1, tzinfo=IST), datetime(2026, 12, 1, tzinfo=IST)
    result = build_report(config, entries, [], since=since, until=until, now=until)
    depts = {a.slug: a for a in result.departments}
    assert depts["disaster-management"].missed == 2
    assert depts["disaster-management"].missed_by == {"ganesh.sonune": 2}
    assert depts["roads"].missed == 0


def test_in_ci_they_are_pushed_so_the_next_job_on_a_fresh_clone_stays_quiet(world: World, tmp_path: Path) -> None:
    setup(world)
    world.publish(now=EARLY, ledger_at_now=True)
    quiet_git(world.root, "add", "-A")
    quiet_git(world.root, "commit", "-qm", "the early run")
    origin = tmp_path / "origin.git"
    quiet_git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    quiet_git(world.root, "push", "-q", str(origin), "main")

    def runner(name: str) -> World:
        quiet_git(tmp_path, "clone", "-q", str(origin), str(tmp_path / name))
        return dataclasses.replace(world, root=tmp_path / name)

    # Nothing else is due at 12:00: the job records the missed posts, pushes them and fails.
    assert runner("job-1").run(now=LATE, git_push=True) == 1
    second = runner("job-2")
    assert len(missed_entries(second)) == 6
    assert second.run(now=LATE + timedelta(minutes=15), git_push=True) == 0
    assert len(missed_entries(second)) == 6


def test_a_post_that_kept_failing_until_it_expired_is_missed_with_its_last_error(world: World) -> None:
    setup(world)
    world.x.fail("/2/tweets", 400, method="POST")  # the alert (planned first) is refused on X
    _, outcomes = world.publish(now=datetime(2026, 12, 2, 10, 0, tzinfo=IST), ledger_at_now=True)
    assert {(o.item.id, o.status) for o in outcomes if o.item.platform == "twitter"} == {
        (ALERT_ID, "failed"),
        (DRIVE_ID, "posted"),
        (CAMP_ID, "posted"),
    }
    [alert] = [o for o in outcomes if (o.item.id, o.item.platform) == (ALERT_ID, "twitter")]
    report = {d["department"]: d for d in json.loads(status_view.as_json(status.collect(world.config(), LATE)))}
    [missed] = report["disaster-management"]["missed"]
    assert missed["platform"] == "twitter"
    assert missed["reason"] == (
        f"expired 2026-12-02 11:00 IST before it was posted; the last attempt failed: {alert.error}"
    )
    assert report["disaster-management"]["failed"] == []
    assert {e["platform"] for e in report["disaster-management"]["posted"]} == {"facebook", "website"}
