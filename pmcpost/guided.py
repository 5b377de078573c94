"""The guided `pmcpost new`: one question at a time, each answer checked as it is given, then a file that
validates (all but approved_by, which is the approver's to add).

The questions are asked through an :class:`Asker` (the terminal's lives in pmcpost.output.new); every check
is a plain function here returning the problem in words, or None, so each can be tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from pmcpost.config import KINDS, Config, normalise_hashtag
from pmcpost.content import (
    FILE_NAME_RE,
    inspect_media,
    link_problem,
    media_limits,
    refused_formats,
    script_mismatch,
)
from pmcpost.diagnostics import Diagnostic
from pmcpost.i18n import tr
from pmcpost.moments import MomentError, parse_moment
from pmcpost.scaffold import Answers

Check = Callable[[str], "str | None"]

# An alert goes out as soon as it is approved; the default is now, rounded up to these minutes.
ALERT_ROUNDING_MINUTES = 5
SLUG_WORDS = 5


class Asker(Protocol):
    """Asks one question and returns the answer; ``check`` returns what is wrong with an answer (asked again)."""

    def choose(self, question: str, options: Sequence[tuple[str, str]], default: str) -> str: ...

    def ask(self, question: str, check: Check, *, default: str = "") -> str: ...

    def say(self, text: str) -> None: ...


@dataclass
class Draft:
    """What the guided questions gathered."""

    department: str = ""
    coordinator: str = ""
    kind: str = "notice"
    publish_at: str = ""
    title: dict[str, str] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    link: str | None = None
    hashtags: tuple[str, ...] = ()
    media: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    slug: str = ""

    def answers(self) -> Answers:
        return Answers(
            title=self.title,
            text=self.text,
            link=self.link,
            hashtags=self.hashtags,
            media=tuple((p, alt) for p, alt in self.media),
            publish_at=self.publish_at,
        )


# -- the checks, one per answer ------------------------------------------------------------------------------
def default_time(kind: str, now: datetime) -> str:
    """An alert: now, rounded up to the next few minutes; anything else: tomorrow at 09:00."""
    if kind == "alert":
        step = timedelta(minutes=ALERT_ROUNDING_MINUTES)
        start = now.replace(minute=0, second=0, microsecond=0)
        rounded = start + -((start - now) // step) * step  # up to the next step, or now when on one
        return rounded.strftime("%Y-%m-%d %H:%M")
    return (now + timedelta(days=1)).strftime("%Y-%m-%d 09:00")


def check_time(config: Config, now: datetime) -> Check:
    def check(answer: str) -> str | None:
        try:
            moment = parse_moment(answer, config.organisation.tz)
        except MomentError as exc:
            return tr("the time {problem}").format(problem=str(exc))
        if moment < now - timedelta(minutes=1):
            return tr("that time has already passed; give a time from now on")
        return None

    return check


def check_text(lang: str, *, required: bool) -> Check:
    def check(answer: str) -> str | None:
        if not answer.strip():
            return tr("this text is required") if required else None
        if "<<" in answer and ">>" in answer:
            return tr("write your own words instead of <<...>>")
        return script_mismatch(lang, answer)

    return check


def check_link(answer: str) -> str | None:
    return link_problem(answer.strip(), "link") if answer.strip() else None


def parse_hashtags(answer: str) -> tuple[tuple[str, ...], str | None]:
    """Hashtags typed with or without '#', separated by commas or spaces; (hashtags, problem)."""
    out: list[str] = []
    for word in re.split(r"[\s,]+", answer.strip()):
        if not word:
            continue
        tag = normalise_hashtag(word)
        if tag is None:
            return (), tr("hashtag {tag!r} must be one word of letters, digits or '_'").format(tag=word)
        if tag.casefold() not in (t.casefold() for t in out):
            out.append(tag)
    return tuple(out), None


def check_hashtags(answer: str) -> str | None:
    return parse_hashtags(answer)[1]


def check_image(config: Config, taken: int) -> Check:
    enabled = tuple(config.enabled_platforms())  # as validate: a disabled platform refuses nothing
    most, largest = media_limits(enabled)
    limit = min(config.policy.max_media_bytes, largest[0]) if largest else config.policy.max_media_bytes
    refused = refused_formats(enabled)

    def check(answer: str) -> str | None:
        if not answer.strip():
            return None
        if most is not None and taken >= most[0]:
            return tr("at most {n} images per announcement ({platform}'s limit)").format(n=most[0], platform=most[1])
        status, _, mime, size = inspect_media(config.root, repo_relative(config, answer.strip()))
        if status == "outside":
            return tr("this image is outside the repository; keep images in it")
        if status == "missing":
            return tr("no such file in the repository")
        if status in ("not-image", "misnamed"):
            return tr("this is not a PNG, JPEG, GIF or WebP image named as one")
        if mime in refused:
            return tr("{platform} does not take {mime} images").format(platform=refused[mime], mime=mime)
        if size > limit:
            from pmcpost.content import image_too_large

            return image_too_large(tr("the image"), size, limit, mime)
        return None

    return check


def repo_relative(config: Config, answer: str) -> str:
    """An image path as typed (relative to the repository, or absolute inside it) as the file names it."""
    path = Path(answer).expanduser()
    if path.is_absolute():
        try:
            return path.resolve().relative_to(config.root.resolve()).as_posix()
        except ValueError:
            return answer
    return answer


def slug_from(text: str) -> str:
    """A file name's slug from the first few ASCII words of a title or text."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:SLUG_WORDS]) or "announcement"


def check_slug(config: Config, department: str, day: str) -> Check:
    def check(answer: str) -> str | None:
        if not FILE_NAME_RE.match(f"{day}-{answer}"):
            return tr("use lower-case English letters and digits, words joined by '-', e.g. water-cut-kothrud")
        if (config.content_dir / department / f"{day}-{answer}.yaml").exists():
            return tr("a file of that name exists already; choose another name")
        return None

    return check


# -- the conversation ----------------------------------------------------------------------------------------
def interview(config: Config, asker: Asker, now: datetime) -> Draft:
    """Ask every question, each answer checked as it is given."""
    draft = Draft()
    departments = sorted(config.departments)
    draft.department = asker.choose(
        tr("Department"),
        [(d, config.departments[d].name.get("en", d)) for d in departments],
        departments[0],
    )
    dept = config.departments[draft.department]
    people = [(p.id, p.name) for p in dept.coordinators]
    draft.coordinator = asker.choose(tr("You (the coordinator answerable for it)"), people, people[0][0])
    kinds = {
        "alert": tr("urgent: goes out first"),
        "notice": tr("information for citizens"),
        "scheme": tr("a scheme citizens can use"),
        "project": tr("work being done"),
        "event": tr("something happening on a day"),
    }
    draft.kind = asker.choose(tr("Kind"), [(k, kinds.get(k, k)) for k in KINDS], "notice")
    draft.publish_at = asker.ask(
        tr("When to post (YYYY-MM-DD HH:MM, India time)"),
        check_time(config, now),
        default=default_time(draft.kind, now),
    ).strip()
    draft.publish_at = parse_moment(draft.publish_at, config.organisation.tz).strftime("%Y-%m-%d %H:%M")
    names = {"mr": tr("Marathi"), "en": tr("English")}
    languages = config.organisation.languages
    for lang in languages:
        title = asker.ask(
            tr("Short heading in {language} (optional)").format(language=names.get(lang, lang)),
            check_text(lang, required=False),
        ).strip()
        if title:
            draft.title[lang] = title
    for i, lang in enumerate(languages):
        text = asker.ask(
            tr("The message in {language}").format(language=names.get(lang, lang)),
            check_text(lang, required=i == 0),
        ).strip()
        if text:
            draft.text[lang] = text
    link = asker.ask(tr("Link for more details (https://…, optional)"), check_link).strip()
    draft.link = link or None
    draft.hashtags = parse_hashtags(
        asker.ask(tr("Hashtags, without '#'"), check_hashtags, default=" ".join(dept.hashtags))
    )[0]
    while True:
        image = asker.ask(
            tr("Image to attach (a path in the repository; leave empty when done)"),
            check_image(config, len(draft.media)),
        ).strip()
        if not image:
            break
        alt = {}
        for lang in languages:
            alt[lang] = asker.ask(
                tr("What the image shows, in {language} (for readers who cannot see it)").format(
                    language=names.get(lang, lang)
                ),
                check_text(lang, required=True),
            ).strip()
        draft.media.append((repo_relative(config, image), alt))
    day = draft.publish_at[:10]
    suggestion = slug_from(draft.title.get("en") or draft.text.get("en", ""))
    slug_check = check_slug(config, draft.department, day)
    if slug_check(suggestion) is not None:
        suggestion = ""
    draft.slug = asker.ask(
        tr("Short name for the file (lower-case English words joined by '-')"), slug_check, default=suggestion
    ).strip()
    return draft


def create_guided(config: Config, asker: Asker, now: datetime) -> tuple[str, list[Diagnostic]]:
    """Ask, write the file, and check it as validate would: its path and any problem besides the approval
    that is still to come (there should be none: every answer was checked)."""
    from pmcpost.content import APPROVAL_MISSING, load_file
    from pmcpost.scaffold import create_announcement

    draft = interview(config, asker, now)
    rel = create_announcement(
        config,
        draft.department,
        coordinator=draft.coordinator,
        slug=draft.slug,
        day=None,
        kind=draft.kind,
        answers=draft.answers(),
    )
    _, diagnostics = load_file(config, config.root / rel)
    pending = tr(APPROVAL_MISSING)
    return rel, [d for d in diagnostics if d.message != pending]
