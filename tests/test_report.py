"""pmcpost report: counts per department, platform and kind; dormancy at the threshold's edge; markdown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo

from pmcpost.audit import AuditLog, read_state
from pmcpost.cli import cli
from pmcpost.config import load_config
from pmcpost.output.report import render_markdown
from pmcpost.report import build_report, dormant_departments, period, report_from_repository
from pmcpost.validate import load_all

WATER = "water-supply/2026-12-01-shutdown"
ANIL = {"id": "anil.jadhav", "name": "Anil Jadhav"}
PRIYA = {"id": "priya.shinde", "name": "Priya Shinde"}
UTC = timezone.utc


def post(announcement: str, platform: str, **extra: Any) -> dict[str, Any]:
    return {
        "event": "posted",
        "announcement": announcement,
        "department": announcement.split("/")[0],
        "platform": platform,
        "part": 0,
        "parts": 1,
        "remote": {"id": "1", "url": "https://example.org/1"},
        **extra,
    }


def write_log(root: Path, timed: list[tuple[datetime, dict[str, Any]]]) -> None:
    ticks = iter(t for t, _ in timed)
    log = AuditLog(root / "audit", clock=lambda: next(ticks))
    for _, entry in timed:
        log.append(entry)


def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    write_log(
        root,
        [
            (datetime(2026, 10, 20, 5, tzinfo=UTC), post("roads/2026-10-20-old", "twitter", kind="alert")),
            (datetime(2026, 11, 2, 5, tzinfo=UTC), post(WATER, "twitter", coordinator=ANIL, approver=PRIYA)),
            (datetime(2026, 11, 2, 5, 1, tzinfo=UTC), post(WATER, "twitter", part=1, parts=2)),  # same post
            (datetime(2026, 11, 2, 6, tzinfo=UTC), post(WATER, "facebook", coordinator=ANIL, approver=PRIYA)),
            (datetime(2026, 11, 3, 6, tzinfo=UTC), {"event": "failed", "announcement": WATER, "platform": "website"}),
            (datetime(2026, 11, 4, 6, tzinfo=UTC), post("roads/2026-11-04-closure", "facebook", kind="alert")),
            (
                datetime(2026, 11, 5, 6, tzinfo=UTC),
                {"event": "retracted", "announcement": "roads/2026-11-04-closure", "platform": "facebook"},
            ),
            (datetime(2026, 12, 2, 6, tzinfo=UTC), post(WATER, "website")),  # after November
        ],
    )
    return root


def test_counts_for_a_month(tmp_path: Path) -> None:
    config = load_config(repo(tmp_path), environ={})
    tz = config.organisation.tz
    now = datetime(2026, 12, 10, tzinfo=UTC)
    since, until, label = period(tz, now, month="2026-11")
    assert label == "November 2026"
    report = report_from_repository(config, since=since, until=until, now=now, label=label)
    assert [a.slug for a in report.departments] == list(config.departments)  # every department, even silent
    water = report.departments[0]
    assert (water.posts, water.by_platform, water.by_kind) == (2, {"twitter": 1, "facebook": 1}, {"notice": 2})
    assert (water.failures, water.retractions) == (1, 0)
    assert water.last_post == datetime(2026, 11, 2, 6, tzinfo=UTC)
    assert (water.coordinators, water.approvers) == ({"anil.jadhav"}, {"priya.shinde"})
    roads = next(a for a in report.departments if a.slug == "roads")
    assert (roads.posts, roads.by_kind, roads.retractions) == (1, {"alert": 1}, 1)
    health = next(a for a in report.departments if a.slug == "health")
    assert (health.posts, health.last_post) == (0, None)
    t = report.total
    assert (t.posts, t.failures, t.retractions, t.by_kind) == (3, 1, 1, {"notice": 2, "alert": 1})


def test_dormancy_at_the_threshold_edge(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    config = load_config(root, environ={})
    last = datetime(2026, 11, 1, 4, 30, tzinfo=UTC)
    entries = [{**post("roads/2026-11-01-x", "twitter"), "time": "2026-11-01T04:30:00.000000Z"}]
    exactly = last + timedelta(days=config.policy.dormancy_days)
    assert "roads" not in [d.department for d in dormant_departments(config, entries, [], exactly)]
    after = exactly + timedelta(seconds=1)
    found = {d.department: d for d in dormant_departments(config, entries, [], after)}
    assert found["roads"].describe() == (
        "roads: no post for 14 days (since 2026-11-01; threshold 14) and nothing scheduled"
    )
    assert found["health"].describe() == "health: no post on record and nothing scheduled"
    assert set(found) == set(config.departments)


def test_something_scheduled_is_not_dormant(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})  # water-supply, 2026-12-01 18:00 India time
    config = load_config(root, environ={})
    announcements = load_all(config, jobs=1).announcements
    before = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert "water-supply" not in [d.department for d in dormant_departments(config, [], announcements, before)]
    after = datetime(2026, 12, 1, 12, 31, tzinfo=UTC)  # 18:01 in Pune: gone out (or not), no longer scheduled
    assert "water-supply" in [d.department for d in dormant_departments(config, [], announcements, after)]


def test_dormancy_from_the_folded_ledger_and_the_folder(tmp_path: Path) -> None:
    root = repo(tmp_path)
    config = load_config(root, environ={})
    now = datetime(2026, 11, 17, 6, 0, 1, tzinfo=UTC)  # 15 days after water's last post, 13 after roads'
    from_state = dormant_departments(config, read_state(config.audit_dir), [], now)
    from_folder = dormant_departments(config, config.audit_dir, [], now)
    assert from_state == from_folder
    assert [d.department for d in from_state if d.last_post] == ["water-supply"]


def test_markdown_table(tmp_path: Path) -> None:
    config = load_config(repo(tmp_path), environ={})
    now = datetime(2026, 12, 10, tzinfo=UTC)
    since, until, label = period(config.organisation.tz, now, month="2026-11")
    entries = [
        {**post(WATER, p), "time": t}
        for p, t in (("twitter", "2026-11-02T05:00:00.000000Z"), ("facebook", "2026-11-02T06:00:00.000000Z"))
    ] + [{**post("roads/2026-11-04-closure", "facebook", kind="alert"), "time": "2026-11-04T06:00:00.000000Z"}]
    report = build_report(config, entries, [], since=since, until=until, now=now, label=label)
    lines = render_markdown(config, report, now).splitlines()
    assert lines[0] == "# Social media activity: November 2026"
    assert lines[2] == "पुणे महानगरपालिका / Pune Municipal Corporation — समाजमाध्यम कक्ष / Social Media Cell"
    assert lines[4] == (
        "Period 2026-11-01 to 2026-11-30 (Asia/Kolkata); prepared 2026-12-10 05:30 by pmcpost from the audit log."
    )
    table = lines[6:22]
    assert table[0] == "| Department | Posts | twitter | facebook | website | Failed | Retracted | Last post | |"
    assert table[1] == "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
    assert table[2] == (
        "| पाणीपुरवठा विभाग / Water Supply Department | 2 | 1 | 1 | 0 | 0 | 0 | 2026-11-02 11:30 | " + "█" * 24 + " |"
    )
    assert table[4] == "| पथ विभाग / Road Department | 1 | 0 | 1 | 0 | 0 | 0 | 2026-11-04 11:30 | " + "█" * 12 + " |"
    assert table[5] == "| आरोग्य विभाग / Health Department | 0 | 0 | 0 | 0 | 0 | 0 | never |  |"
    assert table[-1] == "| **Total** | 3 | 1 | 2 | 0 | 0 | 0 | 2026-11-04 11:30 |  |"
    # no announcement files given: the water posts' kind is unknown, and gets its own column
    assert "| Department | alert | notice | scheme | project | event | unknown |" in lines
    assert "| **Total** | 1 | 0 | 0 | 0 | 0 | 2 |" in lines


def test_cli_dormant_exit_codes(tmp_path: Path) -> None:
    root = repo(tmp_path)
    args = ["--root", str(root), "report", "--dormant", "--now", "2026-11-10T12:00"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "solid-waste: no post on record and nothing scheduled; "
        "contact Mahesh Pawar (mahesh.pawar), Sunita Gaikwad (sunita.gaikwad)"
    )
    assert "water-supply" not in result.stdout  # posted 8 days before


def test_cli_report_csv(tmp_path: Path) -> None:
    root = repo(tmp_path)
    result = CliRunner().invoke(
        cli, ["--root", str(root), "report", "--month", "2026-11", "--format", "csv", "--now", "2026-12-10T12:00"]
    )
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0] == (
        "department,posts,posts_twitter,posts_facebook,posts_website,kind_alert,kind_notice,kind_scheme,"
        "kind_project,kind_event,failures,retractions,last_post,coordinators,approvers,dormant,missed,missed_by"
    )
    assert rows[1] == "water-supply,2,1,1,0,0,2,0,0,0,1,0,2026-11-02T06:00:00Z,anil.jadhav,priya.shinde,no,0,"
    assert rows[-1] == "total,3,1,2,0,1,2,0,0,0,1,1,2026-11-04T06:00:00Z,anil.jadhav,priya.shinde,,0,"


def test_default_month_is_the_current_one_except_on_the_first() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Kolkata")
    # 1 December 00:30 in Pune (30 November 19:00 UTC): November has just ended
    assert period(tz, datetime(2026, 11, 30, 19, tzinfo=UTC))[2] == "November 2026"
    assert period(tz, datetime(2026, 12, 1, 19, tzinfo=UTC))[2] == "December 2026"  # the 2nd in Pune
    assert period(tz, datetime(2026, 11, 30, 18, tzinfo=UTC))[2] == "November 2026"  # 30 Nov 23:30 in Pune
    assert period(tz, datetime(2027, 1, 1, 3, tzinfo=UTC))[2] == "December 2026"


def test_a_past_month_is_judged_as_it_stood_at_its_end(tmp_path: Path) -> None:
    config = load_config(repo(tmp_path), environ={})
    now = datetime(2026, 12, 20, tzinfo=UTC)
    since, until, label = period(config.organisation.tz, now, month="2026-10")
    october = report_from_repository(config, since=since, until=until, now=now, label=label)
    # roads posted on 20 October: 11 days before October's end, so not dormant then (it is by 20 December)
    assert "roads" not in {d.department for d in october.dormant}
    since, until, label = period(config.organisation.tz, now, month="2026-12")
    assert "roads" in {d.department for d in report_from_repository(config, since=since, until=until, now=now).dormant}


def test_per_coordinator_posts_late_missed_and_retracted(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {GOOD_PATH: GOOD_ANNOUNCEMENT})
    vikas = {"id": "vikas.more", "name": "Vikas More"}
    write_log(
        root,
        [
            # GOOD's publish_at is 2026-12-01 18:00 IST (12:30 UTC): on time, then 61 minutes late
            (datetime(2026, 12, 1, 12, 40, tzinfo=UTC), post(WATER, "twitter", coordinator=ANIL)),
            (datetime(2026, 12, 1, 13, 31, tzinfo=UTC), post(WATER, "facebook", coordinator=ANIL)),
            (
                datetime(2026, 12, 2, 6, tzinfo=UTC),
                {"event": "missed", "announcement": WATER, "platform": "website", "coordinator": ANIL},
            ),
            (datetime(2026, 12, 3, 6, tzinfo=UTC), post("roads/2026-12-03-closure", "twitter", coordinator=vikas)),
            (
                datetime(2026, 12, 4, 6, tzinfo=UTC),
                {"event": "retracted", "announcement": "roads/2026-12-03-closure", "coordinator": vikas},
            ),
        ],
    )
    config = load_config(root, environ={})
    now = datetime(2026, 12, 10, tzinfo=UTC)
    since, until, label = period(config.organisation.tz, now, month="2026-12")
    report = report_from_repository(config, since=since, until=until, now=now, label=label)
    by_id = {c.id: (c.departments, c.posts, c.late, c.missed, c.retractions) for c in report.coordinators}
    assert by_id["anil.jadhav"] == (("water-supply",), 2, 1, 1, 0)
    assert by_id["vikas.more"] == (("roads",), 1, 0, 0, 1)
    assert by_id["priya.shinde"] == (("water-supply",), 0, 0, 0, 0)  # silent coordinators are listed too
    markdown = render_markdown(config, report, now)
    assert "| Anil Jadhav (anil.jadhav) | water-supply | 2 | 1 | 1 | 0 |\n" in markdown
    result = CliRunner().invoke(cli, ["--root", str(root), "report", "--now", "2026-12-10T10:00"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[lines.index("Per coordinator (late: more than 60 min after publish_at)") + 2 :][:2] == [
        "coordinator       department           posts  late  missed  retracted",
        "anil.jadhav       water-supply             2     1       1  0",
    ]
