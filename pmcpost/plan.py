"""Deciding what each platform gets now: due, approved, not expired, not yet posted, within quota, not frozen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pmcpost.audit import LedgerState, PlatformRecord
from pmcpost.config import Config
from pmcpost.content import Announcement
from pmcpost.diagnostics import Diagnostic
from pmcpost.errors import TemplateError
from pmcpost.missed import missed_reason
from pmcpost.platforms import Message
from pmcpost.platforms.registry import description
from pmcpost.render import Renderer

# Statuses that mean "post (or finish posting) in this run".
TO_POST = ("due", "resume", "retry")
# Statuses shown by default in previews: not posted yet, and not given up on.
UNPOSTED = (*TO_POST, "scheduled", "held", "frozen", "unapproved", "error", "awaiting", "overdue")


@dataclass
class PlanItem:
    """One announcement on one platform, and what this run does with it."""

    announcement: Announcement
    platform: str
    # due, resume, retry, scheduled, posted, changed, missed, expired, retracted, held, frozen, unapproved, error,
    # awaiting and overdue (handed over to be posted by hand, see pmcpost.platforms.handover)
    status: str
    reason: str = ""
    record: PlatformRecord = field(default_factory=PlatformRecord)
    message: Message | None = None

    @property
    def will_post(self) -> bool:
        return self.status in TO_POST

    @property
    def id(self) -> str:
        return self.announcement.id

    def audit_fields(self, config: Config) -> dict[str, Any]:
        """What every audit entry about this announcement on this platform says of it."""
        a = self.announcement
        return {
            "announcement": a.id,
            "department": a.department,
            "kind": a.kind,
            "coordinator": config.person_ref(a.coordinator),
            "approver": config.person_ref(a.approved_by),
            "platform": self.platform,
            "content_sha256": a.source_sha256,
        }


@dataclass
class Plan:
    items: list[PlanItem]
    now: datetime
    frozen: bool = False
    # platform -> {"step", "retry_after", "error"} of a failing platform (pmcpost.backoff)
    backoff: dict[str, dict[str, object]] = field(default_factory=dict)
    frozen_logged: list[str] | None = None  # what the ledger's last freeze entry held back (LedgerState.frozen)

    @property
    def to_post(self) -> list[PlanItem]:
        return [i for i in self.items if i.will_post]

    def with_status(self, *statuses: str) -> list[PlanItem]:
        return [i for i in self.items if i.status in statuses]


def _priority(item: PlanItem) -> tuple[int, datetime, int, str]:
    a = item.announcement
    # Platforms in their described order: the website last, so its pages can link to the posts just made.
    return (0 if a.kind == "alert" else 1, a.publish_at, description(item.platform).order, a.id)


def make_plan(
    config: Config,
    announcements: Iterable[Announcement],
    state: LedgerState,
    now: datetime,
    *,
    platforms: Sequence[str] | None = None,
    renderer: Renderer | None = None,
    render_all: bool = False,
    quota_now: datetime | None = None,
) -> Plan:
    """Every (announcement, platform) pair with its status; messages are rendered for what will be posted
    (and, with ``render_all``, for everything not yet posted, as previews want). Daily quotas count the 24 hours
    before ``quota_now`` (the real clock, when ``now`` is a what-if time; default ``now``)."""
    renderer = renderer or Renderer(config)
    frozen = config.freeze_active()
    items: list[PlanItem] = []
    for a in announcements:
        for platform in a.platforms:
            if platforms and platform not in platforms:
                continue
            settings = config.platforms.get(platform)
            if settings is None or not settings.enabled:
                continue
            rec = state.get(a.id, platform)
            items.append(_classify(config, a, platform, rec, now, state.active_since.get(platform)))
    items.sort(key=_priority)
    for item in items:
        _back_off(config, item, state, now)
        if item.will_post and frozen and not item.announcement.freeze_exempt:
            item.status, item.reason = "frozen", "a freeze is on: nothing is posted unless exempted"
        if not (item.will_post or (render_all and item.status in UNPOSTED)):
            continue
        try:
            item.message = renderer.render(item.announcement, item.platform)
        except TemplateError as exc:
            item.status, item.reason = "error", str(exc)
    _apply_quotas(config, items, state, now if quota_now is None else quota_now)
    return Plan(items, now, frozen, dict(state.backoff), state.frozen)


def _classify(
    config: Config, a: Announcement, platform: str, rec: PlatformRecord, now: datetime, active_since: str | None
) -> PlanItem:
    changed = bool(rec.posted) and rec.content_sha256 not in (None, a.source_sha256)
    if rec.retracted:
        return PlanItem(a, platform, "retracted", rec.retract_reason or "", rec)
    if rec.complete:
        if changed:
            return PlanItem(
                a,
                platform,
                "changed",
                "the file was edited after it was posted; the post "
                "was not changed (retract it and post a new announcement if needed)",
                rec,
            )
        return PlanItem(a, platform, "posted", "", rec)
    if changed:
        return PlanItem(
            a,
            platform,
            "changed",
            "the file was edited while its thread was half posted; not resumed with different text",
            rec,
        )
    if rec.pending and not rec.posted and description(platform).by_hand:
        return _awaiting(config, a, platform, rec, now)
    if a.is_expired(now):
        if rec.posted:
            return PlanItem(a, platform, "expired", "expired before the thread was finished", rec)
        approved = not config.policy.approval_required or _approved(config, a)
        missed = missed_reason(a, rec, active_since, config.organisation.tz, approved=approved)
        if missed is not None:
            return PlanItem(a, platform, "missed", missed, rec)
        return PlanItem(a, platform, "expired", "", rec)
    if not a.is_due(now):
        return PlanItem(a, platform, "scheduled", "", rec)
    if config.policy.approval_required and not _approved(config, a):
        return PlanItem(
            a, platform, "unapproved", "needs approved_by: the department's other coordinator or a cell member", rec
        )
    if rec.posted or rec.pending:
        return PlanItem(a, platform, "resume", "finishing what an earlier run started", rec)
    if rec.failed:
        return PlanItem(a, platform, "retry", f"the last attempt failed: {rec.failed}", rec)
    return PlanItem(a, platform, "due", "", rec)


def _awaiting(config: Config, a: Announcement, platform: str, rec: PlatformRecord, now: datetime) -> PlanItem:
    """Handed over and not yet recorded as posted by hand: overdue after ``overdue_after``."""
    from pmcpost.audit import parse_time
    from pmcpost.platforms.handover import overdue_after

    settings = config.platforms[platform]
    when = min((str(p["time"]) for p in rec.pending.values() if isinstance(p.get("time"), str)), default="")
    since = parse_time(when) if when else now
    local = since.astimezone(config.organisation.tz)
    record = f"pmcpost record {a.id} --platform {platform} --url URL"
    if now - since > overdue_after(settings):
        reason = f"handed over at {local:%Y-%m-%d %H:%M} and still not posted by hand; then run: {record}"
        return PlanItem(a, platform, "overdue", reason, rec)
    return PlanItem(a, platform, "awaiting", f"handed over at {local:%Y-%m-%d %H:%M}; once posted: {record}", rec)


def _back_off(config: Config, item: PlanItem, state: LedgerState, now: datetime) -> None:
    """Hold what a failing platform (or a failing post) is backing off from: no attempt, no entry."""
    from pmcpost import backoff

    if not item.will_post:
        return
    rec = item.record
    platform = state.backoff.get(item.platform)
    tz = config.organisation.tz
    if platform is not None and backoff.waiting(str(platform["retry_after"]), now):
        step, after = int(platform["step"]), str(platform["retry_after"])
        item.status, item.reason = "held", backoff.hold_reason(item.platform, step, after, str(platform["error"]), tz)
    elif backoff.waiting(rec.retry_after, now):
        assert rec.retry_after is not None
        item.status = "held"
        item.reason = backoff.hold_reason(item.platform, rec.backoff_step, rec.retry_after, rec.failed, tz)


def ledger_holds(plan: Plan) -> None:
    """Show as held what a publish run held back for lack of approval proof (the reason it recorded); a
    publish run asks the forge afresh instead."""
    for item in plan.items:
        if item.will_post and item.record.held:
            item.status, item.reason = "held", item.record.held


def _approved(config: Config, a: Announcement) -> bool:
    """The two-person rule: an approver other than the coordinator, allowed for the department."""
    return (
        a.approved_by is not None
        and a.approved_by != a.coordinator
        and a.approved_by in config.approvers_for(a.department)
        and a.coordinator in {p.id for p in config.departments[a.department].coordinators}
    )


def _apply_quotas(config: Config, items: list[PlanItem], state: LedgerState, now: datetime) -> None:
    """Hold back what does not fit in a platform's daily quota (alerts were sorted first)."""
    used: dict[str, int] = {}
    for item in items:
        if not item.will_post or item.message is None:
            continue
        quota = config.platforms[item.platform].daily_quota
        if quota is None:
            continue
        if item.platform not in used:
            used[item.platform] = state.posts_since(item.platform, now - timedelta(hours=24))
        needed = len(item.message.parts) - len(item.record.posted)
        if used[item.platform] + needed > quota:
            item.status = "held"
            item.reason = (
                f"the daily quota of {quota} posts on {item.platform} is used "
                f"({used[item.platform]} in the last 24 hours); it goes out in a later run"
            )
            continue
        used[item.platform] += needed


def build_plan(
    config: Config,
    targets: Sequence[Path],
    now: datetime,
    *,
    platforms: Sequence[str] | None = None,
    render_all: bool = False,
    quota_now: datetime | None = None,
) -> tuple[Plan, list[Diagnostic]]:
    """Load the announcements (all, or the given files), read the ledger and plan; the load problems are
    returned so the caller can show them (files with errors are left out of the plan)."""
    from pmcpost.fold import read_ledger
    from pmcpost.validate import load_all

    loaded = load_all(config, targets)
    state = read_ledger(config)
    plan = make_plan(
        config, loaded.announcements, state, now, platforms=platforms, render_all=render_all, quota_now=quota_now
    )
    return plan, sorted(loaded.diagnostics)
