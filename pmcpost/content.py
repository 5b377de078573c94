"""Announcement files: the typed model, discovery under content/, and checking every rule with positions."""

from __future__ import annotations

import errno
import functools
import hashlib
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pmcpost import unsafe_text, yamlnodes
from pmcpost.config import KINDS, Config, normalise_hashtag
from pmcpost.diagnostics import Diagnostic
from pmcpost.i18n import N_, tr
from pmcpost.moments import MomentError, parse_moment
from pmcpost.yamlnodes import Node, Reader

MAX_ANNOUNCEMENT_BYTES = 64 * 1024
_FILE_WHAT = "announcement file"
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
FILE_NAME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
YAML_SUFFIXES = (".yaml", ".yml")
SCHEMA_COMMENT_PREFIX = "# yaml-language-server: $schema="

# The images pmcpost knows, by their leading bytes; the file name's suffix must agree. Each platform's
# description says which of them it takes, how many and how large (media_limits).
IMAGE_SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"GIF87a", "image/gif", (".gif",)),
    (b"GIF89a", "image/gif", (".gif",)),
    (b"RIFF", "image/webp", (".webp",)),
)


def media_limits(platforms: tuple[str, ...]) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
    """The strictest image count and size among these platforms' descriptions, each with the name of the
    platform it comes from (``None`` when none of them limits it). The policy may lower the size."""
    from pmcpost.platforms.registry import description

    specs = [description(name) for name in platforms]
    counts = [(s.media.max_items, s.display_name) for s in specs if s.media.max_items is not None]
    sizes = [(s.media.max_bytes, s.display_name) for s in specs if s.media.max_bytes is not None]
    return min(counts, default=None), min(sizes, default=None)


def refused_formats(platforms: tuple[str, ...]) -> dict[str, str]:
    """Image type -> the first of these platforms (its display name) that does not take it."""
    from pmcpost.platforms.registry import description

    refused: dict[str, str] = {}
    for spec in map(description, platforms):
        for _, mime, _ in IMAGE_SIGNATURES:
            if mime not in spec.media.formats:
                refused.setdefault(mime, spec.display_name)
    return refused


KEYS = {
    "coordinator": "who is answerable for the post: one of the department's two coordinators (their id)",
    "approved_by": "who approved it: the department's other coordinator or a social media cell member",
    "kind": "alert, notice, scheme, project or event (alerts go first when the daily quota is tight)",
    "title": "optional short heading per language",
    "text": "the message per language; the primary language is required",
    "link": "optional https:// link for more details",
    "hashtags": "optional list of hashtags without '#'",
    "media": "optional images: each with path (inside the repository) and alt text per language",
    "publish_at": "when to post, e.g. '2026-12-03 09:00' (India time unless an offset is given)",
    "expires_at": "optional: never post after this time",
    "platforms": "optional list of platforms; the policy's default_platforms otherwise",
    "overrides": "optional per-platform text, title, hashtags or link",
    "department": "optional; when given it must equal the folder the file is in",
    "freeze_exempt": "optional: true lets the post go out during a freeze (needs a cell member's approval)",
}
REQUIRED_KEYS = ("coordinator", "kind", "text", "publish_at")
# `pmcpost new` writes <<...>> where the writer's own words belong; no real announcement contains it.
PLACEHOLDER_RE = re.compile(r"<<[^<>]*>>")
OVERRIDE_KEYS = ("text", "title", "hashtags", "link")


@dataclass(frozen=True)
class MediaFile:
    """An image to post, with its alt text per language."""

    path: str  # relative to the repository root, with '/'
    alt: Mapping[str, str]
    mime: str = "image/png"
    size: int = 0


@dataclass(frozen=True)
class Announcement:
    """One checked announcement file."""

    id: str
    department: str
    path: str  # relative to the repository root, with '/'
    coordinator: str
    approved_by: str | None
    kind: str
    title: Mapping[str, str]
    text: Mapping[str, str]
    link: str | None
    hashtags: tuple[str, ...]
    media: tuple[MediaFile, ...]
    publish_at: datetime
    expires_at: datetime | None
    platforms: tuple[str, ...]
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    freeze_exempt: bool = False
    source_sha256: str = ""

    def for_platform(self, platform: str) -> Announcement:
        """This announcement with the platform's overrides applied."""
        o = self.overrides.get(platform)
        if not o:
            return self
        from dataclasses import replace

        changes: dict[str, Any] = {}
        if "text" in o:
            changes["text"] = {**self.text, **o["text"]}
        if "title" in o:
            changes["title"] = {**self.title, **o["title"]}
        if "hashtags" in o:
            changes["hashtags"] = tuple(o["hashtags"])
        if "link" in o:
            changes["link"] = o["link"]
        return replace(self, **changes)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def is_due(self, now: datetime) -> bool:
        return self.publish_at <= now


@dataclass
class LoadResult:
    """What loading a set of files gave: the good announcements and every problem found."""

    announcements: list[Announcement] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0


def discover(config: Config, paths: Sequence[Path] = ()) -> list[Path]:
    """Announcement files under content/ (or under the given files and folders), sorted."""
    return [Path(f) for f in discover_names(config, paths)]


def discover_names(config: Config, paths: Sequence[Path] = ()) -> list[str]:
    """``discover`` as strings: tens of thousands of Paths take a while to make, and worker processes can
    each make their own share."""
    roots = list(paths) or [config.content_dir]
    found: list[str] = []  # strings: hashing and sorting tens of thousands of Paths is slow
    for p in roots:
        p = p if p.is_absolute() else (Path.cwd() / p)
        if p.is_dir():
            found.extend(_yaml_files(p))
        else:
            found.append(os.fspath(p))
    # One folder's walk names each file once; files and folders a user names may overlap.
    return sorted(set(found) if len(roots) > 1 else found)


def _yaml_files(folder: Path) -> Iterator[str]:
    """YAML files below ``folder``, in one walk; the directory entry's type saves a stat per file."""
    stack = [os.fspath(folder)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    # A link is never followed (no loops, nothing from outside): it is listed when it names a YAML
                    # file or a folder, and loading refuses it by name. The common case, a YAML file, is asked
                    # about first: two questions per file rather than four.
                    if entry.name.endswith(YAML_SUFFIXES):
                        if entry.is_file(follow_symlinks=False) or entry.is_symlink():
                            yield entry.path
                        elif entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                    elif entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_symlink() and entry.is_dir():
                        yield entry.path
        except OSError:  # a folder that vanished or cannot be read holds nothing to check
            continue


@functools.lru_cache(maxsize=64)
def _real_folder(absolute: str) -> str:
    # Every file of a run sits under the same few folders: resolve them once, not once per file.
    return os.path.realpath(absolute)


def _real_dir(folder: Path) -> Path:
    return Path(_real_folder(os.path.abspath(folder)))


@functools.lru_cache(maxsize=64)
def _folder_prefixes(folder: str) -> tuple[str, ...]:
    absolute = os.path.abspath(folder)
    return tuple(dict.fromkeys((absolute + os.sep, _real_folder(absolute) + os.sep)))


def _absolute(text: str) -> str:
    """``os.path.abspath(text)``; paths from discover() are absolute and normal already, and are kept."""
    return text if os.path.isabs(text) and "/." not in text and "//" not in text else os.path.abspath(text)


def relative_parts(path: str | Path, folder: Path) -> tuple[str, ...] | None:
    """``path``'s parts below ``folder``, or None when it is not inside it.

    Compared as plain strings first (no filesystem calls: this runs for every file), then through
    symlinks like Path.resolve, so a path reached through a linked folder is still recognised.
    """
    lexical = _absolute(os.fspath(path))
    for base in _folder_prefixes(os.fspath(folder)):
        if lexical.startswith(base):
            return tuple(lexical[len(base) :].split(os.sep))
    try:
        return Path(path).resolve().relative_to(_real_dir(folder)).parts
    except ValueError:
        return None


def relative_label(root: Path, path: str | Path) -> str:
    parts = relative_parts(path, root)
    return "/".join(parts) if parts else str(path)


def load_announcements(config: Config, files: Iterable[str | Path], *, digests: bool = True) -> LoadResult:
    """Load and check each file; duplicate ids across files are reported too. Without ``digests`` the
    announcements' ``source_sha256`` stays empty: a check whose announcements are dropped at once needs none."""
    result = LoadResult()
    seen: dict[str, str] = {}
    run = LoadRun(digests=digests)
    for path in files:
        result.files += 1
        announcement, diags = load_file(config, path, run)
        result.diagnostics.extend(diags)
        if announcement is None:
            continue
        other = seen.get(announcement.id)
        if other is not None:
            result.diagnostics.append(
                Diagnostic(announcement.path, 0, 0, "error", f"duplicate id {announcement.id!r}: {other} has it too")
            )
            continue
        seen[announcement.id] = announcement.path
        result.announcements.append(announcement)
    return result


def load_file(
    config: Config, path: str | Path, run: LoadRun | None = None
) -> tuple[Announcement | None, list[Diagnostic]]:
    """Read and check one announcement file (a str path saves making a Path for each of many files)."""
    label = relative_label(config.root, path)
    linked = _linked_folder_problem(config, path)
    if linked is not None:
        return None, [Diagnostic(label, 0, 0, "error", linked)]
    try:
        data = _read_unlinked(path, MAX_ANNOUNCEMENT_BYTES)
    except _TooLarge as exc:
        return None, [
            Diagnostic(label, 0, 0, "error", yamlnodes.too_large(_FILE_WHAT, exc.size, MAX_ANNOUNCEMENT_BYTES))
        ]
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            return None, [Diagnostic(label, 0, 0, "error", _link_message(config, path))]
        return None, [Diagnostic(label, 0, 0, "error", f"cannot read: {exc.strerror}")]
    return parse_announcement(config, path, label, data, run)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# O_NONBLOCK: a named pipe given as a file reads as empty instead of waiting for a writer forever.
_READ_FLAGS = (
    os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def _read_unlinked(path: str | Path, most: int) -> bytes:
    """The file's bytes, refusing (ELOOP) a file that is a symbolic link in the same system call that opens
    it: no window between a check and the read, and one call fewer for each of tens of thousands of files.
    A file over ``most`` bytes is not read to its end (_TooLarge gives its size)."""
    if not _NOFOLLOW and os.path.islink(path):  # pragma: no cover - Windows has no O_NOFOLLOW
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), os.fspath(path))
    fd = os.open(path, _READ_FLAGS)
    try:
        chunks = []
        size = 0
        while chunk := os.read(fd, most + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > most:
                raise _TooLarge(max(size, os.fstat(fd).st_size))
        return b"".join(chunks)
    finally:
        os.close(fd)


class LoadRun:
    """What the files of one run share, worked out once: each image looked at once (announcements share
    them), and the enabled platforms' image rules."""

    def __init__(self, *, digests: bool = True) -> None:
        self.digests = digests  # each announcement's source_sha256 (what publishing records) is computed
        self.media: dict[tuple[Path, str], tuple[str, str, str, int]] = {}
        self._rules: dict[tuple[str, ...], _ImageRules] = {}
        self._kept: dict[tuple[str, ...], tuple[tuple[str, ...], list[str]]] = {}

    def image_rules(self, config: Config) -> _ImageRules:
        enabled = tuple(name for name, p in config.platforms.items() if p.enabled)
        rules = self._rules.get(enabled)
        if rules is None:
            most, largest = media_limits(enabled)
            rules = self._rules[enabled] = _ImageRules(most, largest, refused_formats(enabled))
        return rules

    def image_required(self, config: Config, platforms: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
        """``platforms`` without those whose posts need an image (Instagram), and the names of those."""
        key = tuple(platforms)
        found = self._kept.get(key)
        if found is None:
            from pmcpost.platforms.registry import description

            kept: list[str] = []
            needing: list[str] = []
            for name in platforms:
                settings = config.platforms.get(name)
                spec = description(name) if settings is not None and settings.enabled else None
                (needing if spec is not None and spec.media.image_required else kept).append(name)
            found = self._kept[key] = (tuple(kept), needing)
        return found


@dataclass(frozen=True)
class _ImageRules:
    most: tuple[int, str] | None  # the strictest image count, and whose it is
    largest: tuple[int, str] | None  # the strictest image size, and whose it is
    refused: dict[str, str]  # image type -> the first platform that does not take it


_LINK_RISK = "a link can point outside the repository, or change what is posted without review"


def _link_message(config: Config, path: str | Path) -> str:
    what = "folder" if os.path.isdir(path) else "file"
    return (
        f"is a symbolic link to a {what}, and pmcpost does not follow links under {config.paths.content}/ "
        f"({_LINK_RISK}); put the {'files themselves' if what == 'folder' else 'announcement itself'} here"
    )


def _linked_folder_problem(config: Config, path: str | Path) -> str | None:
    """Why ``path`` must not be read as an announcement: it sits in a linked folder inside the content folder
    (None when not). What reviewers saw must be what is posted; a linked file itself is refused when read."""
    linked = _linked_folder(os.path.dirname(_absolute(os.fspath(path))), os.fspath(config.content_dir))
    if linked is None:
        return None
    shown = "/".join((config.paths.content.strip("/"), *linked))
    return (
        f"sits in {shown}, which is a symbolic link, and pmcpost does not follow links under "
        f"{config.paths.content}/ ({_LINK_RISK}); put the announcement itself here"
    )


@functools.lru_cache(maxsize=256)
def _linked_folder(folder: str, content: str) -> tuple[str, ...] | None:
    """The parts (below the content folder) of the first linked folder on the way to ``folder``, if any."""
    parts = relative_parts(Path(folder, "x"), Path(content))
    if parts is None:
        return None
    current = content
    for i, part in enumerate(parts[:-1]):
        current = os.path.join(current, part)
        if os.path.islink(current):
            return parts[: i + 1]
    return None


def link_problem(value: str, what: str) -> str | None:
    """What is wrong with a link (None when it is fine): https only, and an address."""
    if not value.startswith("https://"):
        return tr("{what} must start with https:// (found {value!r})").format(what=what, value=value)
    if _SPACE.search(value) or not _ADDRESS.match(value):
        return f"{what} is not a valid address: {value!r}"
    return None


_SPACE = re.compile(r"\s")
_ADDRESS = re.compile(r"^https://[^/\s]+\.[^/\s]+")


# The one problem a fresh file from `pmcpost new` is meant to have until someone approves it.
APPROVAL_MISSING = N_(
    "missing required key 'approved_by': policy requires a second person's "
    "approval (the department's other coordinator or a cell member); ask them to review "
    "your pull request, and the one who approves adds approved_by: <their id>"
)


def approval_pending(config: Config, department: str | None, coordinator: str | None) -> str:
    """The message for an ``approved_by:`` left empty: who may fill it in, and when."""
    who = [p for p in config.approvers_for(department) if p != coordinator] if department else []
    listed = ", ".join(sorted(who)) or tr("a social media cell member")
    return tr(
        "approved_by is empty: it is for the person who approves the post to fill in with their own id "
        "({who}); until then delete the line"
    ).format(who=listed)


def unknown_approver(config: Config, department: str, approved_by: str, coordinator: str | None) -> str:
    """The message for an approver who may not approve for ``department``: did-you-mean and who may."""
    import difflib

    allowed = sorted(p for p in config.approvers_for(department) if p != coordinator)
    everyone = {p.id for p in config.cell_members} | {p.id for d in config.departments.values() for p in d.coordinators}
    close = difflib.get_close_matches(approved_by, allowed, n=1, cutoff=0.6)
    if close:
        hint = tr(" (did you mean {id!r}?)").format(id=close[0])
    elif approved_by in everyone:
        hint = tr(" (a coordinator of another department)")
    else:
        hint = tr(" (nobody with that id is registered in config.yaml)")
    return tr("{id!r} may not approve for {department}{hint}; who may: {allowed}").format(
        id=approved_by, department=department, hint=hint, allowed=", ".join(allowed)
    )


def image_too_large(what: str, size: int, limit: int, mime: str) -> str:
    """An image over the size limit, in MB (to two places, rounded so the two never look equal), with how
    to make it smaller."""
    # MB as file managers count them (1,048,576 bytes); a size is rounded up, so it never looks equal to the limit.
    size_mb = math.ceil(size * 100 / 1_048_576) / 100
    limit_mb = math.floor(limit * 100 / 1_048_576) / 100
    how = (
        tr("save it as JPEG with quality about 80")
        if mime != "image/jpeg"
        else tr("save it again with a lower JPEG quality (about 80)")
    )
    return tr(
        "{what} is {size} MB; the most allowed is {limit} MB. To make it smaller, resize it to at most 2000 "
        "pixels on its longer side or {how}"
    ).format(what=what, size=f"{size_mb:.2f}", limit=f"{limit_mb:.2f}", how=how)


_DEVANAGARI_RE = re.compile("[\u0900-\u097f\ua8e0-\ua8ff]")
_LATIN_RE = re.compile("[A-Za-z]")
SCRIPTS = ("mr", "en")  # the languages whose script is checked


def script_mismatch(lang: str, value: str) -> str | None:
    """What looks wrong when Marathi text holds no Devanagari, or English text is mostly Devanagari."""
    # The common cases first, cheaply: Marathi that holds Devanagari, English in ASCII.
    if (lang == "mr" and _DEVANAGARI_RE.search(value)) or (lang == "en" and value.isascii()) or lang not in SCRIPTS:
        return None
    text = PLACEHOLDER_RE.sub("", value)
    devanagari = len(_DEVANAGARI_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if lang == "mr" and devanagari == 0 and latin >= 3:
        return tr(
            "the Marathi text holds no Devanagari letters: it may be English pasted in the wrong place, or typed "
            "in an old Marathi font that shows Latin letters as Marathi (they would be posted as Latin "
            "gibberish); type it with a Unicode Marathi keyboard (such as Google Input Tools or InScript)"
        )
    if lang == "en" and devanagari > latin:
        return tr("the English text is mostly in Devanagari: did you put the Marathi text under en:?")
    return None


def parse_announcement(
    config: Config, path: str | Path, label: str, data: bytes, run: LoadRun | None = None
) -> tuple[Announcement | None, list[Diagnostic]]:
    """Check one announcement's bytes; ``run`` holds what the files of one run share (LoadRun)."""
    loaded = yamlnodes.load(data, label, max_bytes=MAX_ANNOUNCEMENT_BYTES, what=_FILE_WHAT)
    if loaded.root is None:
        return None, loaded.diagnostics
    reader = Reader(label, data)
    unsafe_text.check_announcement(reader, loaded.root, data)
    announcement = _AnnouncementReader(config, reader, path, label, data, run).read(loaded.root)
    diags = loaded.diagnostics + reader.diagnostics
    if reader.failed:
        return None, diags
    return announcement, diags


def parse_time(text: str, config: Config) -> datetime | None:
    """A date and time as people type it (see pmcpost.moments); no offset means the config timezone."""
    try:
        return parse_moment(text, config.organisation.tz)
    except MomentError:
        return None


def inspect_media(root: Path, rel: str) -> tuple[str, str, str, int]:
    """(status, path in the repository, mime type, size) of an image named in an announcement.

    status is "ok", "outside" (escapes the repository, also through a symlink), "missing", "not-image"
    or "misnamed" (an image whose suffix names another kind).
    """
    # Every path, absolute ones too, is resolved (symlinks and '..') before it is compared with the repository:
    # '/repo/../outside/x.png' or a linked folder must not reach a file outside it.
    try:
        target = (root / rel).resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return "missing", rel, "", 0
    try:
        repo_path = target.relative_to(_real_dir(root)).as_posix()
    except ValueError:
        return "outside", "", "", 0
    try:
        size = target.stat().st_size
        with target.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return "missing", repo_path, "", 0
    for signature, kind, suffixes in IMAGE_SIGNATURES:
        if head.startswith(signature) and (kind != "image/webp" or head[8:12] == b"WEBP"):
            status = "ok" if target.suffix.lower() in suffixes else "misnamed"
            return status, repo_path, kind, size
    return "not-image", repo_path, "", size


class _AnnouncementReader:
    def __init__(
        self,
        config: Config,
        reader: Reader,
        path: str | Path,
        label: str,
        data: bytes,
        run: LoadRun | None = None,
    ) -> None:
        self.run = LoadRun() if run is None else run
        self.c = config
        self.r = reader
        self.path = os.fspath(path)
        self.label = label
        self.data = data
        self.lines: list[str] | None = None  # the source lines, read only when prose needs a closer look
        self.languages = config.organisation.languages

    def read(self, root: Node) -> Announcement | None:
        r, c = self.r, self.c
        e = r.mapping(root, "an announcement file (its top level)")
        if e is None:
            return None
        r.check_keys(e, KEYS, REQUIRED_KEYS, "the announcement", root)

        department, stem, file_date = self.location(root)
        dept = c.departments.get(department) if department else None
        if "department" in e:
            value = r.string(e["department"][1], "department")
            if value is not None and department and value != department:
                r.error(
                    e["department"][1],
                    f"department {value!r} disagrees with the folder {department!r}; move the file or correct the key",
                )

        coordinator = None
        if "coordinator" in e:
            coordinator = r.string(e["coordinator"][1], "coordinator")
            if coordinator is not None and dept is not None:
                ids = [p.id for p in dept.coordinators]
                if coordinator not in ids:
                    r.error(
                        e["coordinator"][1],
                        tr("{id!r} is not a registered coordinator of {department} (its coordinators: {ids})").format(
                            id=coordinator, department=department, ids=", ".join(ids)
                        ),
                    )
        approved_by = None
        if "approved_by" in e:
            node = e["approved_by"][1]
            if isinstance(node, yamlnodes.ScalarNode) and node.tag == yamlnodes.NULL and not node.value:
                r.report(node, approval_pending(c, department, coordinator), show=True)
            else:
                approved_by = r.string(node, "approved_by")
            if approved_by is not None and department:
                if approved_by == coordinator:
                    r.error(
                        node,
                        tr(
                            "{id!r} cannot approve their own post; ask the department's other coordinator or a "
                            "cell member"
                        ).format(id=approved_by),
                    )
                elif approved_by not in c.approvers_for(department):
                    r.error(node, unknown_approver(c, department, approved_by, coordinator))
        elif c.policy.approval_required:
            r.error(
                root,
                tr(APPROVAL_MISSING),
            )

        kind = "notice"
        if "kind" in e:
            value = r.string(e["kind"][1], "kind")
            if value is not None and value not in KINDS:
                r.error(
                    e["kind"][1],
                    tr("kind must be one of {kinds}, found {value!r}").format(kinds=", ".join(KINDS), value=value),
                )
            elif value is not None:
                kind = value

        text = self.lang_texts(e["text"][1], "text", required=True) if "text" in e else {}
        title = self.lang_texts(e["title"][1], "title", required=False) if "title" in e else {}
        link = self.link(e["link"][1], "link") if "link" in e else None
        hashtags = self.hashtags(e["hashtags"][1], "hashtags") if "hashtags" in e else ()
        media = self.media(e["media"][1]) if "media" in e else ()

        publish_at = self.time(e["publish_at"][1], "publish_at") if "publish_at" in e else None
        expires_at = self.time(e["expires_at"][1], "expires_at") if "expires_at" in e else None
        if publish_at and expires_at and expires_at <= publish_at:
            r.error(e["expires_at"][1], tr("expires_at is not after publish_at; the post could never go out"))
        if publish_at and file_date:
            local_day = publish_at.astimezone(c.organisation.tz).date()
            if local_day != file_date:
                r.error(
                    e["publish_at"][1],
                    tr("publish_at is on {day} but the file name says {named}; rename the file or fix the date").format(
                        day=local_day.isoformat(), named=file_date.isoformat()
                    ),
                )

        platforms = self.platform_list(e["platforms"][1]) if "platforms" in e else c.policy.default_platforms
        if not media:
            platforms = self.without_image_required(platforms, e["platforms"][1] if "platforms" in e else None)
        else:
            self.platform_image_rules(platforms, media, e["media"][1])
        overrides = self.overrides(e["overrides"][1], platforms) if "overrides" in e else {}

        freeze_exempt = False
        if "freeze_exempt" in e:
            freeze_exempt = bool(r.boolean(e["freeze_exempt"][1], "freeze_exempt"))
            cell_ids = {p.id for p in c.cell_members}
            if freeze_exempt and approved_by not in cell_ids:
                r.error(
                    e["freeze_exempt"][1],
                    "freeze_exempt needs approval by a social media cell member (approved_by), and the cell "
                    "must review the pull request (pmcpost codeowners makes them this file's owners)",
                )
            if freeze_exempt:
                from pmcpost.codeowners import DEFAULT_PATH, owned_by_cell

                if owned_by_cell(c, self.label) is False:
                    r.error(
                        e["freeze_exempt"][1],
                        "freeze_exempt lets this post out during a freeze, so the social media cell must review "
                        f"it, but {DEFAULT_PATH} does not make them this file's owners: run pmcpost codeowners "
                        "and commit the result",
                    )

        if r.failed or not department or publish_at is None or coordinator is None:
            return None
        return Announcement(
            id=f"{department}/{stem}",
            department=department,
            path=self.label,
            coordinator=coordinator,
            approved_by=approved_by,
            kind=kind,
            title=title,
            text=text,
            link=link,
            hashtags=hashtags,
            media=media,
            publish_at=publish_at,
            expires_at=expires_at,
            platforms=tuple(platforms),
            overrides=overrides,
            freeze_exempt=freeze_exempt,
            source_sha256=hashlib.sha256(self.data).hexdigest() if self.run.digests else "",
        )

    # -- pieces ----------------------------------------------------------------------------------
    def platform_image_rules(self, platforms: Sequence[str], media: Sequence[MediaFile], node: Node) -> None:
        """Each enabled platform's own image rules (Instagram's), reported at the media item."""
        from pmcpost.platforms.registry import description

        items = list(node.value) if isinstance(node, yamlnodes.SequenceNode) else []
        for name in platforms:
            settings = self.c.platforms.get(name)
            spec = description(name) if settings is not None and settings.enabled else None
            check = spec.hook("check_image") if spec is not None else None
            if spec is None or check is None:
                continue
            for i, item in enumerate(media):
                for problem in check(self.c.root / item.path):
                    where = items[i] if i < len(items) else node
                    self.r.error(where, f"media[{i}] {item.path} {problem} ({spec.display_name})")

    def without_image_required(self, platforms: Sequence[str], listed: Node | None) -> tuple[str, ...]:
        """An announcement without images is not planned where a post needs one (Instagram): an error when the
        file lists that platform, a warning when it comes from the default platforms."""
        kept, needing = self.run.image_required(self.c, platforms)
        if needing:
            from pmcpost.platforms.registry import description

            for name in needing:
                shown = description(name).display_name
                if listed is not None:
                    self.r.error(listed, f"{shown} needs an image: add media, or leave {name} out of platforms")
                else:
                    self.r.warning(None, f"not planned for {shown}, which needs an image: add media to post it there")
        return kept

    def location(self, root: Node) -> tuple[str | None, str, date | None]:
        """Department (from the folder), the file stem, and the date in the file name."""
        r, c = self.r, self.c
        name = os.path.basename(self.path)
        dot = name.rfind(".")  # stem and suffix as pathlib splits them
        stem, suffix = (name[:dot], name[dot:]) if 0 < dot < len(name) - 1 else (name, "")
        parts = relative_parts(self.path, c.content_dir)
        if parts is None:
            r.error(None, f"announcement files belong under {c.paths.content}/<department>/")
            return None, stem, None
        if len(parts) != 2:
            r.error(
                None,
                f"announcement files belong directly in {c.paths.content}/<department>/, "
                f"not in {'the content folder itself' if len(parts) < 2 else '/'.join(parts[:-1])}",
            )
            return None, stem, None
        department = parts[0]
        if department not in c.departments:
            close = [d for d in c.departments if d.startswith(department[:4])]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            r.error(None, f"folder {department!r} is not a department registered in config.yaml{hint}")
            department_ok = None
        else:
            department_ok = department
        m = FILE_NAME_RE.match(stem)
        if suffix not in YAML_SUFFIXES:
            r.error(None, "announcement files end in .yaml")
        if not m:
            r.error(
                None,
                f"file name {name!r} must be <YYYY-MM-DD>-<slug>.yaml, with a "
                "lower-case slug such as 2026-12-03-water-cut-kothrud.yaml",
            )
            return department_ok, stem, None
        try:
            file_date = date.fromisoformat(m.group(1))
        except ValueError:
            r.error(None, f"the file name's date {m.group(1)!r} is not a real date")
            return department_ok, stem, None
        return department_ok, stem, file_date

    def lang_texts(self, node: Node, what: str, *, required: bool) -> dict[str, str]:
        r = self.r
        if isinstance(node, yamlnodes.ScalarNode) and node.tag == yamlnodes.STR:
            example = " ".join(f'{lang}: "…"' for lang in self.languages)
            r.report(
                node,
                tr("{what} is given per language, each on its own line below {what}: (such as {example})").format(
                    what=what, example=example
                ),
                show=True,
            )
            return {}
        e = r.mapping(node, what)
        if e is None:
            return {}
        out: dict[str, str] = {}
        for lang, (knode, vnode) in e.items():
            if lang not in self.languages:
                r.error(knode, f"language {lang!r} is not configured (configured: {', '.join(self.languages)})")
                continue
            where = f"{what}.{lang}"
            value = r.string(vnode, where)
            if value is not None:
                out[lang] = value.strip()
                script = script_mismatch(lang, value)
                if script is not None:
                    r.warning(vnode, f"{where}: {script}")
                self.cut_by_comment(vnode, where)
                self.placeholder(vnode, value, where)
        primary = self.languages[0]
        if required and primary not in e:
            r.error(node, tr("{what} needs the primary language {lang!r}").format(what=what, lang=primary))
        return out

    def placeholder(self, node: Node, value: str, what: str) -> None:
        """Report text still holding a placeholder of `pmcpost new`: it must never be posted."""
        found = PLACEHOLDER_RE.search(value)
        if found is None:
            return
        if what.startswith("media"):
            task = tr("describe what the image shows")
        elif what.endswith(tuple(f"title.{lang}" for lang in self.languages)):
            task = tr("write a short heading, or delete the title")
        else:
            task = tr("write the message")
        self.r.error(
            node,
            tr("{what} still holds the placeholder {found!r} from pmcpost new; replace it: {task}").format(
                what=what, found=found.group(), task=task
            ),
        )

    def cut_by_comment(self, node: Node, what: str) -> None:
        """Report prose that a '#' after a space silently cut short (the rest became a YAML comment)."""
        if getattr(node, "style", None) not in (None, ""):  # quoted or block text keeps its '#'
            return
        if self.lines is None:
            self.lines = yamlnodes.source_lines(self.data)
        found = yamlnodes.comment_after(node, self.lines)
        if found is None:
            return
        line, column, comment = found
        shown = comment if len(comment) <= 40 else comment[:39] + "…"
        self.r.diagnostics.append(
            Diagnostic(
                self.label,
                line,
                column,
                "error",
                tr(
                    "{what} stops before {shown!r}: after a space, '#' starts a YAML comment, so the rest of the "
                    "line would not be posted; put the text in quotes or use >-, and hashtags go in hashtags:"
                ).format(what=what, shown=shown),
                yamlnodes.excerpt(self.lines, line - 1),
            )
        )

    def link(self, node: Node, what: str) -> str | None:
        value = self.r.string(node, what)
        if value is None:
            return None
        problem = link_problem(value, what)
        if problem is not None:
            self.r.error(node, problem)
            return None
        return value

    def hashtags(self, node: Node, what: str) -> tuple[str, ...]:
        out: list[str] = []
        for hnode, tag in self.r.string_list(node, what) or []:
            norm = normalise_hashtag(tag)
            if norm is None:
                self.r.error(hnode, tr("hashtag {tag!r} must be one word of letters, digits or '_'").format(tag=tag))
            elif norm.casefold() in (t.casefold() for t in out):
                self.r.warning(hnode, f"hashtag {norm!r} is listed twice")
            else:
                out.append(norm)
        return tuple(out)

    def media(self, node: Node) -> tuple[MediaFile, ...]:
        r, c = self.r, self.c
        items = r.sequence(node, "media")
        if items is None:
            return ()
        # the enabled platforms' rules: a platform shipped disabled (Telegram) posts nothing and refuses nothing
        rules = self.run.image_rules(c)
        most, largest, refused = rules.most, rules.largest, rules.refused
        if most is not None and len(items) > most[0]:
            r.error(node, f"at most {most[0]} images per announcement ({most[1]}'s limit), found {len(items)}")
        limit = min(c.policy.max_media_bytes, largest[0]) if largest else c.policy.max_media_bytes
        out = []
        for i, item in enumerate(items):
            what = f"media[{i}]"
            e = r.mapping(item, what)
            if e is None:
                continue
            r.check_keys(e, ("path", "alt"), ("path", "alt"), what, item)
            alt = {}
            if "alt" in e:
                alt = self.lang_texts(e["alt"][1], f"{what}.alt", required=False)
                missing = [lang for lang in self.languages if lang not in alt]
                if missing and isinstance(e["alt"][1], yamlnodes.MappingNode):
                    r.error(
                        e["alt"][1],
                        f"{what}.alt needs alt text in every language; missing: {', '.join(missing)}",
                    )
            if "path" not in e:
                continue
            pnode = e["path"][1]
            rel = r.string(pnode, f"{what}.path")
            if rel is None:
                continue
            if "\x00" in rel:  # a YAML escape can smuggle NUL in; the OS refuses such names outright
                r.error(pnode, f"{what}.path {rel!r} is not a usable file name")
                continue
            key = (c.root, rel)
            found = self.run.media.get(key)
            if found is None:  # announcements share images: look at each one once per run
                found = self.run.media[key] = inspect_media(c.root, rel)
            status, repo_path, mime, size = found
            if status == "outside":
                r.error(pnode, f"{what}.path {rel!r} is outside the repository; keep images in it")
                continue
            if status == "missing":
                r.error(pnode, tr("{what}.path {rel!r}: no such file in the repository").format(what=what, rel=rel))
                continue
            if status == "not-image":
                r.error(pnode, f"{what}.path {rel!r} is not a PNG, JPEG, GIF or WebP image")
                continue
            if status == "misnamed":
                suffix = Path(repo_path).suffix
                r.error(
                    pnode,
                    f"{what}.path {rel!r} holds a {mime} image but is named {suffix or 'without a suffix'}",
                )
            refused_by = refused.get(mime)
            if refused_by is not None:
                r.error(pnode, f"{what}.path {rel!r} is a {mime} image, which {refused_by} does not take")
                continue
            if size > limit:
                r.error(pnode, image_too_large(f"{what}.path {rel!r}", size, limit, mime))
                continue
            out.append(MediaFile(repo_path, alt, mime, size))
        return tuple(out)

    def time(self, node: Node, what: str) -> datetime | None:
        raw = self.r.scalar_text(node, what)
        if raw is None:
            return None
        if _DATE_ONLY.fullmatch(raw.strip()):
            self.r.error(
                node, tr("{what} needs a time as well as a date, e.g. '{day} 09:00'").format(what=what, day=raw.strip())
            )
            return None
        try:
            return parse_moment(raw, self.c.organisation.tz)
        except MomentError as exc:
            self.r.error(node, f"{what} {exc}")
            return None

    def platform_list(self, node: Node) -> tuple[str, ...]:
        r, c = self.r, self.c
        out: list[str] = []
        items = r.string_list(node, "platforms")
        if items is None:
            return ()
        if not items and isinstance(node, yamlnodes.SequenceNode):
            r.error(node, "platforms is empty; leave it out to use the default platforms")
        for pnode, name in items:
            if name not in c.platforms:
                close = [p for p in c.platforms if p.startswith(name[:2])]
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                r.error(pnode, f"unknown platform {name!r}{hint}")
            elif not c.platforms[name].enabled:
                r.error(pnode, f"platform {name!r} is disabled in config.yaml")
            elif name in out:
                r.warning(pnode, f"platform {name!r} is listed twice")
            else:
                out.append(name)
        return tuple(out)

    def overrides(self, node: Node, platforms: Sequence[str]) -> dict[str, dict[str, Any]]:
        r = self.r
        e = r.mapping(node, "overrides")
        if e is None:
            return {}
        out: dict[str, dict[str, Any]] = {}
        for pname, (knode, vnode) in e.items():
            if pname not in self.c.platforms:
                r.error(knode, f"overrides for unknown platform {pname!r}")
                continue
            if pname not in platforms:
                r.warning(knode, f"overrides for {pname!r}, which this announcement is not posted to")
            what = f"overrides.{pname}"
            o = r.mapping(vnode, what)
            if o is None:
                continue
            r.check_keys(o, OVERRIDE_KEYS, (), what, vnode)
            values: dict[str, Any] = {}
            if "text" in o:
                values["text"] = self.lang_texts(o["text"][1], f"{what}.text", required=False)
            if "title" in o:
                values["title"] = self.lang_texts(o["title"][1], f"{what}.title", required=False)
            if "hashtags" in o:
                values["hashtags"] = self.hashtags(o["hashtags"][1], f"{what}.hashtags")
            if "link" in o:
                values["link"] = self.link(o["link"][1], f"{what}.link")
            out[pname] = values
        return out


def resolve_targets(config: Config, args: Sequence[str]) -> list[Path]:
    """Files and folders from the command line, where an argument may also be an announcement id
    (``water-supply/2026-12-01-shutdown-parvati-zone``)."""
    from pmcpost.errors import UsageError

    out: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.exists() or path.is_symlink():
            # Not resolved: a symbolic link must stay visible, so that loading can refuse it.
            out.append(Path(os.path.abspath(path)))
            continue
        found = [config.content_dir / f"{arg}{suffix}" for suffix in YAML_SUFFIXES]
        found = [p for p in found if p.is_file()]
        if not found:
            raise UsageError(
                f"{arg}: no such file or folder, nor an announcement id (such as "
                "water-supply/2026-12-01-shutdown-parvati-zone)"
            )
        out.append(found[0])
    return out
