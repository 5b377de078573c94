"""audit show: filters, period skipping by file name, and the text/json/csv forms."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from helpers import make_repo

from pmcpost.audit import AuditLog
from pmcpost.auditquery import Query, files_in_period, iter_matches, parse_bound
from pmcpost.cli import cli

IST = ZoneInfo("Asia/Kolkata")
ANIL = {"id": "anil.jadhav", "name": "Anil Jadhav"}
PRIYA = {"id": "priya.shinde", "name": "Priya Shinde"}
VIKAS = {"id": "vikas.more", "name": "Vikas More"}
NEHA = {"id": "neha.kale", "name": "Neha Kale"}


def build(root: Path) -> Path:
    """Intent + outcome pairs in October, November and December 2026 (UTC), for two departments."""
    audit = root / "audit"
    ticks = iter(
        datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc) + timedelta(hours=h)
        for h in (0, 0, 25, 25, 25, 25, 800, 800)
    )
    log = AuditLog(audit, clock=lambda: next(ticks))
    water = {"announcement": "water-supply/2026-11-01-shutdown", "department": "water-supply"}
    roads = {"announcement": "roads/2026-11-02-closure", "department": "roads"}
    rows: list[dict[str, Any]] = [
        {**water, "event": "intent", "platform": "twitter", "coordinator": ANIL, "approver": PRIYA},
        {
            **water,
            "event": "posted",
            "platform": "twitter",
            "part": 0,
            "parts": 2,
            "coordinator": ANIL,
            "approver": PRIYA,
            "remote": {"id": "11", "url": "https://x.com/PMCPune/status/11"},
            "actor": {"ci": "github", "job": "publish", "run_id": "7"},
        },
        {**roads, "event": "intent", "platform": "facebook", "coordinator": VIKAS, "approver": NEHA},
        {
            **roads,
            "event": "failed",
            "platform": "facebook",
            "coordinator": VIKAS,
            "approver": NEHA,
            "error": "Graph API: (#200) permission denied",
        },
        {**roads, "event": "intent", "platform": "twitter", "coordinator": VIKAS, "approver": NEHA},
        {
            **roads,
            "event": "posted",
            "platform": "twitter",
            "coordinator": VIKAS,
            "approver": NEHA,
            "remote": {"id": "12", "url": "https://x.com/PMCPune/status/12"},
            "commit": "abc123",
            "author": {"name": "Vikas More", "email": "vikas@example.org"},
            "actor": {"user": "vikas"},
        },
        {**water, "event": "retract-intent", "platform": "twitter", "coordinator": ANIL},
        {**water, "event": "retracted", "platform": "twitter", "coordinator": ANIL, "reason": "wrong date"},
    ]
    for row in rows:
        log.append(row)
    return audit


def events(audit: Path, **kw: object) -> list[tuple[str, str, str]]:
    return [(e["time"], e["event"], e["platform"]) for _, e in iter_matches(audit, Query(**kw))]  # type: ignore[arg-type]


def test_default_events_and_filters(tmp_path: Path) -> None:
    audit = build(tmp_path)
    assert [e for _, e, _ in events(audit)] == ["posted", "failed", "posted", "retracted"]
    assert events(audit, departments=("roads",)) == [
        ("2026-11-01T18:00:00.000000Z", "failed", "facebook"),
        ("2026-11-01T18:00:00.000000Z", "posted", "twitter"),
    ]
    assert [e for _, e, _ in events(audit, coordinators=("anil.jadhav",))] == ["posted", "retracted"]
    assert [e for _, e, _ in events(audit, platforms=("facebook",), events=("intent", "failed"))] == [
        "intent",
        "failed",
    ]
    assert events(audit, announcements=("water-supply/2026-11-01-shutdown",), events=("retract-intent",)) == [
        ("2026-12-04T01:00:00.000000Z", "retract-intent", "twitter")
    ]
    assert events(audit, departments=("health",)) == []


def test_since_until_are_local_days_and_skip_month_files(tmp_path: Path) -> None:
    audit = build(tmp_path)
    since = parse_bound("2026-11-01", IST, end=False)  # 2026-10-31T18:30Z: October's file is still needed
    until = parse_bound("2026-11-30", IST, end=True)
    assert [p.name for p in files_in_period(audit, since, until)] == ["2026-10.jsonl", "2026-11.jsonl"]
    assert [p.name for p in files_in_period(audit, parse_bound("2026-12-01", IST, end=False), None)] == [
        "2026-11.jsonl",  # 1 December in Pune starts at 18:30 UTC on 30 November
        "2026-12.jsonl",
    ]
    assert [p.name for p in files_in_period(audit, parse_bound("2026-12-02", IST, end=False), None)] == [
        "2026-12.jsonl"
    ]
    # 2026-10-31T17:00Z is 22:30 on 31 October in Pune: outside November
    assert [e for _, e, _ in events(audit, since=since, until=until)] == ["failed", "posted"]


def test_prefilter_needs_the_exact_value(tmp_path: Path) -> None:
    audit = build(tmp_path)
    assert events(audit, departments=("road",)) == []  # a prefix of 'roads' is not a match
    assert events(audit, coordinators=("Anil Jadhav",)) == []  # ids, not names


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "show", *args])
    return result.exit_code, result.stdout


def test_cli_text(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    build(root)
    code, out = run(root, "--department", "water-supply")
    assert code == 0
    assert out == (
        "2026-10-31 22:30 IST  posted      water-supply/2026-11-01-shutdown  twitter 1/2  by anil.jadhav, "
        "approved by priya.shinde  https://x.com/PMCPune/status/11\n"
        "2026-12-04 06:30 IST  retracted   water-supply/2026-11-01-shutdown  twitter  by anil.jadhav  "
        "reason: wrong date\n"
    )


def test_cli_json_lines_are_the_stored_entries(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    audit = build(root)
    code, out = run(root, "--format", "json", "--platform", "twitter", "--until", "2026-11-30")
    assert code == 0
    stored = [ln for p in sorted(audit.iterdir()) for ln in p.read_text(encoding="utf-8").splitlines()]
    assert out.splitlines() == [stored[1], stored[5]]
    assert [json.loads(ln)["remote"]["id"] for ln in out.splitlines()] == ["11", "12"]


def test_cli_csv(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    build(root)
    code, out = run(root, "--format", "csv", "--department", "roads")
    assert code == 0
    assert out == (
        "time,event,department,announcement,platform,part,parts,coordinator,approver,url,remote_id,error,reason,"
        "commit,author,actor,run\n"
        "2026-11-01T18:00:00.000000Z,failed,roads,roads/2026-11-02-closure,facebook,,,vikas.more,neha.kale,,,"
        "Graph API: (#200) permission denied,,,,,\n"
        "2026-11-01T18:00:00.000000Z,posted,roads,roads/2026-11-02-closure,twitter,,,vikas.more,neha.kale,"
        "https://x.com/PMCPune/status/12,12,,,abc123,Vikas More <vikas@example.org>,vikas,\n"
    )


def test_cli_rejects_unknown_department_and_coordinator_listing_the_valid_ids(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    build(root)
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "show", "--department", "water"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for --department: 'water' is not in config.yaml; valid ids: water-supply, " in result.stderr
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "show", "--coordinator", "Anil Jadhav"])
    assert result.exit_code == 2
    assert "Error: Invalid value for --coordinator: 'Anil Jadhav' is not in config.yaml; valid ids: ajay.chavan, " in (
        result.stderr
    )
    assert ", anil.jadhav, " in result.stderr


def test_cli_rejects_unknown_event_and_bad_date(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    build(root)
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "show", "--event", "tweeted"])
    assert result.exit_code == 2
    assert "'tweeted' is not one of intent, posted" in result.stderr
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "show", "--since", "2026-02-30"])
    assert result.exit_code == 2
    assert result.stderr == "pmcpost: error: '2026-02-30' is not a real date\n"
