"""`pmcpost new`: write a valid announcement with every key shown and explained."""

from __future__ import annotations

import re
import textwrap
from datetime import date, datetime, timedelta

from pmcpost.config import Config
from pmcpost.errors import UsageError
from pmcpost.moments import MomentError, parse_day
from pmcpost.platforms.registry import available_platforms, description
from pmcpost.schema import SCHEMA_FILE

TEMPLATE = """\
{schema_line}
# A {kind} of the {dept_en} ({dept_mr}).
# Replace every <<...>> below with your own words: pmcpost validate refuses the file while one is left.
# Check it with: pmcpost validate {rel}   Preview it with: pmcpost preview {rel}

# Who is answerable for this post: one of the department's two coordinators ({coordinators}).
coordinator: {coordinator}

{approval}

# alert, notice, scheme, project or event. Alerts go first when the day's posting quota is tight.
kind: {kind}

# Optional short heading per language; delete the whole title if you do not want one.
title:
  mr: "<<शीर्षक लिहा>>"
  en: "<<Write a short heading>>"

# The message. Marathi (mr) is required; English (en) is strongly recommended.
# Long text becomes a numbered thread on {threads_on} automatically. Hashtags go in hashtags: below, not in the text.
text:
  mr: >-
    <<येथे मराठी मजकूर लिहा>>
  en: >-
    <<Write the English text here>>

# Optional: where citizens can read more (https only).
link: {website}

# Optional hashtags, without '#'.
hashtags: [{hashtags}]

# Optional images inside this repository, at most 4, each with alt text in every language.
# media:
#   - path: content/{dept}/images/example.jpg
#     alt:
#       mr: "<<चित्रात काय दिसते ते लिहा>>"
#       en: "<<Describe what the picture shows>>"

# When to post: '{day} 09:00', '{day} 9.30', '{day} 6.15 pm' (India time unless you give an offset).
# The file name's date must match.
publish_at: "{day} 09:00"
# Optional: never post after this time.
# expires_at: "{day} 21:00"

# Optional: where to post (default: {platforms}).
# platforms: [{platform_list}]

# Optional per-platform changes, e.g. a shorter text for {short_name}.
# overrides:
#   {short}:
#     text:
#       en: "<<A shorter English text for {short_name}>>"

# Only for an alert that must go out during a freeze: needs a social media cell member as approved_by, and
# the cell's review of the pull request (run pmcpost codeowners after adding it, and commit the result).
# freeze_exempt: true
"""


def create_announcement(
    config: Config,
    department: str,
    *,
    coordinator: str | None,
    slug: str | None,
    day: str | None,
    kind: str,
    today: date | None = None,
) -> str:
    """Write the file and return its path relative to the repository root."""
    dept = config.departments.get(department)
    if dept is None:
        raise UsageError(f"unknown department {department!r}; registered: {', '.join(sorted(config.departments))}")
    ids = [p.id for p in dept.coordinators]
    coordinator = coordinator or ids[0]
    if coordinator not in ids:
        raise UsageError(f"{coordinator!r} is not a coordinator of {department} (its coordinators: {', '.join(ids)})")
    others = [i for i in ids if i != coordinator]
    cell = [p.id for p in config.cell_members]
    who = [f"the department's other coordinator ({', '.join(others)})"] if others else []
    if cell:
        who.append(f"a social media cell member ({', '.join(cell)})")
    approvers = " or ".join(who) or "the social media cell"
    example = (others + cell + ["their.id"])[0]
    ask = (
        "Approval is a second person's decision, so nobody is named here yet. Open a pull request with this "
        f"file and ask {approvers} to review it. The one who approves it adds a line with their own id, such as"
    )
    then = (
        "in the review (as a suggested change) or in a commit on the pull request. Nobody approves their own "
        "post: pmcpost validate refuses the file until someone else has."
    )
    approval = [*textwrap.wrap(ask, width=108), f"  approved_by: {example}", *textwrap.wrap(then, width=108)]
    slug = slug or f"new-{kind}"
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise UsageError(f"slug {slug!r} must be lower-case words joined by '-', e.g. water-cut-kothrud")
    if day is None:
        today = today or datetime.now(config.organisation.tz).date()
        day = (today + timedelta(days=1)).isoformat()
    else:
        try:
            day = parse_day(day).isoformat()
        except MomentError as exc:
            raise UsageError(f"--date {exc}") from None
    specs = [description(name) for name in config.platforms] or [description(n) for n in available_platforms()]
    shortest = min(specs, key=lambda s: s.text_limit)  # the example override: the tightest limit
    folder = config.content_dir / department
    path = folder / f"{day}-{slug}.yaml"
    if path.exists():
        raise UsageError(f"{path.relative_to(config.root).as_posix()} already exists; choose another --slug")
    rel = path.relative_to(config.root).as_posix()
    depth = len(path.relative_to(config.root).parts) - 1
    schema_line = f"# yaml-language-server: $schema={'../' * depth}{SCHEMA_FILE}"
    text = TEMPLATE.format(
        schema_line=schema_line,
        kind=kind,
        dept=department,
        dept_en=dept.name.get("en", department),
        dept_mr=dept.name.get("mr", department),
        rel=rel,
        coordinators=", ".join(ids),
        coordinator=coordinator,
        approval="\n".join(f"# {line}" for line in approval),
        website=config.organisation.website or "https://www.pmc.gov.in",
        hashtags=", ".join(dept.hashtags),
        day=day,
        platforms=", ".join(config.policy.default_platforms),
        platform_list=", ".join(config.platforms),
        threads_on=" and ".join(s.display_name for s in specs if s.threads) or "platforms that thread",
        short=shortest.name,
        short_name=shortest.display_name,
    )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return rel
