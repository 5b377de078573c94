"""`pmcpost report`: what each department posted in a period, who was answerable, and who fell silent.

Every department in config.yaml appears, including those with nothing: a silent department is the finding.
A post is one announcement on one platform (its first part posted or reconciled). The ledger does not carry
an announcement's kind, so it comes from the files in content/ ("unknown" when the file is gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from pmcpost.audit import LedgerState, format_time, parse_time, person_id
from pmcpost.auditquery import DEFAULT_EVENTS, Query, iter_matches, parse_bound
from pmcpost.config import KINDS, Config
from pmcpost.content import Announcement
from pmcpost.errors import UsageError

REPORT_FORMATS = ("text", "markdown", "csv", "json", "html")
POST_EVENTS = ("posted", "reconciled")
# A post that went out more than this after its publish_at counts as late (scheduled runs come every 15
# minutes and may start late when GitHub is busy: an hour is a delay a reader notices).
LATE_AFTER = timedelta(hours=1)


@dataclass
class Activity:
    """One department's (or the whole cell's) activity in the period."""

    slug: str
    posts: int = 0
    by_platform: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    failures: int = 0
    retractions: int = 0
    late: int = 0  # posts that went out more than LATE_AFTER after their publish_at
    missed: int = 0  # posts that expired before they went out (one per announcement and platform)
    missed_by: dict[str, int] = field(default_factory=dict)  # coordinator id -> missed posts
    last_post: datetime | None = None  # the latest post before the period's end, however long ago
    coordinators: set[str] = field(default_factory=set)  # who posted
    approvers: set[str] = field(default_factory=set)
    hand_posts: int = 0  # posts made by hand (WhatsApp Channel, YouTube) and recorded with `pmcpost record`
    hand_waits: list[int] = field(default_factory=list)  # minutes each waited between hand-over and record
    awaiting: int = 0  # handed over and not yet recorded as posted by hand, at the report's time


@dataclass(frozen=True)
class Awaiting:
    """A post handed over and not yet recorded as made by hand."""

    announcement: str
    platform: str
    since: datetime
    overdue: bool


@dataclass
class CoordinatorActivity:
    """What one coordinator is answerable for in the period (posts, late and missed ones, retractions)."""

    id: str
    name: str
    departments: tuple[str, ...]
    posts: int = 0
    late: int = 0
    missed: int = 0
    retractions: int = 0
    awaiting: int = 0  # posts of theirs handed over and not yet recorded as posted by hand


@dataclass(frozen=True)
class Dormancy:
    """A department with no post for longer than policy.dormancy_days and nothing scheduled."""

    department: str
    last_post: datetime | None
    days: int | None  # whole days since the last post; None when it never posted
    threshold: int
    contacts: tuple[str, ...] = ()  # "Name (id)" of the department's coordinators: whom to ask

    def describe(self) -> str:
        if self.last_post is None:
            return f"{self.department}: no post on record and nothing scheduled"
        return (
            f"{self.department}: no post for {self.days} days (since {self.last_post:%Y-%m-%d}; "
            f"threshold {self.threshold}) and nothing scheduled"
        )

    def with_contacts(self) -> str:
        """``describe`` and whom to ask: the department's coordinators."""
        return self.describe() + (f"; contact {', '.join(self.contacts)}" if self.contacts else "")


@dataclass
class Report:
    since: datetime
    until: datetime  # exclusive
    label: str
    departments: list[Activity]
    total: Activity
    platforms: list[str]
    kinds: list[str]
    dormant: list[Dormancy]
    awaiting: list[Awaiting] = field(default_factory=list)  # still to post by hand at the report's time
    by_hand: bool = False  # a platform posted by hand is enabled: the awaiting counts are shown
    coordinators: list[CoordinatorActivity] = field(default_factory=list)
    posts: list[PostFact] = field(default_factory=list)  # every post of the period, for the HTML report's charts


@dataclass(frozen=True)
class PostFact:
    """One post in the period: where and when it went out, and the commit that carried the approved file."""

    department: str
    time: datetime
    commit: str | None
    late: bool


def period(
    tz: tzinfo, now: datetime, *, month: str | None = None, since: str | None = None, until: str | None = None
) -> tuple[datetime, datetime, str]:
    """[start, end) and a label: a calendar month (local time), a since/until range, or the current month
    (on the 1st: the month just ended)."""
    if month is not None and (since or until):
        raise UsageError("give either --month or --since/--until, not both")
    if month is None and not since and not until:
        local = now.astimezone(tz)
        # On the 1st the month worth reporting is the one just ended (today has barely begun).
        month = f"{local - timedelta(days=local.day == 1):%Y-%m}"
    if month is not None:
        try:
            start = datetime.strptime(month, "%Y-%m").replace(tzinfo=tz)
        except ValueError:
            raise UsageError(f"--month {month!r} must look like 2026-11") from None
        end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        return start, end, f"{start:%B %Y}"
    if not since or not until:
        raise UsageError("--since and --until go together")
    start, end = parse_bound(since, tz, end=False), parse_bound(until, tz, end=True)
    if end <= start:
        raise UsageError("--until is before --since")
    return start, end, f"{since} to {until}"


def _time(entry: Mapping[str, Any]) -> datetime | None:
    try:
        return parse_time(str(entry.get("time")))
    except ValueError:
        return None


def _department(entry: Mapping[str, Any]) -> str | None:
    dept = entry.get("department")
    if isinstance(dept, str):
        return dept
    ann = entry.get("announcement")
    return ann.split("/", 1)[0] if isinstance(ann, str) and "/" in ann else None


def _is_first_post(entry: Mapping[str, Any]) -> bool:
    return entry.get("event") in POST_EVENTS and bool(entry.get("remote")) and entry.get("part", 0) == 0


def build_report(
    config: Config,
    entries: Iterable[Mapping[str, Any]],
    announcements: Iterable[Announcement],
    *,
    since: datetime,
    until: datetime,
    now: datetime,
    label: str = "",
) -> Report:
    """Fold the ledger entries (any order, any period: those after ``until`` are ignored) into the report."""
    announcements = list(announcements)
    kinds_by_id = {a.id: a.kind for a in announcements}
    due_by_id = {a.id: a.publish_at for a in announcements}
    people = {
        c.id: CoordinatorActivity(c.id, c.name, tuple(s for s, d in config.departments.items() if c in d.coordinators))
        for d in config.departments.values()
        for c in d.coordinators
    }

    def person(entry: Mapping[str, Any]) -> CoordinatorActivity | None:
        pid = person_id(entry.get("coordinator"))
        if pid is None:
            return None
        if pid not in people:  # a coordinator since removed from config still counts
            ref = entry.get("coordinator")
            name = str(ref.get("name") or pid) if isinstance(ref, Mapping) else pid
            people[pid] = CoordinatorActivity(pid, name, ())
        return people[pid]

    scheduled = _scheduled(announcements, min(until, now))
    acts = {slug: Activity(slug) for slug in config.departments}
    total = Activity("total")
    platforms = config.enabled_platforms()  # and any other that posted in the period, as it appears
    kinds = list(KINDS)
    failed_seen: set[tuple[str, str]] = set()
    posts: list[PostFact] = []
    for e in entries:
        moment = _time(e)
        slug = _department(e)
        if moment is None or slug is None or moment >= until:
            continue
        act = acts.setdefault(slug, Activity(slug))  # a department since removed from config still counts
        event = e.get("event")
        if _is_first_post(e) and (act.last_post is None or moment > act.last_post):
            act.last_post = moment
        if moment < since:
            continue
        if _is_first_post(e):
            platform = str(e.get("platform") or "unknown")
            kind = str(e.get("kind") or kinds_by_id.get(str(e.get("announcement")), "unknown"))
            if platform not in platforms:
                platforms.append(platform)
            if kind not in kinds:
                kinds.append(kind)
            due = due_by_id.get(str(e.get("announcement")))
            late = due is not None and moment - due > LATE_AFTER
            for a in (act, total):
                a.posts += 1
                a.late += late
                a.by_platform[platform] = a.by_platform.get(platform, 0) + 1
                a.by_kind[kind] = a.by_kind.get(kind, 0) + 1
            if e.get("by_hand") is True:
                handed = _time({"time": e.get("handed_over")})
                for a in (act, total):
                    a.hand_posts += 1
                    if handed is not None:
                        a.hand_waits.append(int((moment - handed).total_seconds() // 60))
            who = person(e)
            if who is not None:
                who.posts += 1
                who.late += late
            commit = e.get("commit")
            posts.append(PostFact(slug, moment, commit if isinstance(commit, str) else None, late))
        if event in POST_EVENTS:
            coordinator, approver = person_id(e.get("coordinator")), person_id(e.get("approver"))
            for a in (act, total):
                if coordinator:
                    a.coordinators.add(coordinator)
                if approver:
                    a.approvers.add(approver)
        elif event == "failed":
            # once per announcement and platform: a platform failing run after run is one failure, not many
            key = (str(e.get("announcement")), str(e.get("platform")))
            if key not in failed_seen:
                failed_seen.add(key)
                act.failures += 1
                total.failures += 1
        elif event == "retracted":
            act.retractions += 1
            total.retractions += 1
            if (who := person(e)) is not None:
                who.retractions += 1
        elif event == "missed":
            pid = person_id(e.get("coordinator")) or "unknown"
            for a in (act, total):
                a.missed += 1
                a.missed_by[pid] = a.missed_by.get(pid, 0) + 1
            if (who := person(e)) is not None:
                who.missed += 1
    lasts = [a.last_post for a in acts.values() if a.last_post]
    total.last_post = max(lasts) if lasts else None
    dormant = _dormancy(config, {s: a.last_post for s, a in acts.items()}, scheduled, min(until, now))
    ordered = [acts[s] for s in config.departments] + [a for s, a in acts.items() if s not in config.departments]
    return Report(
        since, until, label, ordered, total, platforms, kinds, dormant, coordinators=list(people.values()), posts=posts
    )


def _scheduled(announcements: Iterable[Announcement], moment: datetime) -> set[str]:
    """Departments with an announcement still to go out after ``moment``."""
    return {a.department for a in announcements if a.publish_at > moment and not a.is_expired(moment)}


def _dormancy(
    config: Config, last_posts: Mapping[str, datetime | None], scheduled: set[str], moment: datetime
) -> list[Dormancy]:
    threshold = config.policy.dormancy_days
    out = []
    for slug in config.departments:
        last = last_posts.get(slug)
        if slug in scheduled:
            continue
        contacts = tuple(f"{c.name} ({c.id})" for c in config.departments[slug].coordinators)
        if last is None:
            out.append(Dormancy(slug, None, None, threshold, contacts))
        elif moment - last > timedelta(days=threshold):
            out.append(Dormancy(slug, last, (moment - last).days, threshold, contacts))
    return out


def last_posts(source: LedgerState | Iterable[Mapping[str, Any]] | Path, until: datetime) -> dict[str, datetime]:
    """Each department's latest post before ``until``, from a folded ledger, entries, or the audit folder."""
    out: dict[str, datetime] = {}

    def note(slug: str | None, moment: datetime | None) -> None:
        if slug and moment is not None and moment < until and (slug not in out or moment > out[slug]):
            out[slug] = moment

    if isinstance(source, LedgerState):
        for slug, moment in source.department_last_posts(format_time(until)).items():
            note(slug, _time({"time": moment}))
        return out
    entries = iter_matches(source, Query(events=POST_EVENTS, until=until)) if isinstance(source, Path) else source
    for item in entries:
        e = item[1] if isinstance(item, tuple) else item
        if _is_first_post(e):
            note(_department(e), _time(e))
    return out


def dormant_departments(
    config: Config,
    state_or_entries: LedgerState | Iterable[Mapping[str, Any]] | Path,
    announcements: Iterable[Announcement],
    now: datetime,
) -> list[Dormancy]:
    """Departments with no post for longer than policy.dormancy_days before ``now`` and nothing scheduled
    (no announcement in content/ still to go out); for `pmcpost status` and `report --dormant`."""
    lasts = last_posts(state_or_entries, now)
    return _dormancy(config, dict(lasts), _scheduled(announcements, now), now)


def report_from_repository(
    config: Config, *, since: datetime, until: datetime, now: datetime, label: str = ""
) -> Report:
    """The report from the audit folder and the announcement files of ``config``'s repository."""
    from pmcpost.validate import load_all

    announcements = load_all(config).announcements
    entries = (e for _, e in iter_matches(config.audit_dir, Query(events=DEFAULT_EVENTS, until=until)))
    result = build_report(config, entries, announcements, since=since, until=until, now=now, label=label)
    result.by_hand = bool(_hand_platforms(config))
    result.awaiting = awaiting_hand_posts(config, now)
    coordinator_of = {a.id: a.coordinator for a in announcements}
    departments = {a.slug: a for a in result.departments}
    people = {c.id: c for c in result.coordinators}
    for w in result.awaiting:
        for act in (departments.get(w.announcement.split("/", 1)[0]), result.total):
            if act is not None:
                act.awaiting += 1
        who = people.get(coordinator_of.get(w.announcement, ""))
        if who is not None:
            who.awaiting += 1
    return result


def _hand_platforms(config: Config) -> set[str]:
    """The enabled platforms that pmcpost hands over to be posted by hand."""
    from pmcpost.platforms.registry import description

    installed = _installed()
    return {n for n, p in config.platforms.items() if p.enabled and n in installed and description(n).by_hand}


def awaiting_hand_posts(config: Config, now: datetime) -> list[Awaiting]:
    """The posts handed over (platforms posted by hand) that nobody has recorded yet, overdue ones marked."""
    from pmcpost.fold import read_ledger
    from pmcpost.platforms.handover import overdue_after
    from pmcpost.platforms.registry import description

    hand = {n for n, p in config.platforms.items() if n in _installed() and description(n).by_hand}
    if not hand:
        return []
    state = read_ledger(config)
    out = []
    for (announcement, platform), rec in state.records.items():
        if platform not in hand or rec.posted or rec.retracted or not rec.pending:
            continue
        times = [parse_time(str(p["time"])) for p in rec.pending.values() if isinstance(p.get("time"), str)]
        if times:
            since = min(times)
            late = now - since > overdue_after(config.platforms[platform])
            out.append(Awaiting(announcement, platform, since, late))
    return sorted(out, key=lambda w: (w.since, w.announcement, w.platform))


def _installed() -> set[str]:
    from pmcpost.platforms.registry import available_platforms

    return set(available_platforms())


def approval_hours(config: Config, posts: Iterable[PostFact]) -> list[float]:
    """Hours from approval to post, one per post whose ledger entry names its commit: the approved file's
    commit time (when it landed on the branch that publishes) to the post's time. Unknown commits are left out."""
    import re

    from pmcpost import gitutil

    posts = [p for p in posts if p.commit and re.fullmatch(r"[0-9a-f]{7,64}", p.commit)]
    if not posts or not gitutil.is_repo(config.root):
        return []
    shas = sorted({str(p.commit) for p in posts})
    proc = gitutil.run_git(config.root, "log", "--no-walk", "--ignore-missing", "--format=%H %cI", *shas, check=False)
    when: dict[str, datetime] = {}
    for line in proc.stdout.splitlines():
        sha, _, stamp = line.partition(" ")
        try:
            when[sha] = datetime.fromisoformat(stamp)
        except ValueError:
            continue
    hours = []
    for p in posts:
        full = next((sha for sha in when if sha.startswith(str(p.commit))), None)
        if full is not None and p.time >= when[full]:
            hours.append((p.time - when[full]).total_seconds() / 3600)
    return hours
