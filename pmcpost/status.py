"""`pmcpost status`: per department, what is scheduled, due, posted, failed, missed, expired or changed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pmcpost.config import Config
from pmcpost.plan import PlanItem, ledger_holds, make_plan
from pmcpost.safetext import visible

GROUPS = ("scheduled", "due", "posted", "failed", "missed", "expired", "changed", "retracted", "held", "frozen")
COLUMNS = ("scheduled", "due", "posted", "failed", "missed", "expired", "changed")


@dataclass
class DepartmentStatus:
    slug: str
    name: str
    items: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {g: [] for g in GROUPS})
    dormant: str | None = None  # why the department counts as dormant, when it does


def _group(item: PlanItem) -> str:
    if item.status == "missed":  # its own group, also when its last attempt failed
        return "missed"
    if item.status == "retracted":
        return "retracted"
    if item.status in ("due", "resume"):
        return "due"
    if item.status == "held" and item.record.held:
        return "held"  # no approval proof: the reason says what is missing
    if item.status == "retry" or (item.record.failed and not item.record.complete):
        return "failed"
    if item.status in ("unapproved", "error"):
        return "due"
    return item.status


def collect(config: Config, now: datetime, *, quota_now: datetime | None = None) -> list[DepartmentStatus]:
    from pmcpost.fold import read_ledger
    from pmcpost.report import dormant_departments
    from pmcpost.validate import load_all

    # One pass over content/ and one over the ledger serve both the plan and the dormancy check.
    announcements = load_all(config).announcements
    state = read_ledger(config)
    plan = make_plan(config, announcements, state, now, quota_now=quota_now)
    ledger_holds(plan)
    out = {slug: DepartmentStatus(slug, d.name.get("en", slug)) for slug, d in config.departments.items()}
    for item in plan.items:
        dept = out.get(item.announcement.department)
        if dept is None:
            continue
        entry: dict[str, Any] = {
            "id": item.id,
            "platform": item.platform,
            "status": item.status,
            "publish_at": item.announcement.publish_at.isoformat(),
        }
        if item.record.urls:
            entry["urls"] = item.record.urls
        if item.reason:
            entry["reason"] = item.reason
        if item.record.failed:
            entry["error"] = item.record.failed
        if item.status == "missed":
            a = item.announcement
            entry["kind"] = a.kind
            entry["expires_at"] = a.expires_at.isoformat() if a.expires_at else None
            entry["recorded_at"] = item.record.missed_at  # None until a publish run records it
        if item.status == "retracted":
            _retraction_details(item, entry)
        dept.items[_group(item)].append(entry)
    for d in dormant_departments(config, state, announcements, now):
        if d.department in out:
            out[d.department].dormant = d.describe().removeprefix(f"{d.department}: ")
    return list(out.values())


def _retraction_details(item: PlanItem, entry: dict[str, Any]) -> None:
    """Each part's state, and the posts a retraction left live (a second retract deletes them)."""
    rec = item.record
    if rec.parts or rec.posted:
        entry["parts"] = [rec.part_state(i) for i in range(max(rec.parts, max(rec.posted, default=-1) + 1))]
    live = [r.get("url") or r.get("id") or f"post {i + 1}" for i, r in sorted(rec.live.items())]
    if live:
        entry["still_live"] = live
    entry.pop("error", None)  # a failed post before the retraction no longer matters
    if rec.retract_failed:
        entry["error"] = "; ".join(rec.retract_failed[i] for i in sorted(rec.retract_failed))


def as_json(report: list[DepartmentStatus]) -> str:
    return json.dumps(
        [{"department": d.slug, "name": d.name, "dormant": d.dormant, **d.items} for d in report],
        ensure_ascii=False,
        indent=2,
    )


def print_text(config: Config, report: list[DepartmentStatus]) -> None:
    from rich.table import Table
    from rich.text import Text

    from pmcpost.output import console

    table = Table(title="pmcpost status", title_justify="left")
    table.add_column("department")
    for g in COLUMNS:
        table.add_column(g, justify="right")
    table.add_column("note")
    for d in report:
        note = Text(f"dormant: {d.dormant}", style="yellow") if d.dormant else Text("")
        cells = [Text(str(len(d.items[g])), style="bold red" if g == "missed" and d.items[g] else "") for g in COLUMNS]
        table.add_row(d.slug, *cells, note)
    con = console()
    con.print(table)
    _print_missed(report)
    for d in report:
        for g in ("due", "failed", "changed", "held", "frozen"):
            for e in d.items[g]:
                detail = (e.get("reason") if e["status"] == "held" else None) or e.get("error") or e.get("reason") or ""
                line = f"{g}: {e['id']} on {e['platform']}" + (f": {detail}" if detail else "")
                con.print(Text(visible(line)))  # the ledger's words (platforms' errors) shown, never obeyed
        for e in d.items["retracted"]:
            line = f"retracted: {e['id']} on {e['platform']}: {e.get('reason') or 'no reason given'}"
            if e.get("still_live"):
                line += f"; still live: {', '.join(e['still_live'])} (run pmcpost retract {e['id']} again to delete)"
            con.print(Text(visible(line)))
        for e in d.items["posted"]:
            for url in e.get("urls", []):
                con.print(Text(visible(f"posted: {e['id']} on {e['platform']}: {url}")))


def _print_missed(report: list[DepartmentStatus]) -> None:
    """Missed posts before anything else, alerts first and marked: the worst news comes first."""
    from pmcpost.missed import missed_line
    from pmcpost.output import console

    missed = [e for d in report for e in d.items["missed"]]
    missed.sort(key=lambda e: (e.get("kind") != "alert", e.get("expires_at") or "", e["id"]))  # stable: platforms
    con = console()
    for e in missed:
        text, style = missed_line(e["id"], e["platform"], str(e.get("kind")), e.get("reason", ""))
        con.print(text, style=style, markup=False, highlight=False)
