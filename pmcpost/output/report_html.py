"""`pmcpost report --format html`: one self-contained page for the commissioner's office, with charts.

Tables say the numbers; three charts show them (posts per department per week, missed and late posts, time
from approval to post), drawn with matplotlib as inline SVG: no script, no file beside the page, readable on
screen and printed on A4. matplotlib is imported only here (the optional extra ``pmcpost[report]``).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from pmcpost.config import Config
from pmcpost.errors import UsageError
from pmcpost.report import LATE_AFTER, Report, approval_hours

if TYPE_CHECKING:
    from matplotlib.figure import Figure

INSTALL_HINT = "the HTML report draws its charts with matplotlib: pip install 'pmcpost[report]'"

CSS = """
body{font-family:"Noto Sans","Noto Sans Devanagari",Arial,sans-serif;color:#111;margin:1.5rem auto;max-width:60rem;
padding:0 1rem;line-height:1.4}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #999}
p.meta{color:#444;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #bbb;padding:.2rem .4rem;text-align:left}td.n,th.n{text-align:right}
tr.total td{font-weight:bold}
figure{margin:1rem 0;break-inside:avoid}figure svg{width:100%;height:auto}figcaption{font-size:.9rem;color:#333}
ul.dormant li{margin:.2rem 0}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;font-size:10pt}h2{break-after:avoid}table,figure{break-inside:avoid}
a{color:inherit;text-decoration:none}}
"""


def _figure(width: float = 7.2, height: float = 3.2) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    import matplotlib as mpl

    mpl.rcParams["svg.fonttype"] = "none"  # text stays text: smaller, selectable, sharp when printed
    mpl.rcParams["svg.hashsalt"] = "pmcpost"  # the same report gives the same bytes
    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig: Figure) -> str:
    """The figure as an <svg> element to put in HTML (no XML prolog, no RDF metadata)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)


def _weeks(report: Report, tz: Any) -> list[datetime]:
    """The Mondays (local time) of the weeks the period touches."""
    start = report.since.astimezone(tz)
    monday = (start - timedelta(days=start.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    weeks = []
    while monday < report.until:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def posts_per_week_chart(config: Config, report: Report) -> str:
    tz = config.organisation.tz
    weeks = _weeks(report, tz)
    slugs = [a.slug for a in report.departments if a.posts]
    fig = _figure()
    ax = fig.add_subplot()
    if not slugs:
        ax.text(0.5, 0.5, "No posts in this period", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _svg(fig)
    counts = {s: [0] * len(weeks) for s in slugs}
    for p in report.posts:
        local = p.time.astimezone(tz)
        index = max(0, min(len(weeks) - 1, (local - weeks[0]).days // 7))
        if p.department in counts:
            counts[p.department][index] += 1
    labels = [f"{w:%d %b}" for w in weeks]
    bottom = [0] * len(weeks)
    cmap = _colours(len(slugs))
    for colour, slug in zip(cmap, slugs, strict=True):
        ax.bar(labels, counts[slug], bottom=bottom, label=slug, color=colour)
        bottom = [b + c for b, c in zip(bottom, counts[slug], strict=True)]
    ax.set_xlabel("week starting (Monday)")
    ax.set_ylabel("posts")
    ax.yaxis.set_major_locator(_integers())
    ax.legend(fontsize=7, ncols=2, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(fig)


def missed_late_chart(report: Report) -> str:
    rows = [a for a in report.departments if a.missed or a.late]
    fig = _figure(height=max(1.8, 0.35 * len(rows) + 1.0) if rows else 0.6)
    ax = fig.add_subplot()
    if not rows:
        ax.text(0.5, 0.5, "No missed or late posts", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _svg(fig)
    names = [a.slug for a in rows]
    y = list(range(len(rows)))
    ax.barh([i - 0.2 for i in y], [a.missed for a in rows], height=0.4, label="missed", color="#b2182b")
    ax.barh([i + 0.2 for i in y], [a.late for a in rows], height=0.4, label="late", color="#ef8a62")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("posts")
    ax.xaxis.set_major_locator(_integers())
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _svg(fig)


def approval_chart(hours: Sequence[float]) -> str:
    fig = _figure(height=2.6 if hours else 0.6)
    ax = fig.add_subplot()
    if not hours:
        ax.text(0.5, 0.5, "No post names its commit in this period", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _svg(fig)
    edges = [0, 1, 6, 24, 48, 24 * 7, max(24 * 7 + 1, max(hours) + 1)]
    labels = ["< 1 h", "1–6 h", "6–24 h", "1–2 days", "2–7 days", "> 7 days"]
    counts = [sum(1 for h in hours if lo <= h < hi) for lo, hi in itertools.pairwise(edges)]
    ax.bar(labels, counts, color="#2166ac")
    ax.set_ylabel("posts")
    ax.yaxis.set_major_locator(_integers())
    return _svg(fig)


def _integers() -> Any:
    """Ticks at whole numbers: posts are counted, never fractional."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    return [cmap(i % 20) for i in range(n)]


def render_html(config: Config, report: Report, now: datetime) -> str:
    """The whole page; every value from config or the ledger is escaped."""
    charts = (
        posts_per_week_chart(config, report),
        missed_late_chart(report),
        approval_chart(hours := approval_hours(config, report.posts)),
    )
    tz = config.organisation.tz
    langs = config.organisation.languages
    org = " / ".join(config.organisation.name[lang] for lang in langs if lang in config.organisation.name)
    period = (
        f"{report.since.astimezone(tz):%d %B %Y} to "
        f"{(report.until - timedelta(microseconds=1)).astimezone(tz):%d %B %Y}"
    )
    title = f"Social media activity: {report.label or period}"
    late_min = int(LATE_AFTER.total_seconds() // 60)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(org)} · period {escape(period)} ({escape(config.organisation.timezone)}) · '
        f"prepared {now.astimezone(tz):%d %B %Y, %H:%M} by pmcpost from the audit log</p>",
        "<h2>Per department</h2>",
        "<table>",
        "<thead><tr><th>Department</th><th class=n>Posts</th><th class=n>Late</th><th class=n>Missed</th>"
        "<th class=n>Failed</th><th class=n>Retracted</th></tr></thead>",
        "<tbody>",
    ]
    for a in [*report.departments, report.total]:
        name = "Total" if a is report.total else _department_name(config, a.slug)
        css = ' class="total"' if a is report.total else ""
        out.append(
            f"<tr{css}><td>{escape(name)}</td><td class=n>{a.posts}</td><td class=n>{a.late}</td>"
            f"<td class=n>{a.missed}</td><td class=n>{a.failures}</td><td class=n>{a.retractions}</td></tr>"
        )
    out += ["</tbody>", "</table>"]
    out += [
        "<figure>",
        charts[0],
        "<figcaption>Posts per department per week (one post: one announcement on one platform).</figcaption>",
        "</figure>",
        "<figure>",
        charts[1],
        f"<figcaption>Missed posts (expired before they went out) and late posts (out more than {late_min} "
        "minutes after their time), per department.</figcaption>",
        "</figure>",
        "<figure>",
        charts[2],
        f"<figcaption>Time from approval (the approved file's commit) to post, {len(hours)} posts.</figcaption>",
        "</figure>",
        "<h2>Per coordinator</h2>",
        "<table>",
        "<thead><tr><th>Coordinator</th><th>Department</th><th class=n>Posts</th><th class=n>Late</th>"
        "<th class=n>Missed</th><th class=n>Retracted</th>"
        + ("<th class=n>Awaiting by hand</th>" if report.by_hand else "")
        + "</tr></thead>",
        "<tbody>",
    ]
    for c in report.coordinators:
        out.append(
            f"<tr><td>{escape(c.name)} ({escape(c.id)})</td><td>{escape(', '.join(c.departments))}</td>"
            f"<td class=n>{c.posts}</td><td class=n>{c.late}</td><td class=n>{c.missed}</td>"
            f"<td class=n>{c.retractions}</td>" + (f"<td class=n>{c.awaiting}</td>" if report.by_hand else "") + "</tr>"
        )
    out += ["</tbody>", "</table>", "<h2>Dormant departments: whom to contact</h2>"]
    if report.dormant:
        out.append('<ul class="dormant">')
        out += [f"<li>{escape(d.with_contacts())}</li>" for d in report.dormant]
        out.append("</ul>")
    else:
        out.append("<p>None.</p>")
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)


def _department_name(config: Config, slug: str) -> str:
    dept = config.departments.get(slug)
    if dept is None:
        return slug
    return " / ".join(dept.name[lang] for lang in config.organisation.languages if lang in dept.name) or slug
