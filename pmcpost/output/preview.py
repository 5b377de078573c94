"""`pmcpost preview` rendered: text panels on a terminal, plain text in logs, markdown (pull requests, job
summaries) or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from pmcpost.config import Config
from pmcpost.output import console, emit, print_wrapped
from pmcpost.plan import PlanItem
from pmcpost.preview import cost_label, preview_record
from pmcpost.safetext import md_code, md_code_block, md_text, visible
from pmcpost.timeliness import late_words

STATUS_WORDS = {
    "due": "due now",
    "resume": "due now (finishing an earlier run)",
    "retry": "due now (retrying)",
    "scheduled": "scheduled",
    "held": "held back",
    "frozen": "frozen",
    "unapproved": "not approved",
    "error": "cannot render",
    "posted": "posted",
    "changed": "changed after posting",
    "missed": "MISSED",
    "expired": "expired",
    "retracted": "retracted",
    "awaiting": "awaiting hand posting",
    "overdue": "OVERDUE: awaiting hand posting",
}
LANGUAGE_NAMES = {"mr": "Marathi", "en": "English"}


def as_json(config: Config, items: Iterable[PlanItem], now: datetime | None = None) -> str:
    return json.dumps([preview_record(config, i, now) for i in items], ensure_ascii=False, indent=2)


def _when(config: Config, record: dict[str, Any]) -> str:
    moment = datetime.fromisoformat(record["publish_at"])
    when = (
        f"{moment:%a %d %b %Y, %H:%M} IST"
        if config.organisation.timezone == "Asia/Kolkata"
        else f"{moment:%a %d %b %Y, %H:%M %Z}"
    )
    if record.get("status") == "scheduled":
        # scheduled CI runs start every few minutes, and late when GitHub is busy: never at the minute
        when = f"the first run after {when}"
    if record.get("late_minutes"):
        when += f" ({late_words(record['late_minutes'])} late)"
    return when


def _expires(config: Config, record: dict[str, Any]) -> str | None:
    """'expires Thu 03 Dec 2026, 18:00 IST' (after which it is not posted), or None."""
    if not record.get("expires_at"):
        return None
    moment = datetime.fromisoformat(record["expires_at"])
    return f"{moment:%a %d %b %Y, %H:%M} IST" if config.organisation.timezone == "Asia/Kolkata" else f"{moment:%c %Z}"


def _part_label(record: dict[str, Any], n: int) -> str:
    """The numbering the posts themselves carry: 'post 2/3', or in a bilingual thread (each language
    numbered on its own) 'English post 1/2'. The thread's order is said once, by ``_thread_line``."""
    parts = record["parts"]
    languages = [p["language"] for p in parts]
    if len(set(languages)) < 2:
        return f"post {n}/{len(parts)}" if len(parts) > 1 else "post"
    language = languages[n - 1]
    same = [i for i, lang in enumerate(languages, start=1) if lang == language]
    name = LANGUAGE_NAMES.get(language, language)
    return f"{name} post {same.index(n) + 1}/{len(same)}" if len(same) > 1 else f"{name} post"


def _thread_line(record: dict[str, Any]) -> str | None:
    """'one thread of 4 posts: Marathi 1/2, Marathi 2/2, English 1/2, English 2/2' (each replies to the one before)."""
    parts = record["parts"]
    if len(parts) < 2:
        return None
    order = ", ".join(_part_label(record, n).replace(" post", "") for n in range(1, len(parts) + 1))
    return f"one thread of {len(parts)} posts, each replying to the one before: {order}"


def _placement(record: dict[str, Any]) -> list[str]:
    """Where the link and the hashtags go: which post, in the text or attached."""
    parts = record["parts"]

    def name(n: int) -> str:
        return _part_label(record, n) if len(parts) > 1 else "the post"

    out = []
    for n, p in enumerate(parts, start=1):
        if p["link"] and p["link"] not in p["text"]:
            out.append(f"link attached (a link card) to {name(n)}")
        elif p.get("link_in_text") or p["link"]:
            out.append(f"link in the text of {name(n)}")
    tagged = [name(n) for n, p in enumerate(parts, start=1) if p.get("hashtags")]
    if tagged and len(tagged) == len(parts) > 1:
        out.append("hashtags in every post")
    elif tagged:
        out.append(f"hashtags in {', '.join(tagged)}")
    return out


def _who(record: dict[str, Any], shown: Callable[[str], str] = visible) -> str:
    """Who answers for the post; names and ids pass through ``shown`` (terminal or markdown safety)."""
    c = record["coordinator"]
    text = f"{shown(c['name'])} ({shown(c['id'])})"
    a = record["approved_by"]
    return text + (f", approved by {shown(a['name'])} ({shown(a['id'])})" if a else ", not approved")


def as_markdown(
    config: Config, items: Iterable[PlanItem], title: str = "pmcpost preview", now: datetime | None = None
) -> str:
    """For pull-request comments and CI job summaries. Every value from a file, config or the ledger is
    escaped, so none can add HTML, a comment, a heading or a line that looks like ours."""
    records = [preview_record(config, i, now) for i in items]
    out = [f"## {title}", ""]
    if not records:
        out.append("Nothing to post.")
        return "\n".join(out) + "\n"
    out += [
        "| announcement | platform | status | goes out | posts | answerable |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in records:
        out.append(
            f"| {md_code(r['id'])} | {md_text(r['platform'])} | {STATUS_WORDS.get(r['status'], r['status'])} | "
            f"{_when(config, r)} | {len(r['parts'])} | {_who(r, md_text)} |"
        )
    out.append("")
    for r in records:
        out.append(f"### {md_code(r['id'])} on {md_text(r['platform'])}")
        out.append("")
        if r["reason"]:
            out.append(f"**{STATUS_WORDS.get(r['status'], r['status'])}**: {md_text(r['reason'])}")
            out.append("")
        if r.get("limit_source"):
            out.extend([f"Limit: {md_text(r['limit_source'])}", ""])
        for n, p in enumerate(r["parts"], start=1):
            over = " **over the limit**" if p["length"] > p["limit"] else ""
            label = _part_label(r, n)
            out.append(f"{label[0].upper()}{label[1:]} · {p['length']:,}/{p['limit']:,}{_unit(p)}{over}")
            out.append("")
            out.extend(md_code_block(p["text"]))
            out.append("")
            if p["link"] and p["link"] not in p["text"]:
                out.append(f"Attached link: {md_code(p['link'])}")
                out.append("")
            for m in p.get("images", []):
                out.append(f"- image {md_code(m['path'])} attached to this post, alt text: {md_text(m['alt'])}")
            if p.get("images"):
                out.append("")
        if _expires(config, r):
            out.append(f"- expires {_expires(config, r)}: not posted after that")
        out.extend(f"- {md_text(line)}" for line in [*filter(None, [_thread_line(r)]), *_placement(r)])
        for w in r["warnings"]:
            out.append(f"- ⚠ {md_text(w)}")
        if r.get("estimated_cost_usd"):
            out.append(f"- {cost_label(r)}: ${r['estimated_cost_usd']:.3f}")
        if _expires(config, r) or _thread_line(r) or _placement(r) or r["warnings"] or r.get("estimated_cost_usd"):
            out.append("")
    return "\n".join(out) + "\n"


def render(config: Config, items: list[PlanItem], fmt: str, now: datetime | None) -> None:
    """Print the previews as text, markdown or json."""
    if fmt == "json":
        emit(as_json(config, items, now))
    elif fmt == "markdown":
        emit(as_markdown(config, items, now=now), end="")
    else:
        print_text(config, items, now)


def render_unchanged(config: Config, fmt: str, ref: str) -> None:
    """Nothing changed since ``ref``: an empty preview in the format asked for."""
    if fmt == "markdown":
        emit(as_markdown(config, [], title="pmcpost preview"))
    elif fmt == "json":
        emit("[]")
    else:
        emit(f"No announcement changed since {ref}.")


def print_text(config: Config, items: Iterable[PlanItem], now: datetime | None = None) -> None:
    """Rich panels on a terminal, the same content as plain text elsewhere."""
    from rich.panel import Panel
    from rich.text import Text

    con = console()
    records = [preview_record(config, i, now) for i in items]
    if not records:
        con.print("Nothing to post.")
        return
    if not con.is_terminal:
        # Plain text keeps every character of every post (a panel would wrap or crop long lines).
        con.print(_plain_text(config, records), markup=False, highlight=False, crop=False, soft_wrap=True)
        return
    for r in records:
        body = Text()
        status = STATUS_WORDS.get(r["status"], r["status"])
        body.append(f"{status}", style="bold red" if r["status"] == "missed" else "bold")
        if r["reason"]:
            body.append(f": {visible(r['reason'])}")
        body.append(f"\ngoes out: {_when(config, r)}")
        if _expires(config, r):
            body.append(f"\nexpires: {_expires(config, r)} (not posted after that)")
        body.append(f"\nanswerable: {_who(r)}\n")
        if r.get("limit_source"):
            body.append(f"limit: {visible(r['limit_source'])}\n")
        for n, p in enumerate(r["parts"], start=1):
            style = "red bold" if p["length"] > p["limit"] else "green"
            body.append(f"\n── {_part_label(r, n)} ", style="dim")
            body.append(f"{p['length']:,}/{p['limit']:,}{_unit(p)}", style=style)
            body.append(" ──\n", style="dim")
            body.append(visible(p["text"]) + "\n")
            if p["link"] and p["link"] not in p["text"]:
                body.append(f"attached link: {visible(p['link'])}\n", style="cyan")
            for m in p.get("images", []):
                image = f"image attached to this post: {visible(m['path'])}\n  alt: {visible(m['alt'])}\n"
                body.append(image, style="cyan")
        for line in [*filter(None, [_thread_line(r)]), *_placement(r)]:
            body.append(f"\n{visible(line)}", style="dim")
        for w in r["warnings"]:
            body.append(f"\n⚠ {visible(w)}", style="yellow")
        if r.get("estimated_cost_usd"):
            body.append(f"\n{cost_label(r)}: ${r['estimated_cost_usd']:.3f}", style="dim")
        for url in r["posted"]:
            body.append(f"\nposted: {visible(url)}")
        title = Text(f"{visible(r['id'])} → {visible(r['platform'])}")
        if body.plain.isascii():
            # soft_wrap off: the panel wraps long lines instead of cropping them; every character must show
            con.print(Panel(body, title=title, title_align="left", expand=False), soft_wrap=False)
        else:
            # rich pads and wraps a Marathi line by its own measure, narrower than terminals draw some
            # clusters, which pushes or wraps the panel's border: no border then, and the lines are wrapped
            # between words by a measure never narrower than the terminal's.
            print_wrapped(con, Text("── ", style="dim").append_text(title).append(" ──", style="dim"))
            print_wrapped(con, body)
            con.print()


def _plain_text(config: Config, records: list[dict[str, Any]]) -> str:
    return visible("\n".join(_plain_lines(config, records)))


def _plain_lines(config: Config, records: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for r in records:
        out.append(
            f"=== {r['id']} → {r['platform']}: {STATUS_WORDS.get(r['status'], r['status'])}"
            + (f" ({r['reason']})" if r["reason"] else "")
        )
        out.append(f"goes out: {_when(config, r)}")
        if _expires(config, r):
            out.append(f"expires: {_expires(config, r)} (not posted after that)")
        out.append(f"answerable: {_who(r)}")
        if r.get("limit_source"):
            out.append(f"limit: {r['limit_source']}")
        for n, p in enumerate(r["parts"], start=1):
            over = "  OVER THE LIMIT" if p["length"] > p["limit"] else ""
            out.append(f"--- {_part_label(r, n)}: {p['length']:,}/{p['limit']:,}{_unit(p)}{over}")
            out.append(p["text"])
            if p["link"] and p["link"] not in p["text"]:
                out.append(f"attached link: {p['link']}")
            out.extend(f"image attached to this post: {m['path']} (alt: {m['alt']})" for m in p.get("images", []))
        out.extend([*filter(None, [_thread_line(r)]), *_placement(r)])
        out.extend(f"warning: {w}" for w in r["warnings"])
        if r.get("estimated_cost_usd"):
            out.append(f"{cost_label(r)}: ${r['estimated_cost_usd']:.3f}")
        out.extend(f"posted: {url}" for url in r["posted"])
        out.append("")
    return out


def _unit(part: Mapping[str, Any]) -> str:
    """The unit after a length, where it is not plain characters (Threads counts bytes of UTF-8)."""
    unit = part.get("unit") or "characters"
    return "" if unit == "characters" else f" {unit}"
