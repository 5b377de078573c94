"""`pmcpost report` rendered: text (terminal), markdown (the monthly report to send on), csv and json."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from pmcpost.config import Config
from pmcpost.output import Cell, emit, say, show_table
from pmcpost.report import LATE_AFTER, Activity, Dormancy, Report
from pmcpost.safetext import visible

BAR_WIDTH = 24


def bar(value: int, largest: int, width: int = BAR_WIDTH) -> str:
    """A row of █ blocks scaled to the largest value; any non-zero value shows at least one block."""
    if value <= 0 or largest <= 0:
        return ""
    return "█" * max(1, round(value * width / largest))


def _names(config: Config, slug: str, languages: Sequence[str]) -> str:
    dept = config.departments.get(slug)
    if dept is None:
        return slug
    names = [dept.name[lang] for lang in languages if lang in dept.name]
    return " / ".join(names) or slug


def _people(config: Config, ids: Iterable[str]) -> str:
    out = []
    for pid in sorted(ids):
        person = config.person(pid)
        out.append(person.name if person else pid)
    return ", ".join(out)


def _missed_by(config: Config, a: Activity) -> str:
    """'Anil Jadhav 2, Priya Shinde 1': missed posts per answerable coordinator."""
    out = []
    for pid, n in sorted(a.missed_by.items(), key=lambda kv: (-kv[1], kv[0])):
        person = config.person(pid)
        out.append(f"{person.name if person else pid} {n}")
    return ", ".join(out)


def _when(moment: datetime | None, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else "never"


def _period_text(report: Report, tz: tzinfo) -> str:
    last_day = (report.until - timedelta(microseconds=1)).astimezone(tz)
    return f"{report.since.astimezone(tz):%Y-%m-%d} to {last_day:%Y-%m-%d}"


def render_markdown(config: Config, report: Report, now: datetime) -> str:
    """A report to send on: a table per department with a bar, posts by kind, people, dormancy."""
    tz = config.organisation.tz
    langs = config.organisation.languages
    org = " / ".join(config.organisation.name[lang] for lang in langs if lang in config.organisation.name)
    cell = " / ".join(config.cell_name[lang] for lang in langs if lang in config.cell_name)
    largest = max((a.posts for a in report.departments), default=0)
    lines = [
        f"# Social media activity: {report.label or _period_text(report, tz)}",
        "",
        f"{org}" + (f" — {cell}" if cell else ""),
        "",
        f"Period {_period_text(report, tz)} ({config.organisation.timezone}); "
        f"prepared {now.astimezone(tz):%Y-%m-%d %H:%M} by pmcpost from the audit log.",
        "",
        "| Department | Posts | " + " | ".join(report.platforms) + " | Failed | Retracted | Last post | |",
        "| --- | ---: | " + " | ".join("---:" for _ in report.platforms) + " | ---: | ---: | --- | --- |",
    ]
    for a in [*report.departments, report.total]:
        name = "**Total**" if a is report.total else _names(config, a.slug, langs)
        cells = [name, str(a.posts), *(str(a.by_platform.get(p, 0)) for p in report.platforms)]
        cells += [str(a.failures), str(a.retractions), _when(a.last_post, tz)]
        cells.append("" if a is report.total else bar(a.posts, largest))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Per coordinator", ""]
    hand = " Awaiting by hand |" if report.by_hand else ""
    lines += [
        "| Coordinator | Department | Posts | Late | Missed | Retracted |" + hand,
        "| --- | --- | ---: | ---: | ---: | ---: |" + (" ---: |" if report.by_hand else ""),
    ]
    for c in report.coordinators:
        lines.append(
            f"| {c.name} ({c.id}) | {', '.join(c.departments) or '—'} | {c.posts} | {c.late} | {c.missed} | "
            f"{c.retractions} |" + (f" {c.awaiting} |" if report.by_hand else "")
        )
    lines += ["", "## Posts by kind", ""]
    lines.append("| Department | " + " | ".join(report.kinds) + " |")
    lines.append("| --- | " + " | ".join("---:" for _ in report.kinds) + " |")
    for a in [*report.departments, report.total]:
        name = "**Total**" if a is report.total else _names(config, a.slug, langs)
        lines.append("| " + " | ".join([name, *(str(a.by_kind.get(k, 0)) for k in report.kinds)]) + " |")
    lines += ["", "## Who posted and who approved", ""]
    for a in report.departments:
        if a.coordinators or a.approvers:
            lines.append(
                f"- {_names(config, a.slug, langs)}: posted by {_people(config, a.coordinators) or 'nobody'}; "
                f"approved by {_people(config, a.approvers) or 'nobody'}"
            )
    if not any(a.coordinators or a.approvers for a in report.departments):
        lines.append("- Nothing was posted in this period.")
    lines += ["", "## Missed posts", ""]
    lines += [
        f"- {_names(config, a.slug, langs)}: {a.missed} missed ({_missed_by(config, a)})"
        for a in report.departments
        if a.missed
    ] or ["- None: everything due went out before it expired."]
    lines += ["", "## Posted by hand", ""]
    lines += [f"- {line}" for line in hand_lines(report, tz)] or ["- Nothing was posted by hand."]
    lines += ["", "## Dormant departments", ""]
    lines += [f"- {d.with_contacts()}" for d in report.dormant] or ["- None."]
    return "\n".join(lines) + "\n"


HAND_COLUMN = ["awaiting by hand"]


def render_text(config: Config, report: Report) -> None:
    """The report on the terminal: a table with a bar per department (a list when the terminal is narrow)."""
    tz = config.organisation.tz
    largest = max((a.posts for a in report.departments), default=0)
    dormant = {d.department for d in report.dormant}
    columns = ["Department", "Posts", "", *report.platforms, "Failed", "Retracted", "Missed"]
    columns += ["By hand, awaiting"] if report.by_hand else []
    columns.append("Last post")
    rows: list[list[Cell]] = []
    for a in report.departments:
        # Slugs, not names: they fit a terminal and are what --department takes.
        rows.append(
            [
                (a.slug + (" (dormant)" if a.slug in dormant else ""), "yellow" if a.slug in dormant else ""),
                str(a.posts),
                (bar(a.posts, largest, 16), "cyan"),
                *(str(a.by_platform.get(p, 0)) for p in report.platforms),
                str(a.failures),
                str(a.retractions),
                (str(a.missed), "bold red") if a.missed else "0",
                *([(str(a.awaiting), "yellow") if a.awaiting else "0"] if report.by_hand else []),
                _when(a.last_post, tz),
            ]
        )
    t = report.total
    rows.append(
        [
            ("Total", "bold"),
            str(t.posts),
            "",
            *(str(t.by_platform.get(p, 0)) for p in report.platforms),
            str(t.failures),
            str(t.retractions),
            str(t.missed),
            *([str(t.awaiting)] if report.by_hand else []),
            _when(t.last_post, tz),
        ]
    )
    numbers = [1, *range(3, 3 + len(report.platforms) + 3 + report.by_hand)]
    show_table(f"Posts, {report.label or _period_text(report, tz)}", columns, rows, right=numbers)
    kinds = ", ".join(f"{k} {t.by_kind[k]}" for k in report.kinds if t.by_kind.get(k))
    say(visible(f"By kind: {kinds or 'nothing posted'}"))
    for a in report.departments:
        if a.coordinators or a.approvers:
            say(
                visible(
                    f"{a.slug}: posted by {_people(config, a.coordinators) or 'nobody'}; "
                    f"approved by {_people(config, a.approvers) or 'nobody'}"
                )
            )
    for a in report.departments:
        if a.missed:
            say(visible(f"{a.slug}: {a.missed} missed ({_missed_by(config, a)})"), style="bold red")
    for line in hand_lines(report, tz):
        say(visible(line), style="bold red" if line.startswith("OVERDUE") else "")
    for d in report.dormant:
        say(visible(f"dormant {d.with_contacts()}"), style="bold yellow")
    say("")
    crows: list[list[Cell]] = [
        [
            c.id,
            ", ".join(c.departments),
            str(c.posts),
            (str(c.late), "yellow") if c.late else "0",
            (str(c.missed), "bold red") if c.missed else "0",
            str(c.retractions),
            *([(str(c.awaiting), "yellow") if c.awaiting else "0"] if report.by_hand else []),
        ]
        for c in report.coordinators
    ]
    late = f"late: more than {int(LATE_AFTER.total_seconds() // 60)} min after publish_at"
    show_table(
        f"Per coordinator ({late})",
        ["coordinator", "department", "posts", "late", "missed", "retracted", *HAND_COLUMN[: report.by_hand]],
        crows,
        right=range(2, 6 + report.by_hand),
    )


def hand_lines(report: Report, tz: tzinfo) -> list[str]:
    """Posts made by hand and how long they waited to be made; what still waits (overdue first)."""
    t = report.total
    out = []
    if t.hand_posts:
        waits = sorted(t.hand_waits)
        said = f"; waited {_minutes(waits[len(waits) // 2])} (median), {_minutes(waits[-1])} at most" if waits else ""
        out.append(f"posted by hand: {t.hand_posts}{said}")
    for w in sorted(report.awaiting, key=lambda w: not w.overdue):
        label = "OVERDUE, awaiting hand posting" if w.overdue else "awaiting hand posting"
        out.append(f"{label}: {w.announcement} on {w.platform} since {_when(w.since, tz)}")
    return out


def _minutes(n: int) -> str:
    return f"{n} min" if n < 120 else f"{n / 60:.1f} h"


def render_dormant(report: Report, fmt: str) -> None:
    """`report --dormant`: the dormant departments alone (json, a markdown list, or lines)."""
    if fmt == "json":
        emit(json.dumps(dormancy_json(report.dormant), ensure_ascii=False, indent=2))
        return
    for d in report.dormant:
        emit(("- " if fmt == "markdown" else "") + d.with_contacts())
    if not report.dormant and fmt != "csv":
        emit("no dormant department", stderr=True)


def render(config: Config, report: Report, fmt: str, now: datetime) -> None:
    """Print the report as text, markdown, csv or json."""
    if fmt == "html":
        from pmcpost.output.report_html import render_html

        emit(render_html(config, report, now), end="")
    elif fmt == "markdown":
        emit(render_markdown(config, report, now), end="")
    elif fmt == "csv":
        emit(render_csv(report), end="")
    elif fmt == "json":
        emit(render_json(report))
    else:
        render_text(config, report)


def render_csv(report: Report) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "department",
            "posts",
            *(f"posts_{p}" for p in report.platforms),
            *(f"kind_{k}" for k in report.kinds),
            "failures",
            "retractions",
            "last_post",
            "coordinators",
            "approvers",
            "dormant",
            "missed",
            "missed_by",
        ]
    )
    dormant = {d.department for d in report.dormant}
    for a in [*report.departments, report.total]:
        w.writerow(
            [
                a.slug,
                a.posts,
                *(a.by_platform.get(p, 0) for p in report.platforms),
                *(a.by_kind.get(k, 0) for k in report.kinds),
                a.failures,
                a.retractions,
                _iso(a.last_post),
                " ".join(sorted(a.coordinators)),
                " ".join(sorted(a.approvers)),
                "yes" if a.slug in dormant else ("" if a is report.total else "no"),
                a.missed,
                " ".join(f"{pid}:{n}" for pid, n in sorted(a.missed_by.items())),
            ]
        )
    return buf.getvalue()


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _activity_json(a: Activity) -> dict[str, Any]:
    return {
        "posts": a.posts,
        "by_platform": dict(sorted(a.by_platform.items())),
        "by_kind": dict(sorted(a.by_kind.items())),
        "failures": a.failures,
        "retractions": a.retractions,
        "late": a.late,
        "missed": a.missed,
        "missed_by_coordinator": dict(sorted(a.missed_by.items())),
        "last_post": _iso(a.last_post) or None,
        "coordinators": sorted(a.coordinators),
        "approvers": sorted(a.approvers),
        "hand_posts": a.hand_posts,
        "hand_wait_minutes": sorted(a.hand_waits),
        "awaiting_hand_posting": a.awaiting,
    }


def dormancy_json(dormant: Sequence[Dormancy]) -> list[dict[str, Any]]:
    return [
        {
            "department": d.department,
            "last_post": _iso(d.last_post) or None,
            "days": d.days,
            "threshold": d.threshold,
            "contacts": list(d.contacts),
        }
        for d in dormant
    ]


def render_json(report: Report) -> str:
    data = {
        "since": _iso(report.since),
        "until": _iso(report.until),
        "departments": {a.slug: _activity_json(a) for a in report.departments},
        "total": _activity_json(report.total),
        "dormant": dormancy_json(report.dormant),
        "awaiting_hand_posting": [
            {"announcement": w.announcement, "platform": w.platform, "since": _iso(w.since), "overdue": w.overdue}
            for w in report.awaiting
        ],
        "coordinators": {
            c.id: {
                "name": c.name,
                "departments": list(c.departments),
                "posts": c.posts,
                "late": c.late,
                "missed": c.missed,
                "retractions": c.retractions,
                "awaiting_hand_posting": c.awaiting,
            }
            for c in report.coordinators
        },
    }
    return json.dumps(data, ensure_ascii=False, indent=2)
