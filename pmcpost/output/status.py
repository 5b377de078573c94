"""`pmcpost status` rendered: a table per department (a list on a narrow terminal), then the details."""

from __future__ import annotations

import json

from pmcpost.output import Cell, emit, plural, say, show_table
from pmcpost.safetext import visible
from pmcpost.status import COLUMNS, COUNTS_WHAT, DepartmentStatus
from pmcpost.timeliness import late_words


def as_json(report: list[DepartmentStatus]) -> str:
    return json.dumps(
        [{"department": d.slug, "name": d.name, "dormant": d.dormant, **d.items} for d in report],
        ensure_ascii=False,
        indent=2,
    )


def render(report: list[DepartmentStatus], fmt: str) -> None:
    """Print the status as ``text`` or ``json``."""
    if fmt == "json":
        emit(as_json(report))
    else:
        print_text(report)


def print_text(report: list[DepartmentStatus]) -> None:
    rows: list[list[Cell]] = []
    for d in report:
        cells: list[Cell] = [
            (str(len(d.items[g])), "bold red" if g == "missed" and d.items[g] else "") for g in COLUMNS
        ]
        rows.append([d.slug, *cells, (f"dormant: {d.dormant}", "yellow") if d.dormant else ""])
    announcements = {e["id"] for d in report for g in COLUMNS for e in d.items[g]}
    show_table("pmcpost status", ["department", *COLUMNS, "note"], rows, right=range(1, len(COLUMNS) + 1))
    say(f"{COUNTS_WHAT[0].upper()}{COUNTS_WHAT[1:]} ({plural(len(announcements), 'announcement')}).", style="dim")
    _print_missed(report)
    for d in report:
        for g in ("due", "failed", "changed", "held", "frozen"):
            for e in d.items[g]:
                detail = (e.get("reason") if e["status"] == "held" else None) or e.get("error") or e.get("reason") or ""
                age = f" ({late_words(e['overdue_minutes'])} overdue)" if e.get("overdue_minutes") else ""
                say(visible(f"{g}: {e['id']} on {e['platform']}{age}" + (f": {detail}" if detail else "")))
        for e in d.items["awaiting"]:
            label = "OVERDUE, awaiting hand posting" if e["status"] == "overdue" else "awaiting hand posting"
            say(visible(f"{label}: {e['id']} on {e['platform']}: {e.get('reason', '')}"))
        for e in d.items["retracted"]:
            line = f"retracted: {e['id']} on {e['platform']}: {e.get('reason') or 'no reason given'}"
            if e.get("still_live"):
                line += f"; still live: {', '.join(e['still_live'])} (run pmcpost retract {e['id']} again to delete)"
            say(visible(line))  # the ledger's words (platforms' errors) shown, never obeyed
        for e in d.items["posted"]:
            for url in e.get("urls", []):
                say(visible(f"posted: {e['id']} on {e['platform']}: {url}"))


def _print_missed(report: list[DepartmentStatus]) -> None:
    """Missed posts before anything else, alerts first and marked: the worst news comes first."""
    from pmcpost.missed import missed_line

    missed = [e for d in report for e in d.items["missed"]]
    missed.sort(key=lambda e: (e.get("kind") != "alert", e.get("expires_at") or "", e["id"]))  # stable: platforms
    for e in missed:
        text, style = missed_line(e["id"], e["platform"], str(e.get("kind")), e.get("reason", ""))
        say(text, style=style)
