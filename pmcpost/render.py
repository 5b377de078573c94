"""Rendering announcements into the exact posts each platform will get.

Templates are Jinja, rendered in the immutable sandbox with StrictUndefined, so a typo is an error rather
than silently empty text and a template cannot reach Python internals. Lookup order for platform P of
department D: ``<templates>/<D>/<P>.j2``, ``<templates>/<P>.j2``, then the packaged default (``default.j2``
for platforms without one).
"""

from __future__ import annotations

import os
import posixpath
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pmcpost import xtext
from pmcpost.config import Config, Person
from pmcpost.content import Announcement
from pmcpost.diagnostics import Diagnostic
from pmcpost.errors import TemplateError
from pmcpost.platforms import Media, Message, Part
from pmcpost.platforms.registry import configured, description
from pmcpost.platforms.spec import PlatformSpec
from pmcpost.template_limits import LimitedSandbox, RenderLimits, TemplateLimitError, render_limited

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
PACKAGE_LABEL = "pmcpost/templates"

_DEVANAGARI_DIGITS = str.maketrans("0123456789", "०१२३४५६७८९")
_HASHTAG_RE = re.compile(r"(?<![\w#])#\w+")  # a hashtag as Instagram counts it


def platform_limit(platform: str) -> tuple[int, Callable[[str], int]]:
    """The platform's limit and its own way of measuring text (from its description)."""
    spec = description(platform)
    return spec.text_limit, spec.measure_text


# -- filters ------------------------------------------------------------------------------------------
def _hashtags(tags: Iterable[str]) -> str:
    return " ".join(f"#{t}" for t in tags)


def devanagari_digits(value: Any) -> str:
    """'12:30' -> '१२:३०'."""
    return str(value).translate(_DEVANAGARI_DIGITS)


def _kind(value: Any) -> str:
    return "text" if isinstance(value, str) else f"a {type(value).__name__}"


def _moment(value: Any, name: str) -> datetime:
    # A clear message for the template's author instead of "'str' object has no attribute 'astimezone'";
    # a naive time would silently take the machine's time zone.
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} needs a date and time such as publish_at, not {_kind(value)}")
    return value


def _babel_locale(lang: str) -> str:
    # Indian English formats dates as "3 December 2026" and groups numbers as 12,34,567.
    return "en_IN" if lang == "en" else lang


class _Filters:
    """Filters that need the configuration (timezone)."""

    def __init__(self, config: Config) -> None:
        self.tz = config.organisation.tz

    def date(self, moment: datetime, lang: str = "en", digits: str = "latin") -> str:
        moment = _moment(moment, "local_date")
        from babel.dates import format_date

        text = str(format_date(moment.astimezone(self.tz), "d MMMM y", locale=_babel_locale(lang)))
        return devanagari_digits(text) if digits == "devanagari" else text

    def time(self, moment: datetime, lang: str = "en", digits: str = "latin") -> str:
        moment = _moment(moment, "local_time")
        from babel.dates import format_time

        text = str(format_time(moment.astimezone(self.tz), "h:mm a", locale=_babel_locale(lang)))
        return devanagari_digits(text) if digits == "devanagari" else text

    def datetime(self, moment: datetime, lang: str = "en", digits: str = "latin") -> str:
        moment = _moment(moment, "local_datetime")
        from babel.dates import format_datetime

        text = str(format_datetime(moment.astimezone(self.tz), "d MMMM y, h:mm a", locale=_babel_locale(lang)))
        return devanagari_digits(text) if digits == "devanagari" else text

    @staticmethod
    def number(value: float, lang: str = "en", digits: str = "latin") -> str:
        from babel.numbers import format_decimal

        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise ValueError(f"number needs a number, not {_kind(value)}")
        text = str(format_decimal(value, locale=_babel_locale(lang)))
        return devanagari_digits(text) if digits == "devanagari" else text


def _person(p: Person | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"id": p.id, "name": p.name, "email": p.email, "github": p.github}


class TemplateOutside(jinja2.TemplateError):
    """A template file (or an included one) that resolves outside the templates folders, through a symlink."""

    def __init__(self, name: str, path: str) -> None:
        super().__init__(f"template {name!r} is a link to a file outside the templates folder; refused")
        self.name = name
        self.path = path


class ConfinedLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing any template file whose real path (symlinks followed) lies outside the
    allowed folders: ``{% include "leak.txt" %}`` with leak.txt -> /proc/self/environ or ../.git/config must
    not put that file into a post."""

    def __init__(self, searchpath: list[str], allowed: list[str]) -> None:
        super().__init__(searchpath)
        self.allowed = [a.rstrip(os.sep) + os.sep for a in allowed]

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        from jinja2.loaders import split_template_path

        pieces = split_template_path(template)
        for searchpath in self.searchpath:
            filename = posixpath.join(searchpath, *pieces)
            if os.path.isfile(filename):
                if not os.path.realpath(filename).startswith(tuple(self.allowed)):
                    raise TemplateOutside(template, filename)  # checked before the file is ever opened
                break
        return super().get_source(environment, template)


def _allowed_folders(search: list[Path], repository: Path | None) -> list[str]:
    """The real paths of the search folders that lie inside the repository (or pmcpost's own templates)."""
    inside = [os.path.realpath(PACKAGE_TEMPLATES)]
    if repository is not None:
        inside.append(os.path.realpath(repository))
    allowed = []
    for folder in search:
        real = os.path.realpath(folder)
        if repository is None or any(real == i or real.startswith(i.rstrip(os.sep) + os.sep) for i in inside):
            allowed.append(real)
    return allowed


def sandbox_environment(
    search: list[Path], *, autoescape: bool, keep_trailing_newline: bool = False, repository: Path | None = None
) -> ImmutableSandboxedEnvironment:
    """Jinja for templates users may write: the immutable sandbox (no reaching Python internals) and
    StrictUndefined (a typo is an error, not empty text), first match along ``search``. Template files must
    resolve inside their search folder, and those inside ``repository`` (or pmcpost's own templates)."""
    return LimitedSandbox(
        loader=ConfinedLoader([str(p) for p in search], _allowed_folders(search, repository)),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=not autoescape,  # post templates are laid out by line; HTML keeps its own whitespace
        lstrip_blocks=not autoescape,
        keep_trailing_newline=keep_trailing_newline,
        auto_reload=False,
    )


def template_position(exc: BaseException, fallback: str) -> tuple[str, int]:
    """The template file and line an exception was raised from (Jinja rewrites tracebacks to point there)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or exc.name or fallback, exc.lineno or 0
    filename, line = fallback, 0
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code.co_filename
        if code.endswith(".j2") or "templates" in code:
            filename, line = code, tb.tb_lineno
        tb = tb.tb_next
    return filename, line


@dataclass(frozen=True)
class PlatformFacts:
    """A platform's description with its configured limit (PlatformSpec.limit_from), how it measures and cuts
    text, and whether both languages are tried in one post first."""

    spec: PlatformSpec
    measure: Callable[[str], int]
    combined: bool = False  # threads only: both languages in one post first, when they fit
    split: Callable[[str, int], Measured] | None = None  # threads only
    split_measures: bool = False  # split gives each part's length

    @classmethod
    def of(cls, config: Config, platform: str) -> PlatformFacts:
        spec = configured(config, platform)
        threads = spec.threads
        if threads is None:
            return cls(spec, spec.measure_text)
        layout = config.platforms[platform].options.get(threads.layout_option, threads.default_layout)
        measured = threads.split_measured
        split = measured or _unmeasured(threads.split_text)
        return cls(spec, spec.measure_text, layout == "combined", split, measured is not None)


class Renderer:
    """Builds the Message for an announcement on a platform. One per process: templates are compiled once."""

    def __init__(self, config: Config, limits: RenderLimits | None = None) -> None:
        self.config = config
        self.limits = limits or RenderLimits()
        # posts are plain text; the website's HTML templates escape
        self.env = sandbox_environment(
            [config.templates_dir, PACKAGE_TEMPLATES], autoescape=False, repository=config.root
        )
        filters = _Filters(config)
        self.env.filters.update(
            hashtags=_hashtags,
            devanagari_digits=devanagari_digits,
            local_date=filters.date,
            local_time=filters.time,
            local_datetime=filters.datetime,
            number=filters.number,
        )
        self.env.globals.update(
            organisation={
                "name": dict(config.organisation.name),
                "short_name": dict(config.organisation.short_name),
                "website": config.organisation.website,
            },
            primary=config.organisation.primary_language,
        )
        self._templates: dict[tuple[str, str], jinja2.Template] = {}
        self._broken: dict[tuple[str, str], TemplateError] = {}
        # Built once, shared by every render: the immutable sandbox stops a template from changing them.
        self._people = {pid: _person(p) for pid, p in config.people.items()}
        self._departments = {
            slug: {"slug": d.slug, "name": dict(d.name), "hashtags": list(d.hashtags)}
            for slug, d in config.departments.items()
        }
        # The last announcement's context (the same object is rendered for each of its platforms in turn).
        self._context_of: Announcement | None = None
        self._base_context: dict[str, Any] = {}
        self._languages: list[str] = []
        self._media_paths: dict[str, Path] = {}
        self._facts: dict[str, PlatformFacts] = {}

    # -- templates -------------------------------------------------------------------------------
    def template_label(self, filename: str, *, resolve: bool = True) -> str:
        path = Path(filename)
        if not resolve:  # a link leading out: name the link, never where it leads
            try:
                return Path(os.path.abspath(path)).relative_to(os.path.abspath(self.config.root)).as_posix()
            except ValueError:
                return path.name
        try:
            return path.resolve().relative_to(self.config.root.resolve()).as_posix()
        except ValueError:
            pass
        try:
            return f"{PACKAGE_LABEL}/{path.resolve().relative_to(PACKAGE_TEMPLATES.resolve()).as_posix()}"
        except ValueError:
            return filename

    def template(self, department: str, platform: str) -> jinja2.Template:
        key = (department, platform)
        cached = self._templates.get(key)
        if cached is not None:
            return cached
        if key in self._broken:
            raise self._broken[key]
        names = [f"{department}/{platform}.j2", f"{platform}.j2", "default.j2"]
        try:
            tmpl = self.env.select_template(names)
        except jinja2.TemplateSyntaxError as exc:
            filename, line = template_position(exc, names[1])
            error = TemplateError(self.template_label(filename), line, exc.message or "syntax error")
            self._broken[key] = error
            raise error from None
        except TemplateOutside as exc:
            error = TemplateError(self.template_label(exc.path, resolve=False), 0, exc.message or "")
            self._broken[key] = error
            raise error from None
        self._templates[key] = tmpl
        return tmpl

    # -- rendering -------------------------------------------------------------------------------
    def platform_facts(self, platform: str) -> PlatformFacts:
        """What rendering for ``platform`` needs from its description and configuration, worked out once."""
        facts = self._facts.get(platform)
        if facts is None:
            facts = self._facts[platform] = PlatformFacts.of(self.config, platform)
        return facts

    def _context(self, a: Announcement) -> dict[str, Any]:
        """What a template sees of the announcement (render_text adds the platform and the languages): built
        once for all its platforms, and never changed (the sandbox is immutable)."""
        if a is not self._context_of:  # the platforms of one announcement share it
            self._context_of = a
            self._languages = [lang for lang in self.config.organisation.languages if lang in a.text]
            self._base_context = {
                "announcement": a,
                "id": a.id,
                "kind": a.kind,
                "text": dict(a.text),
                "title": dict(a.title),
                "link": xtext.encode_url(a.link) if a.link else None,
                "hashtags": list(a.hashtags),
                "publish_at": a.publish_at,
                "expires_at": a.expires_at,
                "department": self._departments[a.department],
                "coordinator": self._people.get(a.coordinator),
                "approver": self._people.get(a.approved_by) if a.approved_by else None,
            }
        return self._base_context

    def _media_path(self, path: str) -> Path:
        absolute = self._media_paths.get(path)
        if absolute is None:
            absolute = self._media_paths[path] = self.config.root / path
        return absolute

    def render_text(
        self, a: Announcement, platform: str, languages: list[str], context: dict[str, Any] | None = None
    ) -> str:
        """The template's output for these languages, NFC-normalised, blank runs tidied. ``context`` is
        ``_context(a)`` when the caller already has it."""
        tmpl = self.template(a.department, platform)
        context = context if context is not None else self._context(a)
        try:
            more = {"platform": platform, "languages": languages, "lang": languages[0]}
            raw = render_limited(tmpl, context, self.limits, more)
        except Exception as exc:  # a template is code: whatever it (or a filter) raises is the template's problem
            filename, line = template_position(exc, tmpl.filename or platform)
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            if isinstance(exc, jinja2.TemplateNotFound):  # Jinja's message lists this machine's search paths
                message = f"no template named {exc.name!r} (looked in {self.config.paths.templates}/ and pmcpost's)"
            label = self.template_label(filename)
            if isinstance(exc, TemplateLimitError):
                # Not run again in this process: a template past its limits costs seconds per announcement.
                self._broken[(a.department, platform)] = TemplateError(label, line, message)
                self._templates.pop((a.department, platform), None)
            raise TemplateError(label, line, message, a.id, platform) from None
        text = _tidy(raw)
        if not text.strip():  # an empty post is never what a template meant (and a thread needs a first post)
            label = self.template_label(tmpl.filename or platform)
            raise TemplateError(label, 0, "renders no text for this announcement", a.id, platform)
        return text

    def render(self, announcement: Announcement, platform: str) -> Message:
        """The posts ``announcement`` becomes on ``platform``."""
        return self.render_measured(announcement, platform)[0]

    def render_measured(self, announcement: Announcement, platform: str) -> tuple[Message, list[int | None]]:
        """``render``, with the length of each part as the platform measures it where rendering measured it
        already (None where it did not)."""
        draft = self.draft(announcement, platform)
        a, primary = draft.announcement, draft.languages[0]
        if draft.threaded:
            parts = [Part(text, language) for text, language in zip(draft.texts, draft.part_languages, strict=True)]
            media = tuple(Media(self._media_path(m.path), m.alt.get(primary, ""), m.mime) for m in a.media)
            if media:
                parts[0] = Part(parts[0].text, parts[0].language, media, parts[0].link)
        else:
            alt_joined = tuple(
                Media(
                    self._media_path(m.path),
                    " / ".join(m.alt[lang] for lang in draft.languages if lang in m.alt),
                    m.mime,
                )
                for m in a.media
            )
            parts = [Part(draft.texts[0], draft.part_languages[0], alt_joined, draft.link)]
        return Message(platform, announcement, tuple(parts), tuple(draft.warnings)), draft.lengths

    def draft(self, announcement: Announcement, platform: str) -> Draft:
        """The texts of the posts ``announcement`` becomes on ``platform``, with what is known of their lengths
        and the warnings: all that checking needs, without building the Message (render_measured does)."""
        a = announcement.for_platform(platform)
        context = self._context(a)
        languages = self._languages
        all_languages = self.config.organisation.languages
        facts = self.platform_facts(platform)
        spec, limit, measure = facts.spec, facts.spec.text_limit, facts.measure
        texts: list[str] = []
        part_languages: list[str] = []
        lengths: list[int | None] = []
        warnings: list[str] = []
        draft = Draft(a, languages, spec.threads is not None, texts, part_languages, lengths, warnings)
        if facts.split is not None:
            assert spec.threads is not None
            combined = self.render_text(a, platform, languages, context) if facts.combined else None
            length = measure(combined) if combined is not None else limit + 1
            if length <= limit:
                assert combined is not None
                texts.append(combined)
                part_languages.append("+".join(languages))
                lengths.append(length)
            else:
                for lang in languages:
                    thread = _thread(self.render_text(a, platform, [lang], context), limit, facts.split, measure)
                    for text, measured in thread:
                        texts.append(text)
                        part_languages.append(lang)
                        lengths.append(measured if facts.split_measures else None)
            if len(texts) > spec.threads.warn_above_parts:
                name = spec.display_name
                warnings.append(f"the thread on {name} has {len(texts)} posts; consider a shorter text for {name}")
        else:
            text = self.render_text(a, platform, languages, context)
            texts.append(text)
            part_languages.append("+".join(languages))
            draft.link = context["link"] if spec.attaches_link else None
            length = measure(text)
            lengths.append(length)
            if length > limit:
                warnings.append(f"{length:,} {spec.length_unit}; {platform} allows {limit:,}")
        if len(languages) < len(all_languages):
            warnings.append(f"no text in {', '.join(lang for lang in all_languages if lang not in a.text)}")
        return draft


@dataclass(slots=True)
class Draft:
    """The posts of one announcement on one platform, as text: Renderer.draft."""

    announcement: Announcement  # with the platform's overrides applied
    languages: list[str]  # the languages it has text in, in the configured order
    threaded: bool  # each post replies to the one before; images go with the first
    texts: list[str]
    part_languages: list[str]  # "mr", "en", or "mr+en" when combined
    lengths: list[int | None]  # as the platform measures (None: not measured yet)
    warnings: list[str]
    link: str | None = None  # attached as a link (Facebook)

    def has_media(self, index: int) -> bool:
        """Whether post ``index`` carries the images (a caption limit may apply)."""
        return bool(self.announcement.media) and (index == 0 or not self.threaded)


_NUMBERING = re.compile(r" \(\d+/\d+\)$")


def _only_links_and_hashtags(text: str) -> bool:
    words = text.split()
    return bool(words) and all(w.startswith("#") or xtext.find_urls(w) == [(0, len(w))] for w in words)


Measured = list[tuple[str, int]]  # posts, each with its length (0 where nobody measured it)


def _unmeasured(split: Callable[[str, int], list[str]]) -> Callable[[str, int], Measured]:
    return lambda text, limit: [(part, 0) for part in split(text, limit)]


def _thread(text: str, limit: int, split: Callable[[str, int], Measured], measure: Callable[[str], int]) -> Measured:
    """The thread posts of one language's text, each with the length ``split`` gave it. A closing paragraph of
    links and hashtags stays with the post before it: a post holding nothing but "#PMCWater (2/2)" tells a
    reader nothing."""
    try:
        parts = split(text, limit)
    except ValueError:  # one unbreakable piece is longer than a post: validate reports it
        return [(text, measure(text))]
    if len(parts) < 2 or not _only_links_and_hashtags(_NUMBERING.sub("", parts[-1][0])):
        return parts
    paragraphs = text.split("\n\n")
    cut = len(paragraphs)
    while cut > 1 and _only_links_and_hashtags(paragraphs[cut - 1]):
        cut -= 1
    body, trailer = "\n\n".join(paragraphs[:cut]), "\n\n".join(paragraphs[cut:])
    try:
        # Every post keeps room for the trailer; only the last one gets it.
        pieces = [piece for piece, _ in split(body, limit - measure("\n\n" + trailer))]
    except ValueError:  # the trailer alone nearly fills a post: keep the plain split
        return parts
    last = pieces[-1]
    suffix = _NUMBERING.search(last)
    at = suffix.start() if suffix and len(pieces) > 1 else len(last)
    pieces[-1] = f"{last[:at]}\n\n{trailer}{last[at:]}"
    measured = [(piece, measure(piece)) for piece in pieces]
    return measured if all(length <= limit for _, length in measured) else parts


_BLANK_LINES = re.compile("\n\n\n+")


def _tidy(text: str) -> str:
    """NFC (keeping ZWJ/ZWNJ, which NFC never removes), no trailing spaces, at most one blank line."""
    text = "\n".join(map(str.rstrip, unicodedata.normalize("NFC", text).strip().splitlines()))
    # The first and the last line are not blank: a run of three or more newlines is a run of blank lines.
    return _BLANK_LINES.sub("\n\n", text) if "\n\n\n" in text else text


TemplateErrors = dict[tuple[str, int, str], list[Any]]  # (template, line, problem) -> [first seen, count]


def check_rendering(
    config: Config, announcements: Iterable[Announcement], renderer: Renderer | None = None
) -> tuple[list[Diagnostic], TemplateErrors]:
    """Render every announcement for each of its platforms: problems with announcements (lengths,
    warnings), and template errors grouped so that a broken template is reported once."""
    renderer = renderer or Renderer(config)
    problems: list[Diagnostic] = []
    template_errors: TemplateErrors = {}
    for a in announcements:
        for platform in a.platforms:
            try:
                draft = renderer.draft(a, platform)
            except TemplateError as exc:
                key = (exc.template, exc.line, exc.problem)
                if key in template_errors:
                    template_errors[key][1] += 1
                else:
                    template_errors[key] = [f"{a.id} for {platform}", 1]
                continue
            facts = renderer.platform_facts(platform)
            spec, measure = facts.spec, facts.measure
            for i, (text, known) in enumerate(zip(draft.texts, draft.lengths, strict=True)):
                length = known if known is not None else measure(text)
                limit = spec.limit_for(draft.has_media(i)) if spec.caption_limit is not None else spec.text_limit
                if length > limit:
                    problems.append(
                        Diagnostic(
                            a.path, 0, 0, "error", f"{platform} post {i + 1} is {length:,} long; the limit is {limit:,}"
                        )
                    )
                tags = len(_HASHTAG_RE.findall(text)) if spec.max_hashtags is not None else 0
                if spec.max_hashtags is not None and tags > spec.max_hashtags:
                    problems.append(
                        Diagnostic(
                            a.path,
                            0,
                            0,
                            "error",
                            f"{platform} post {i + 1} has {tags} hashtags; {spec.display_name} takes at most "
                            f"{spec.max_hashtags}",
                        )
                    )
            for w in draft.warnings:
                problems.append(Diagnostic(a.path, 0, 0, "warning", f"{platform}: {w}"))
    return problems, template_errors


def template_error_diagnostics(template_errors: TemplateErrors) -> list[Diagnostic]:
    """One diagnostic per broken template line, naming the first announcement it broke."""
    out = []
    for (template, line, problem), (first, count) in template_errors.items():
        more = f" and {count - 1} more" if count > 1 else ""
        out.append(Diagnostic(template, line, 0, "error", f"{problem} (rendering {first}{more})"))
    return out


def render_problems(
    config: Config, announcements: Iterable[Announcement], renderer: Renderer | None = None
) -> list[Diagnostic]:
    """Render every announcement for each of its platforms; report template errors and limits."""
    problems, template_errors = check_rendering(config, announcements, renderer)
    return problems + template_error_diagnostics(template_errors)
