"""`pmcpost new`: write a valid announcement with every key shown and explained."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from pmcpost.config import Config
from pmcpost.errors import UsageError
from pmcpost.schema import SCHEMA_FILE

TEMPLATE = """\
{schema_line}
# A {kind} of the {dept_en} ({dept_mr}).
# Check it with: pmcpost validate {rel}   Preview it with: pmcpost preview {rel}

# Who is answerable for this post: one of the department's two coordinators ({coordinators}).
coordinator: {coordinator}
# Who approved it: the department's other coordinator or a social media cell member, never yourself.
approved_by: {approver}
# alert, notice, scheme, project or event. Alerts go first when the day's posting quota is tight.
kind: {kind}

# Optional short heading per language.
title:
  mr: "शीर्षक"
  en: "Heading"

# The message. Marathi (mr) is required; English (en) is strongly recommended.
# Long text becomes a numbered thread on X automatically.
text:
  mr: >-
    येथे मराठी मजकूर लिहा.
  en: >-
    Write the English text here.

# Optional: where citizens can read more (https only).
link: {website}

# Optional hashtags, without '#'.
hashtags: [{hashtags}]

# Optional images inside this repository, at most 4, each with alt text in every language.
# media:
#   - path: content/{dept}/images/example.jpg
#     alt:
#       mr: "चित्राचे वर्णन"
#       en: "What the picture shows"

# When to post (India time unless you give an offset). The file name's date must match.
publish_at: "{day} 09:00"
# Optional: never post after this time.
# expires_at: "{day} 21:00"

# Optional: where to post (default: {platforms}).
# platforms: [twitter, facebook, website]

# Optional per-platform changes, e.g. a shorter text for X.
# overrides:
#   twitter:
#     text:
#       en: "A shorter English text for X."
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
    approver = next((i for i in ids if i != coordinator), None) or (
        config.cell_members[0].id if config.cell_members else ""
    )
    slug = slug or f"new-{kind}"
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise UsageError(f"slug {slug!r} must be lower-case words joined by '-', e.g. water-cut-kothrud")
    if day is None:
        today = today or datetime.now(config.organisation.tz).date()
        day = (today + timedelta(days=1)).isoformat()
    else:
        try:
            date.fromisoformat(day)
        except ValueError:
            raise UsageError(f"--date {day!r} is not a date written as YYYY-MM-DD") from None
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
        approver=approver,
        website=config.organisation.website or "https://www.pmc.gov.in",
        hashtags=", ".join(dept.hashtags),
        day=day,
        platforms=", ".join(config.policy.default_platforms),
    )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return rel
