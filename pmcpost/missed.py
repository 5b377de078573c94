"""Missed posts: an announcement whose ``expires_at`` passed before anything of it was posted on a platform.

A platform counts from its first entry in the audit log (the first run that worked there): what expired before
then was never pmcpost's to post (a platform enabled later, the sample content of a fresh clone) and stays
"expired". `publish` records each missed post once (event ``missed``) and exits 1 when it recorded one;
`status`, `report` and `preview` show them. A missed alert is the worst case: it is always listed first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from pmcpost.audit import AuditLog, PlatformRecord, format_time
from pmcpost.config import Config
from pmcpost.content import Announcement

if TYPE_CHECKING:
    from pmcpost.plan import Plan, PlanItem

ALERT_MARK = "!! MISSED ALERT"


def missed_reason(
    a: Announcement, rec: PlatformRecord, active_since: str | None, tz: tzinfo, *, approved: bool = True
) -> str | None:
    """Why the expired ``a`` counts as missed on the platform of ``rec``, or None when it does not: something
    of it went out (a half-posted thread), an intent is still open (it may have gone out), it was retracted,
    or it expired before pmcpost's first entry for that platform (``active_since``)."""
    if a.expires_at is None:
        return None
    if not rec.missed:
        if rec.posted or rec.pending or rec.retracted:
            return None
        if active_since is None or active_since >= format_time(a.expires_at):
            return None
    why = f"expired {a.expires_at.astimezone(tz):%Y-%m-%d %H:%M %Z} before it was posted"
    if rec.failed:
        return f"{why}; the last attempt failed: {rec.failed}"
    if not approved:
        return f"{why}; it was never approved"
    return why


def _order(item: PlanItem) -> tuple[int, datetime, str]:
    # A stable sort: each announcement's platforms stay in the plan's order.
    a = item.announcement
    assert a.expires_at is not None
    return (0 if a.kind == "alert" else 1, a.expires_at, a.id)


def new_missed(plan: Plan) -> list[PlanItem]:
    """The missed posts the audit log does not record yet, alerts first."""
    return sorted((i for i in plan.items if i.status == "missed" and not i.record.missed), key=_order)


def record_missed(
    config: Config, log: AuditLog, items: Sequence[PlanItem], *, run_id: str, actor: Mapping[str, str]
) -> None:
    """One ``missed`` entry per announcement and platform, made durable together."""
    for item in items:
        a = item.announcement
        assert a.expires_at is not None
        entry: dict[str, Any] = {
            "event": "missed",
            "run": run_id,
            **item.audit_fields(config),
            "publish_at": format_time(a.publish_at),
            "expires_at": format_time(a.expires_at),
            "actor": dict(actor),
            "reason": item.reason,
        }
        log.append(entry, durable=False)
        item.record.missed = True
    log.sync()


def missed_line(announcement_id: str, platform: str, kind: str, reason: str) -> tuple[str, str]:
    """The line that names one missed post, and its style: an alert is marked so that no one reads past it."""
    from pmcpost.safetext import visible  # the reason may hold a platform's words from the ledger

    if kind == "alert":
        return visible(f"{ALERT_MARK}: {announcement_id} on {platform}: {reason}"), "bold white on red"
    return visible(f"missed: {announcement_id} on {platform}: {reason}"), "bold red"


def print_missed(config: Config, items: Iterable[PlanItem], *, recorded: bool) -> None:
    """Name every missed post on stderr, alerts first, before anything else a run says."""
    from pmcpost.output import console, plural

    items = sorted(items, key=_order)
    if not items:
        return
    con = console(stderr=True)
    posts, were = plural(len(items), "post"), plural(len(items), "it was", "they were", count=False)
    if recorded:
        head = f"{posts} missed: expired before {were} posted (now in the audit log)"
    else:
        head = f"{posts} would be recorded as missed: expired before {were} posted"
    con.print(head, style="bold red", markup=False, highlight=False)
    for item in items:
        a = item.announcement
        text, style = missed_line(a.id, item.platform, a.kind, item.reason)
        person = config.person(a.coordinator)
        who = f"{person.name} ({person.id})" if person else a.coordinator
        con.print(f"{text}; answerable: {who}", style=style, markup=False, highlight=False, soft_wrap=True)
