"""`pmcpost new`: write a valid announcement with every key shown and explained."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pmcpost.config import Config
from pmcpost.errors import UsageError
from pmcpost.i18n import N_, tr
from pmcpost.moments import MomentError, parse_day
from pmcpost.platforms.registry import available_platforms, description
from pmcpost.schema import SCHEMA_FILE

# The explanatory comments, one catalog entry each, so that PMCPOST_LANG=mr writes them in Marathi.
COMMENTS = {
    "intro": N_("A {kind} of the {dept_en} ({dept_mr})."),
    "replace": N_(
        "Replace every <<...>> below with your own words: pmcpost validate refuses the file while one is left."
    ),
    "check": N_("Check it with: pmcpost validate {rel}   Preview it with: pmcpost preview {rel}"),
    "coordinator": N_("Who is answerable for this post: one of the department's two coordinators ({coordinators})."),
    "kind": N_("alert, notice, scheme, project or event. Alerts go first when the day's posting quota is tight."),
    "title": N_("Optional short heading per language; delete the whole title if you do not want one."),
    "text": N_("The message. Marathi (mr) is required; English (en) is strongly recommended."),
    "thread": N_(
        "Long text becomes a numbered thread on {threads_on} automatically. Hashtags go in hashtags: below, not in "
        "the text."
    ),
    "link": N_("Optional: where citizens can read more (https only)."),
    "hashtags": N_("Optional hashtags, without '#'."),
    "media": N_("Optional images inside this repository, at most 4, each with alt text in every language."),
    "when": N_("When to post: '{day} 09:00', '{day} 9.30', '{day} 6.15 pm' (India time unless you give an offset)."),
    "when_name": N_("The file name's date must match."),
    "expires": N_("Optional: never post after this time."),
    "platforms": N_("Optional: where to post (default: {platforms})."),
    "overrides": N_("Optional per-platform changes, e.g. a shorter text for {short_name}."),
    "freeze1": N_(
        "Only for an alert that must go out during a freeze: needs a social media cell member as approved_by, and"
    ),
    "freeze2": N_(
        "the cell's review of the pull request (run pmcpost codeowners after adding it, and commit the result)."
    ),
    "ask": N_(
        "Approval is a second person's decision, so nobody is named here yet. Open a pull request with this "
        "file and ask {approvers} to review it. The one who approves it adds a line with their own id, such as"
    ),
    "then": N_(
        "in the review (as a suggested change) or in a commit on the pull request. Nobody approves their own "
        "post: pmcpost validate refuses the file until someone else has."
    ),
}

TEMPLATE = """\
{schema_line}
# {c_intro}
{c_replace_line}# {c_check}

# {c_coordinator}
coordinator: {coordinator}

{approval}

# {c_kind}
kind: {kind}

# {c_title}
{title_block}

# {c_text}
# {c_thread}
{text_block}

# {c_link}
{link_line}

# {c_hashtags}
hashtags: [{hashtags}]

# {c_media}
{media_block}

# {c_when}
# {c_when_name}
publish_at: "{publish_at}"
# {c_expires}
# expires_at: "{day} 21:00"

# {c_platforms}
# platforms: [{platform_list}]

# {c_overrides}
# overrides:
#   {short}:
#     text:
#       en: "<<A shorter English text for {short_name}>>"

# {c_freeze1}
# {c_freeze2}
# freeze_exempt: true
"""

PLACEHOLDER_TITLE = 'title:\n  mr: "<<शीर्षक लिहा>>"\n  en: "<<Write a short heading>>"'
PLACEHOLDER_TEXT = "text:\n  mr: >-\n    <<येथे मराठी मजकूर लिहा>>\n  en: >-\n    <<Write the English text here>>"
PLACEHOLDER_MEDIA = (
    "# media:\n#   - path: content/{dept}/images/example.jpg\n#     alt:\n"
    '#       mr: "<<चित्रात काय दिसते ते लिहा>>"\n#       en: "<<Describe what the picture shows>>"'
)


@dataclass(frozen=True)
class Answers:
    """What the guided `pmcpost new` asked for: the file's own words instead of placeholders."""

    title: Mapping[str, str]
    text: Mapping[str, str]
    link: str | None
    hashtags: tuple[str, ...]
    media: tuple[tuple[str, Mapping[str, str]], ...]  # (path, alt per language)
    publish_at: str  # 'YYYY-MM-DD HH:MM', India time


def quoted(value: str) -> str:
    """``value`` as a double-quoted YAML scalar (a JSON string is one), on one line."""
    return json.dumps(value, ensure_ascii=False)


def _lang_block(key: str, values: Mapping[str, str], indent: str = "") -> str:
    lines = [f"{indent}{key}:"] + [f"{indent}  {lang}: {quoted(v)}" for lang, v in values.items()]
    return "\n".join(lines)


def create_announcement(
    config: Config,
    department: str,
    *,
    coordinator: str | None,
    slug: str | None,
    day: str | None,
    kind: str,
    today: date | None = None,
    answers: Answers | None = None,
) -> str:
    """Write the file and return its path relative to the repository root. Without ``answers`` the file
    holds <<...>> placeholders to replace; with them, the writer's own words."""
    dept = config.departments.get(department)
    if dept is None:
        raise UsageError(f"unknown department {department!r}; registered: {', '.join(sorted(config.departments))}")
    ids = [p.id for p in dept.coordinators]
    coordinator = coordinator or ids[0]
    if coordinator not in ids:
        raise UsageError(f"{coordinator!r} is not a coordinator of {department} (its coordinators: {', '.join(ids)})")
    others = [i for i in ids if i != coordinator]
    cell = [p.id for p in config.cell_members]
    who = [tr("the department's other coordinator ({ids})").format(ids=", ".join(others))] if others else []
    if cell:
        who.append(tr("a social media cell member ({ids})").format(ids=", ".join(cell)))
    approvers = tr(" or ").join(who) or tr("the social media cell")
    example = (others + cell + ["their.id"])[0]
    ask = tr(COMMENTS["ask"]).format(approvers=approvers)
    then = tr(COMMENTS["then"])
    approval = [*textwrap.wrap(ask, width=108), f"  approved_by: {example}", *textwrap.wrap(then, width=108)]
    slug = slug or f"new-{kind}"
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise UsageError(f"slug {slug!r} must be lower-case words joined by '-', e.g. water-cut-kothrud")
    if answers is not None:
        day = answers.publish_at[:10]
    elif day is None:
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
    values = {
        "kind": kind,
        "dept": department,
        "dept_en": dept.name.get("en", department),
        "dept_mr": dept.name.get("mr", department),
        "rel": rel,
        "coordinators": ", ".join(ids),
        "day": day,
        "platforms": ", ".join(config.policy.default_platforms),
        "threads_on": " and ".join(s.display_name for s in specs if s.threads) or "platforms that thread",
        "short_name": shortest.display_name,
    }
    comments = {f"c_{key}": tr(msgid).format(**values) for key, msgid in COMMENTS.items() if key not in ("ask", "then")}
    if answers is None:
        blocks = {
            "c_replace_line": f"# {comments['c_replace']}\n",
            "title_block": PLACEHOLDER_TITLE,
            "text_block": PLACEHOLDER_TEXT,
            "link_line": f"link: {config.organisation.website or 'https://www.pmc.gov.in'}",
            "hashtags": ", ".join(dept.hashtags),
            "media_block": PLACEHOLDER_MEDIA.format(dept=department),
            "publish_at": f"{day} 09:00",
        }
    else:
        media = [f"  - path: {quoted(p)}\n" + _lang_block("alt", alt, "    ") for p, alt in answers.media]
        blocks = {
            "c_replace_line": "",
            "title_block": _lang_block("title", answers.title) if answers.title else "# title:",
            "text_block": _lang_block("text", answers.text),
            "link_line": f"link: {answers.link}" if answers.link else "# link: https://",
            "hashtags": ", ".join(answers.hashtags),
            "media_block": "media:\n" + "\n".join(media) if media else PLACEHOLDER_MEDIA.format(dept=department),
            "publish_at": answers.publish_at,
        }
    text = TEMPLATE.format(
        schema_line=schema_line,
        coordinator=coordinator,
        approval="\n".join(f"# {line}" for line in approval),
        platform_list=", ".join(config.platforms),
        short=shortest.name,
        **values,
        **comments,
        **blocks,
    )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return rel
