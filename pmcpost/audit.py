"""The audit log: an append-only, hash-chained JSON Lines ledger, one file per month, kept in git.

Each line is one canonical JSON object whose ``prev`` is the sha256 of the previous line's bytes (across
month files, in order), so an edit, deletion, insertion or reordering breaks the chain and is found by
``pmcpost audit verify``. Writers append and fsync before the network call they announce.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from pmcpost import __version__
from pmcpost.errors import AuditError

if TYPE_CHECKING:
    from pmcpost.audit_sign import Signer
    from pmcpost.audit_witness import LocalHeadNote

GENESIS = "0" * 64
FILE_RE = re.compile(r"^(\d{4})-(\d{2})\.jsonl$")
EVENTS = ("intent", "posted", "failed", "reconciled", "retract-intent", "retracted", "freeze", "held", "missed", "step")


# What json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":")) uses, made once, not per line.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
# orjson writes what that encoder writes, byte for byte, for dicts of strings, integers, booleans, None, lists and
# dicts of those (tests/test_audit.py checks it on generated entries); everything else is left to json.
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
_ORJSON_LINE = _ORJSON_OPTIONS | orjson.OPT_APPEND_NEWLINE
_PLAIN = frozenset((str, int, bool, type(None)))


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The exact bytes of an entry's line (without the newline): the JSON of
    ``json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`` in UTF-8.

    Written by orjson when the entry holds only what it writes exactly as json does, in a quarter of the time
    (each post writes two entries, between requests); a float (orjson spells some differently), an integer beyond
    64 bits, a key that is no string or a subclass goes to json, which also raises what it always raised. The one
    departure from json's bytes: a lone surrogate, which no UTF-8 holds, is written as U+FFFD."""
    return _canonical_line(entry, newline=False)


def _canonical_line(entry: Mapping[str, Any], *, newline: bool) -> bytes:
    """canonical(entry), with its newline when ``newline`` (orjson adds it without copying the line)."""
    if type(entry) is dict and not _needs_json(entry):
        try:
            return orjson.dumps(entry, option=_ORJSON_LINE if newline else _ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            pass
    try:
        line = _CANONICAL.encode(entry).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (a platform's JSON may escape one, "\ud800", in an error or a name) has no UTF-8: it is
        # written as U+FFFD, and a line read back gives the same bytes again.
        line = _CANONICAL.encode(_without_surrogates(entry)).encode("utf-8")
    return line + b"\n" if newline else line


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_surrogates(v) for v in value]
    return value


def _needs_json(value: dict[Any, Any] | list[Any]) -> bool:
    """Whether ``value`` holds anything but strings, integers, booleans, None, and lists and dicts of those."""
    for item in value.values() if type(value) is dict else value:
        kind = type(item)
        if kind in _PLAIN or ((kind is dict or kind is list) and not _needs_json(item)):
            continue
        return True
    return False


def line_hash(line: bytes | memoryview) -> str:
    return hashlib.sha256(line).hexdigest()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC: fixed width, so string order is time order. Made by isoformat,
    which gives the text strftime("%Y-%m-%dT%H:%M:%S.%fZ") gives (and pads a year before 1000 to four digits,
    as strftime does not) in a third less time: every audit entry is stamped."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")[:-6] + "Z"  # "+00:00" -> "Z"


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def person_id(value: Any) -> str | None:
    """The id in an entry's ``coordinator`` or ``approver`` field (``{"id", "name"}``), if there is one."""
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def log_files(directory: Path) -> list[Path]:
    """The month files in chain order."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if FILE_RE.match(p.name) and p.is_file())


def _last_line(path: Path) -> bytes | None:
    """The last non-empty line of a file, read from its end (month files can be large)."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        end = fh.tell()
        block = 4096
        data = b""
        pos = end
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            data = fh.read(step) + data
            stripped = data.rstrip(b"\n")
            if b"\n" in stripped:
                return stripped.rsplit(b"\n", 1)[1]
            block *= 2
        stripped = data.rstrip(b"\n")
        return stripped or None


class AuditLog:
    """Appends entries to the chain. One writer at a time: the publish lock guarantees it."""

    def __init__(self, directory: Path, *, clock: Any = utc_now, signer: Signer | None = None) -> None:
        self.directory = directory
        self.clock = clock
        self.signer = signer  # an audit_sign.Signer: entries get a ``sig`` (the publishing job's key)
        self._prev: str | None = None
        self._last_time = ""
        self._newest: Path | None = None
        self._unsynced: set[Path] = set()
        self._note: LocalHeadNote | None = None  # where the durable head is noted, found once per writer
        self._noted: str | None = None  # the head this writer last noted there
        self._keep = False  # within kept_open()
        self._kept: tuple[Path, int] | None = None  # the month file kept open there, and its descriptor

    def _tail(self) -> tuple[str, str, Path | None]:
        """The hash and time of the last entry, and the newest month file (read once per writer)."""
        if self._prev is None:
            files = log_files(self.directory)
            last: bytes | None = None
            for path in reversed(files):
                if _ends_torn(path):
                    raise AuditError(
                        f"{path.name} ends in a partly written line (a crash while writing?); run "
                        "pmcpost audit verify, and remove that last line before publishing again"
                    )
                last = _last_line(path)
                if last is not None:
                    break
            self._prev = line_hash(last) if last is not None else GENESIS
            self._last_time = _time_of(last) if last is not None else ""
            self._newest = files[-1] if files else None
        return self._prev, self._last_time, self._newest

    def append(self, entry: Mapping[str, Any], *, durable: bool = True) -> dict[str, Any]:
        """Write one entry and return it as written; fsynced unless ``durable`` is False.

        Intents must be durable before the call they announce. An outcome may wait for the next fsync
        (the next intent's, or ``sync()`` at the end of a run): if it is lost in a crash, its intent is
        still there and the next run reconciles it by looking the post up, so nothing is posted twice.
        """
        event = entry.get("event")
        if event not in EVENTS:
            raise AuditError(f"unknown audit event {event!r}")
        prev, last_time, newest = self._tail()
        moment = self.clock()
        stamp = format_time(moment)
        if stamp < last_time:
            # The clock went back (NTP step, another machine): keep the chain's times in order.
            stamp, moment = last_time, parse_time(last_time)
        # a copy (the caller's dict is left as it was), without the fields that are None
        record = dict(entry) if None not in entry.values() else {k: v for k, v in entry.items() if v is not None}
        record["time"] = stamp
        record["version"] = __version__
        record["prev"] = prev
        if self.signer is not None:
            record["sig"] = self.signer.sign(record)
        line = _canonical_line(record, newline=True)
        name = f"{stamp[:7]}.jsonl"  # the stamp is UTC: its "YYYY-MM" names the month file
        # this month's file again (or a later month's, when the clock is behind it): the path already made
        path = newest if newest is not None and newest.name >= name else self.directory / name
        try:
            created = False
            kept = self._kept
            if kept is not None and (kept[0] is path or kept[0] == path):
                fd = kept[1]
            else:
                self._close_kept()
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
                except FileNotFoundError:  # a new month (or a new log): only then the folder and file are made
                    self.directory.mkdir(parents=True, exist_ok=True)
                    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                    created = True
                if self._keep:
                    self._kept = (path, fd)
            try:
                os.write(fd, line)
                if durable:
                    os.fsync(fd)
                else:
                    self._unsynced.add(path)
            except BaseException:
                if self._kept is not None and self._kept[1] == fd:
                    self._kept = None
                os.close(fd)
                raise
            if self._kept is None or self._kept[1] != fd:
                os.close(fd)
            if created:  # make the new file's directory entry durable too
                dfd = os.open(self.directory, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
        except OSError as exc:
            raise AuditError(f"cannot write the audit log {path.name}: {exc.strerror}") from None
        if durable:
            self._unsynced.discard(path)
        self._prev = line_hash(memoryview(line)[:-1])  # the line without its newline, not copied
        self._last_time = stamp
        self._newest = path
        if durable:
            self._witness()
        return record

    @contextlib.contextmanager
    def kept_open(self) -> Iterator[None]:
        """Within, the month file stays open from one entry to the next (a publish run writes hundreds, one
        writer under the publish lock, nothing replacing the file meanwhile) instead of being opened for each."""
        self._keep = True
        try:
            yield
        finally:
            self._keep = False
            self._close_kept()

    def _close_kept(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            os.close(kept[1])

    def sync(self) -> None:
        """Make every entry written so far durable."""
        for path in sorted(self._unsynced):
            try:
                _fsync_file(path)
            except OSError as exc:
                raise AuditError(f"cannot write the audit log {path.name}: {exc.strerror}") from None
        self._unsynced.clear()
        self._witness()

    def _witness(self) -> None:
        """Note the durable head outside git, so ``audit verify`` sees a later uncommitted cut."""
        if self._prev is not None and self._prev != GENESIS and self._prev != self._noted:
            if self._note is None:
                from pmcpost.audit_witness import LocalHeadNote

                self._note = LocalHeadNote(self.directory)
            if self._note.write(self._prev, self._last_time):
                self._noted = self._prev  # a sync with nothing new since (the end of a run) need not note it again


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ends_torn(path: Path) -> bool:
    """Whether a non-empty file lacks its final newline."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            return False
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) != b"\n"


def _time_of(line: bytes) -> str:
    try:
        value = json.loads(line).get("time", "")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def iter_entries(directory: Path) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """Every entry as (file, line number, entry), streaming; lines that are not JSON objects are skipped
    (``audit verify`` reports them)."""
    for path in log_files(directory):
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                raw = raw.rstrip(b"\n")
                if not raw:
                    continue
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    yield path, number, entry


@dataclass
class PlatformRecord:
    """What the ledger says about one announcement on one platform, part by part."""

    posted: dict[int, dict[str, Any]] = field(default_factory=dict)  # part -> remote {id, url}
    pending: dict[int, dict[str, Any]] = field(default_factory=dict)  # part -> intent without outcome
    parts: int = 0
    failed: str | None = None  # the last error, when the last attempt failed
    # Stopped: never posted again. The posted parts stay on record; ``live`` says which are still up.
    retracted: bool = False
    retract_reason: str | None = None
    content_sha256: str | None = None  # the file's hash when first posted
    last_posted: str | None = None  # time of the latest post or reconciliation
    failed_parts: dict[int, str] = field(default_factory=dict)  # part -> why posting it last failed
    retracted_parts: dict[int, dict[str, Any]] = field(default_factory=dict)  # part -> remote deleted
    retracting: dict[int, dict[str, Any]] = field(default_factory=dict)  # part -> deletion without outcome
    retract_failed: dict[int, str] = field(default_factory=dict)  # part -> why deleting it last failed
    missed: bool = False  # expired before anything was posted there (see pmcpost.missed)
    missed_at: str | None = None  # when a run recorded it
    backoff_step: int = 0  # failed runs in a row (pmcpost.backoff); 0 after a post
    retry_after: str | None = None  # no run tries before this time (UTC, ISO)
    held: str | None = None  # why a run held it back before any intent (no approval proof), until an intent

    @property
    def complete(self) -> bool:
        return self.parts > 0 and all(i in self.posted for i in range(self.parts))

    @property
    def urls(self) -> list[str]:
        return [self.posted[i]["url"] for i in sorted(self.posted) if self.posted[i].get("url")]

    @property
    def live(self) -> dict[int, dict[str, Any]]:
        """The parts that went out and have not been deleted (a retraction may have stopped half way)."""
        return {i: r for i, r in self.posted.items() if i not in self.retracted_parts}

    def part_state(self, part: int) -> str:
        """``retracted``, ``posted``, ``unresolved`` (announced, outcome unknown: looked up before posting),
        ``failed`` or ``unposted``."""
        if part in self.retracted_parts:
            return "retracted"
        if part in self.posted:
            return "posted"
        if part in self.pending:
            return "unresolved"
        if part in self.failed_parts:
            return "failed"
        return "unposted"


@dataclass
class Retraction:
    """An announcement stopped everywhere by ``pmcpost retract``: who, when and why."""

    reason: str
    time: str
    actor: dict[str, Any] | None = None


@dataclass
class LedgerState:
    # A dict, or the checkpoint's records (read on demand): a MutableMapping either way.
    records: MutableMapping[tuple[str, str], PlatformRecord] = field(default_factory=dict)
    # platform -> times (ISO, UTC) of the posts made in the last days (older ones are dropped), for quotas
    post_times: dict[str, list[str]] = field(default_factory=dict)
    # platform -> time (ISO, UTC) of its first entry: what expired before pmcpost worked there is not missed
    active_since: dict[str, str] = field(default_factory=dict)
    retractions: dict[str, Retraction] = field(default_factory=dict)  # announcement -> its retraction
    untrusted: list[str] = field(default_factory=list)  # "file:line" of claims the trust policy refused
    # platform -> {"step", "retry_after", "error"} while it is failing (pmcpost.backoff); a post clears it
    backoff: dict[str, dict[str, Any]] = field(default_factory=dict)
    frozen: list[str] | None = None  # what the last freeze entry held back, until the next intent
    ok_runs: dict[str, str] = field(default_factory=dict)  # platform -> the last run that posted there
    entries: int = 0  # entries folded
    head: str = GENESIS  # the sha256 of the last line folded

    def posts_since(self, platform: str, since: datetime) -> int:
        """Posts (thread parts count one each) made on ``platform`` at or after ``since``."""
        cutoff = format_time(since)
        return sum(1 for t in self.post_times.get(platform, ()) if t >= cutoff)

    def platforms_of(self, announcement: str) -> set[str]:
        """The platforms the ledger has a record of ``announcement`` on."""
        finder = getattr(self.records, "platforms_of", None)
        if finder is not None:  # a checkpoint's records: looked up, not scanned
            return set(finder(announcement))
        return {p for (a, p) in self.records if a == announcement}

    def department_last_posts(self, until: str) -> dict[str, str]:
        """Each department's latest ``last_posted`` before ``until`` (ISO, UTC), over every record."""
        finder = getattr(self.records, "department_last_posts", None)
        if finder is not None:
            return dict(finder(until))
        out: dict[str, str] = {}
        for (announcement, _), rec in self.records.items():
            moment = rec.last_posted
            slug = announcement.split("/", 1)[0]
            if moment and moment < until and moment > out.get(slug, ""):
                out[slug] = moment
        return out

    def get(self, announcement: str, platform: str) -> PlatformRecord:
        found = self.records.get((announcement, platform))
        if found is not None:
            return found
        stop = self.retractions.get(announcement)
        if stop is not None:  # retracted before it reached this platform
            return PlatformRecord(retracted=True, retract_reason=stop.reason)
        return PlatformRecord()


def read_state(
    directory: Path,
    *,
    root: Path | None = None,
    trust: Callable[[Mapping[str, Any]], bool] | None = None,
    trust_key: str | None = None,
) -> LedgerState:
    """Check and fold the ledger into what has been posted, is pending, failed or was retracted.

    Every line folded is checked first (its chain link and the type of every field the fold reads); any
    problem raises ``AuditDamaged`` naming ``file:line``. With ``root``, a checkpoint kept outside git
    (see ``pmcpost.fold``) makes this cost only the entries written since the last call. ``trust``, when
    given, decides whether a ``posted``, ``reconciled`` or ``retracted`` claim counts (a refused post claim
    stays unresolved, so publish looks the post up instead of believing it); the checkpoint is only used
    with a ``trust_key`` naming the policy.
    """
    from pmcpost.fold import load_state

    return load_state(directory, root=root, trust=trust, trust_key=trust_key)
