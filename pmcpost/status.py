"""`pmcpost status`: per department, what is scheduled, due, posted, failed, missed, expired or changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pmcpost.config import Config
from pmcpost.plan import PlanItem, ledger_holds, make_plan

GROUPS = (
    *("scheduled", "due", "posted", "failed", "missed", "expired", "changed", "retracted", "held", "frozen"),
    "awaiting",  # handed over, to be posted by hand (overdue ones too)
)
# Groups whose posts should have gone out already: their entries carry how long they are overdue.
OVERDUE_GROUPS = ("due", "failed", "held", "frozen")
# What every count in the table counts.
COUNTS_WHAT = "each count is a post: one announcement on one platform"
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
    if item.status in ("awaiting", "overdue"):
        return "awaiting"
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
        group = _group(item)
        if group in OVERDUE_GROUPS and item.announcement.publish_at < now:
            # how long it has waited: an hour's delay and a week's are different news
            entry["overdue_minutes"] = int((now - item.announcement.publish_at).total_seconds() // 60)
        dept.items[group].append(entry)
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
