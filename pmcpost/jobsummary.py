"""What a publish run held back or could not post, in the CI job summary ($GITHUB_STEP_SUMMARY), where the
social media cell looks first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pmcpost.safetext import md_code, md_text

if TYPE_CHECKING:
    from pmcpost.plan import Plan
    from pmcpost.publish import Outcome


def lines(plan: Plan, outcomes: Sequence[Outcome] = ()) -> list[str]:
    """Markdown for the held and failed posts of a run; empty when there is nothing to say."""
    rows = [(i.id, i.platform, "held", i.reason) for i in plan.with_status("held")]
    rows += [(o.item.id, o.item.platform, o.status, o.error or "") for o in outcomes if o.status in ("failed", "held")]
    # Channels without a posting API: what this run handed over, and what has waited too long.
    hand = [(o.item.id, o.item.platform, o.status, o.error or "") for o in outcomes if o.status == "handed over"]
    hand += [(i.id, i.platform, "overdue", i.reason) for i in plan.with_status("overdue")]
    out: list[str] = []
    for title, found in (("not posted", rows), ("to post by hand", hand)):
        if found:
            out += [f"## pmcpost publish: {title}", "", "| announcement | platform | result | why |"]
            out.append("| --- | --- | --- | --- |")
            out += [f"| {md_code(a)} | {md_text(p)} | {s} | {md_text(why)} |" for a, p, s, why in found]
            out.append("")
    return out


def write(environ: Mapping[str, str], plan: Plan, outcomes: Sequence[Outcome] = ()) -> None:
    """Append to the job summary when the CI gives one (GitHub Actions sets GITHUB_STEP_SUMMARY)."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    text = lines(plan, outcomes)
    if not target or not text:
        return
    with Path(target).open("a", encoding="utf-8") as fh:
        fh.write("\n".join(text) + "\n")
