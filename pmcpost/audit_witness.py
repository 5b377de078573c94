"""Witnesses for what the hash chain cannot see by itself: its tail cut off, or the whole log rewritten.

- git: every committed version of a month file must be a prefix of the next, and the working copy must extend
  HEAD's; a commit that shortened or rewrote the log is named.
- this machine: the audit writer notes the head it last made durable in ``<git dir>/pmcpost/audit-head.json``
  (outside git); the log must still contain that entry, or it was cut or rewritten before any commit.
- the public: the website publishes each run's head (entry count, sha256 of the last line, time) in
  ``ledger-heads.json``, append-only; the log must contain every head a copy of that record lists.
- signatures (``pmcpost.audit_sign``): every entry checked against the listed public keys.

Everything here streams: one pass over the log's lines, one ``git log -p`` read as it arrives.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from pmcpost.audit import FILE_RE, line_hash, log_files
from pmcpost.errors import AuditError, PmcpostError, UsageError
from pmcpost.words import plural

if TYPE_CHECKING:
    from pmcpost.config import AuditSettings, Config
    from pmcpost.diagnostics import Diagnostic

LOCAL_HEAD = "audit-head.json"
HEADS_FILE = "ledger-heads.json"
MAX_HEADS_BYTES = 64 * 1024 * 1024  # a record of years of heads is a few megabytes
FETCH_TIMEOUT = 20.0
UNSIGNED_REQUIRED = "not signed, although audit.require_signatures is on: not written by the publishing job"


@dataclass(frozen=True)
class Finding:
    """One problem (or warning) at ``path:line`` (line 0: the file or the log as a whole)."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        tag = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {tag}{self.message}"


@dataclass(frozen=True)
class Head:
    """The log as it stood: how many entries, the sha256 of the last line, and that line's time."""

    entries: int
    sha256: str
    time: str

    def to_json(self) -> dict[str, Any]:
        return {"entries": self.entries, "sha256": self.sha256, "time": self.time}


# -- this machine's record -------------------------------------------------------------------------------
@functools.cache
def _local_head_file(directory: Path) -> Path | None:
    from pmcpost import gitutil

    start = directory if directory.is_dir() else directory.parent
    found = gitutil.find_git_dir(start.resolve()) if start.is_dir() else None
    return found / "pmcpost" / LOCAL_HEAD if found is not None else None


def local_head_file(directory: Path) -> Path | None:
    """Where this machine notes the last head it wrote for the log in ``directory`` (None outside git)."""
    return _local_head_file(directory.resolve())


def record_local_head(directory: Path, sha256: str, time: str) -> None:
    """Note the durable head. Best effort: a witness that cannot be written must not stop the log."""
    LocalHeadNote(directory).write(sha256, time)


class LocalHeadNote:
    """Writes this machine's note of the head for one log, its place resolved once (a writer notes the head
    after every fsync). The note is replaced in one step (a reader or a crash sees the old note or the new
    one), through a spare file kept beside it: creating a file per note cost more than the fsync it follows."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            self.path = local_head_file(directory)
        except PmcpostError:
            self.path = None
        self._audit = str(directory.resolve()) if self.path is not None else ""
        self._folder_made = False

    def write(self, sha256: str, time: str) -> bool:
        """Whether the note now holds this head (False: no note is kept here, or it could not be written)."""
        path = self.path
        if path is None:
            return False
        data = json.dumps({"audit": self._audit, "sha256": sha256, "time": time}).encode()
        try:
            if not self._folder_made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._folder_made = True
            _replace_through_spare(path, data)
            return True
        except OSError:
            self._folder_made = False
        try:  # no spare (a file system without hard links?): a new temporary file each time
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{LOCAL_HEAD}.", suffix=".tmp")
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return False
        return True


def _replace_through_spare(path: Path, data: bytes) -> None:
    """Write ``data`` into the spare, rename it over ``path``, and keep the replaced note as the next spare
    (a hard link holds it through the rename). Padding with spaces (valid after JSON) spares a truncation."""
    spare = path.with_name(f".{path.name}.spare")
    old = path.with_name(f".{path.name}.old")
    fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        os.pwrite(fd, data.ljust(os.fstat(fd).st_size), 0)
    finally:
        os.close(fd)
    try:
        os.link(path, old)
    except FileExistsError:  # left by a run killed between the link and the rename below
        os.unlink(old)
        os.link(path, old)
    except FileNotFoundError:  # no note yet
        os.replace(spare, path)
        return
    os.replace(spare, path)
    os.rename(old, spare)


def read_local_head(directory: Path) -> tuple[str, str] | None:
    """(sha256, time) of the head this machine last wrote to the log in ``directory``, if it noted one."""
    path = local_head_file(directory)
    if path is None:
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("audit") != str(directory.resolve()):
        return None
    sha, time = data.get("sha256"), data.get("time")
    if not isinstance(sha, str) or not isinstance(time, str):
        return None
    return sha, time


def _lines_backwards(path: Path, block: int = 65536) -> Iterator[bytes]:
    """The lines of ``path``, last first (without newlines), read from its end in blocks."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        pos = fh.tell()
        rest = b""
        while pos > 0:
            step = min(block, pos)
            pos -= step
            fh.seek(pos)
            chunk = fh.read(step) + rest
            lines = chunk.split(b"\n")
            rest = lines[0]
            yield from (line for line in reversed(lines[1:]) if line)
        if rest:
            yield rest


def local_head_problem(directory: Path, label: str, state_head: str) -> str | None:
    """Why the log no longer holds the last entry this machine wrote (a cut or a rewrite since), or None.

    Only the entries written since that one are read, from the end: the log's times never go back."""
    noted = read_local_head(directory)
    if noted is None or noted[0] == state_head:
        return None
    sha, time = noted

    for path in reversed(log_files(directory)):
        for line in _lines_backwards(path):
            if line_hash(line) == sha:
                return None
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("time"), str) and entry["time"] < time:
                break
        else:
            continue
        break
    where = local_head_file(directory)
    return (
        f"{label}: the entry this machine wrote last (at {time}) is no longer in the log: it was cut or rewritten "
        "since, and posts it recorded could go out twice; restore the log from git (pmcpost audit verify names the "
        f"commit or the change). If the log was deliberately reset, remove {where.name if where else 'the note'} "
        "from .git/pmcpost/ first"
    )


# -- git ------------------------------------------------------------------------------------------------
class _Digest(NamedTuple):
    size: int
    sha256: str
    prefix: str | None  # sha256 of the first ``at`` bytes asked for (None: the data is shorter)


def _digest(chunks: Iterable[bytes], at: int | None = None) -> _Digest:
    whole = hashlib.sha256()
    prefix: str | None = None
    size = 0
    for chunk in chunks:
        if at is not None and prefix is None and size + len(chunk) >= at:
            whole.update(chunk[: at - size])
            prefix = whole.hexdigest()
            whole.update(chunk[at - size :])
        else:
            whole.update(chunk)
        size += len(chunk)
    if at is not None and prefix is None and size >= at:
        prefix = whole.hexdigest()
    return _Digest(size, whole.hexdigest(), prefix)


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            yield chunk


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def _first_difference(old: Iterable[bytes], new: Iterable[bytes]) -> int:
    """The first line (1-based) where ``new`` does not repeat ``old``; only line hashes of ``old`` are kept.
    Both are read to their end (a blob stream must be, before the next one is asked for)."""
    kept = [hashlib.sha256(line).digest() for line in _lines(old)]
    first = 0
    number = 0
    for number, line in enumerate(_lines(new), start=1):
        if not first and (number > len(kept) or hashlib.sha256(line).digest() != kept[number - 1]):
            first = min(number, len(kept) + 1)
    return first or number + 1


def git_findings(root: Path, directory: Path, label: str) -> Iterator[Finding]:
    """Commits (and uncommitted changes) that did more to a month file than append to its end: every committed
    version must be a prefix of the next, and the working copy must extend HEAD's. Each version is read once,
    in chunks, through one ``git cat-file``."""
    from pmcpost import gitutil

    if not gitutil.is_repo(root):
        return
    top = gitutil.toplevel(root)
    known: dict[str, _Digest] = {}

    def name_of(path: str) -> str | None:
        name = path.rsplit("/", 1)[-1]
        inside = (top / path).parent.resolve() == directory.resolve()
        return f"{label}/{name}" if inside and FILE_RE.match(name) else None

    cache = _GitCache(directory)
    since = cache.commit if cache.commit and gitutil.is_ancestor(root, cache.commit) else None
    if since:
        known.update(cache.digests)
    history_clean = True
    with gitutil.BlobReader(root) as blobs:

        def digest(blob: str, at: int | None = None) -> _Digest:
            if at is None and blob in known:
                return known[blob]
            found = _digest(blobs.chunks(blob), at)
            known[blob] = found
            return found

        for version in gitutil.file_versions(root, directory, since):
            where = name_of(version.path)
            if where is None:
                continue
            c = version.commit
            who = f"commit {c.sha[:12]} by {c.author} <{c.email}> on {c.date}"
            if version.new is None:
                history_clean = False
                yield Finding(where, 0, f"{who} deleted this month file; the audit log may only grow at its end")
                continue
            if version.old is None:
                continue  # a new month file
            old = digest(version.old)
            new = digest(version.new, old.size)
            if new.prefix != old.sha256:
                history_clean = False
                line = _first_difference(blobs.chunks(version.old), blobs.chunks(version.new))
                yield _rewrite(where, line, who, "committed before it")
        head = gitutil.tree_blobs(root, directory)
        if history_clean:  # next time, only the commits after HEAD need reading
            cache.save(gitutil.head_commit(root), {b: digest(b) for p, b in head.items() if name_of(p)})
        for path, blob in sorted(head.items()):
            where = name_of(path)
            if where is None:
                continue
            working = top / path
            who = "uncommitted changes"
            if not working.is_file():
                yield Finding(where, 0, f"{who} deleted this month file; the audit log may only grow at its end")
                continue
            old = digest(blob)
            if _digest(_file_chunks(working), old.size).prefix != old.sha256:
                line = _first_difference(blobs.chunks(blob), _file_chunks(working))
                yield _rewrite(where, line, who, "committed in HEAD")


class _GitCache:
    """The last commit whose history was found append-only, with the digests of its month files, kept beside
    this machine's head note (never committed): a later ``audit verify`` reads only the commits after it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        note = local_head_file(directory)
        self.path = note.with_name("git-witness.json") if note is not None else None
        self.commit: str | None = None
        self.digests: dict[str, _Digest] = {}
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("audit") == str(directory.resolve()) and isinstance(data.get("commit"), str):
                self.digests = {b: _Digest(int(d[0]), str(d[1]), None) for b, d in data["blobs"].items()}
                self.commit = data["commit"]
        except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError):
            self.commit, self.digests = None, {}

    def save(self, commit: str | None, digests: dict[str, _Digest]) -> None:
        if self.path is None or commit is None:
            return
        data = {
            "audit": str(self.directory.resolve()),
            "commit": commit,
            "blobs": {b: [d.size, d.sha256] for b, d in digests.items()},
        }
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            tmp.write_bytes(json.dumps(data).encode())
            os.replace(tmp, self.path)


def _rewrite(where: str, line: int, who: str, committed: str) -> Finding:
    return Finding(
        where,
        line,
        f"{who} did not only append: the lines {committed} differ from line {line} on (removed, changed or "
        "inserted); the audit log may only grow at its end",
    )


# -- the public record ----------------------------------------------------------------------------------
def heads_bytes(heads: Sequence[Head]) -> bytes:
    """``ledger-heads.json``: one head a line, so each publish adds a line and a diff shows only that."""
    lines = ",\n".join("    " + json.dumps(h.to_json(), sort_keys=True) for h in heads)
    about = (
        "Heads of the audit log, one per publishing run, never removed: entries (how many), sha256 (of the "
        "last line), time (of that line, UTC). Check a copy with: pmcpost audit verify --against FILE_OR_URL"
    )
    text = "{\n" + f'  "about": {json.dumps(about)},\n' + '  "format": 1,\n  "heads": [\n'
    text += lines + ("\n" if lines else "") + "  ]\n}\n"
    return text.encode("utf-8")


def parse_heads(data: bytes, where: str) -> list[Head]:
    """The heads a ledger-heads.json lists; a file that is not one is an error naming ``where``."""
    try:
        doc = json.loads(data)
    except ValueError:
        raise AuditError(f"{where} is not JSON: not a ledger-heads.json") from None
    raw = doc.get("heads") if isinstance(doc, dict) else None
    if not isinstance(raw, list):
        raise AuditError(f'{where} has no "heads" list: not a ledger-heads.json')
    heads = []
    for number, item in enumerate(raw, start=1):
        ok = isinstance(item, dict) and isinstance(item.get("entries"), int) and item["entries"] > 0
        ok = ok and isinstance(item.get("sha256"), str) and isinstance(item.get("time"), str)
        if not ok:
            raise AuditError(f"{where}: head {number} is not {{entries, sha256, time}}")
        heads.append(Head(item["entries"], item["sha256"], item["time"]))
    return heads


def load_heads(source: str, *, timeout: float = FETCH_TIMEOUT, max_bytes: int = MAX_HEADS_BYTES) -> list[Head]:
    """The heads in a ledger-heads.json at a file path or an https:// address."""
    if "://" in source:
        return parse_heads(fetch(source, timeout=timeout, max_bytes=max_bytes), source)
    path = Path(source)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise AuditError(f"{source} is larger than {max_bytes // (1024 * 1024)} MB: not a ledger-heads.json")
    return parse_heads(data, source)


def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """GET ``url`` over https (redirects too), at most ``max_bytes``, ``timeout`` seconds per network wait."""
    from urllib.parse import urlsplit

    if urlsplit(url).scheme != "https":
        raise UsageError(f"--against takes a file or an https:// address, not {url!r}")
    import urllib.error
    import urllib.request

    class HttpsOnly(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            if urlsplit(newurl).scheme != "https":
                raise urllib.error.URLError(f"redirected to {newurl}, which is not https")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(HttpsOnly)
    request = urllib.request.Request(url, headers={"User-Agent": "pmcpost audit verify", "Accept": "application/json"})
    try:
        with opener.open(request, timeout=timeout) as response:
            data: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise AuditError(f"cannot fetch {url}: the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise AuditError(f"cannot fetch {url}: {reason}") from None
    if len(data) > max_bytes:
        raise AuditError(f"{url} is larger than {max_bytes // (1024 * 1024)} MB: not a ledger-heads.json")
    return data


def current_head(directory: Path) -> Head | None:
    """The log's head now, or None for an empty log. Counts lines at memory speed (a healthy log has no empty
    lines: the writer never makes one, and ``audit verify`` reports any)."""
    entries = 0
    last: tuple[Path, int] | None = None
    for path in log_files(directory):
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                entries += chunk.count(b"\n")
        if path.stat().st_size:
            last = (path, entries)
    if last is None or entries == 0:
        return None
    from pmcpost.audit import _last_line, _time_of

    line = _last_line(last[0])
    if line is None:
        return None
    return Head(entries, line_hash(line), _time_of(line))


# -- one pass over the log --------------------------------------------------------------------------------
@dataclass
class Witnesses:
    """What the pass checks besides the chain; any of them may be absent."""

    heads: Sequence[Head] = ()
    heads_source: str = ""
    local_head: tuple[str, str] | None = None
    local_head_file: str = ""
    signatures: AuditSettings | None = None


def witness_findings(directory: Path, label: str, w: Witnesses, *, root: Path | None = None) -> Iterator[Finding]:
    """Stream the log once and check it against ``w``."""
    from pmcpost.content import relative_label

    by_count: dict[int, list[Head]] = {}
    for head in w.heads:
        by_count.setdefault(head.entries, []).append(head)
    want_local = w.local_head[0] if w.local_head else None
    found_local = False
    checker = _SignatureCheck(w.signatures) if w.signatures is not None else None
    # Signatures checked by an earlier run on this machine need no second look, as long as the line they ended
    # at is still there: the chain, checked in the same run, vouches for everything before it.
    done = _SignaturesDone(directory, w.signatures) if checker is not None else None
    if checker is not None and done is not None and done.valid:
        checker.unsigned, checker.first_unsigned = done.unsigned, done.first_unsigned
    files = log_files(directory)
    entries = 0
    for path in files:
        file_label = relative_label(root, path) if root is not None else f"{label}/{path.name}"
        skip_until = done.skip_until(path.name) if done is not None else 0
        pos = 0
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                pos += len(raw)
                line = raw[:-1] if raw.endswith(b"\n") else raw
                if not line.strip():
                    continue
                entries += 1
                if by_count or want_local is not None:
                    digest = line_hash(line)
                    if digest == want_local:
                        found_local = True
                    for head in by_count.pop(entries, ()):
                        if head.sha256 != digest:
                            yield Finding(
                                file_label,
                                number,
                                f"entry {entries} is not the one {w.heads_source} lists (time {head.time}, "
                                f"sha256 {head.sha256}): the log was rewritten at or before this line",
                            )
                if checker is not None and pos > skip_until:
                    yield from checker.line(file_label, number, line)
    for count in sorted(by_count):
        for head in by_count[count]:
            yield Finding(
                label,
                0,
                f"{w.heads_source} lists a head at entry {count} (time {head.time}, sha256 {head.sha256}), "
                f"but the log has only {plural(entries, 'entry', 'entries')}: entries were cut off",
            )
    if w.local_head is not None and not found_local:
        sha, time = w.local_head
        yield Finding(
            label,
            0,
            f"this machine wrote an entry at {time} (sha256 {sha}) that the log no longer holds: entries were cut "
            f"off or rewritten here. If you threw away unpushed entries on purpose, delete {w.local_head_file}",
        )
    if checker is not None:
        yield from checker.summary(label)
        if done is not None and not checker.errors and files:
            done.save(files[-1], checker.unsigned, checker.first_unsigned)


class _SignaturesDone:
    """How far this machine has checked the signatures (``.git/pmcpost/signatures-checked.json``): the month
    file, the byte offset just after the last line checked, that line's sha256, and the unsigned count so far,
    for one set of ``audit:`` settings."""

    def __init__(self, directory: Path, settings: AuditSettings | None) -> None:
        note = local_head_file(directory)
        self.path = note.with_name("signatures-checked.json") if note is not None else None
        self.key = hashlib.sha256(
            json.dumps(
                [
                    str(directory.resolve()),
                    sorted((settings.public_keys if settings else {}).items()),
                    settings.require_signatures if settings else False,
                    settings.unsigned_before if settings else "",
                ]
            ).encode()
        ).hexdigest()
        self.valid = False
        self.file, self.offset, self.unsigned = "", 0, 0
        self.first_unsigned: tuple[str, int] | None = None
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_bytes())
            if data["key"] != self.key:
                return
            self.file, self.offset, self.unsigned = str(data["file"]), int(data["offset"]), int(data["unsigned"])
            first = data.get("first_unsigned")
            self.first_unsigned = (str(first[0]), int(first[1])) if first else None
            self.valid = self._still_there(directory / self.file, self.offset, str(data["sha256"]))
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            self.valid = False

    @staticmethod
    def _still_there(path: Path, offset: int, sha: str) -> bool:
        """Whether the line ending at ``offset`` (its newline just before) has the sha256 ``sha``."""
        if not FILE_RE.match(path.name) or offset <= 0:
            return False
        with path.open("rb") as fh:
            start = max(0, offset - 65536)
            fh.seek(start)
            block = fh.read(offset - start)
        if len(block) != offset - start or not block.endswith(b"\n"):
            return False
        line = block[:-1].rsplit(b"\n", 1)[-1]
        return (start == 0 or b"\n" in block[:-1]) and line_hash(line) == sha

    def skip_until(self, name: str) -> int:
        """Up to which byte offset of month file ``name`` the signatures were checked already."""
        if not self.valid or name > self.file:
            return 0
        return self.offset if name == self.file else 1 << 62

    def save(self, last: Path, unsigned: int, first_unsigned: tuple[str, int] | None) -> None:
        from pmcpost.audit import _last_line

        if self.path is None or not last.stat().st_size:
            return
        with contextlib.suppress(OSError):
            line = _last_line(last)
            with last.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n" or line is None:
                    return
            data = {
                "key": self.key,
                "file": last.name,
                "offset": last.stat().st_size,
                "sha256": line_hash(line),
                "unsigned": unsigned,
                "first_unsigned": list(first_unsigned) if first_unsigned else None,
            }
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(json.dumps(data).encode())
            os.replace(tmp, self.path)


class _SignatureCheck:
    def __init__(self, settings: AuditSettings) -> None:
        from pmcpost.audit_sign import PublicKeys

        self.settings = settings
        self.keys = PublicKeys(settings.public_keys)
        self.unsigned = 0
        self.first_unsigned: tuple[str, int] | None = None
        self.errors = 0

    def line(self, label: str, number: int, line: bytes) -> Iterator[Finding]:
        from pmcpost.audit_sign import Verdict, check, may_be_unsigned

        if b'"sig":' not in line:  # cheap: most unsigned lines need no parsing
            try:
                entry = json.loads(line)
            except ValueError:
                return  # the chain check reports it
            if not isinstance(entry, dict) or "sig" in entry:
                return
            if may_be_unsigned(entry, self.settings):
                self.unsigned += 1
                self.first_unsigned = self.first_unsigned or (label, number)
            else:
                self.errors += 1
                yield Finding(label, number, UNSIGNED_REQUIRED)
            return
        try:
            entry = json.loads(line)
        except ValueError:
            return
        if not isinstance(entry, dict):
            return
        result = check(entry, self.keys)
        if result.verdict is Verdict.BAD:
            self.errors += 1
            yield Finding(label, number, f"bad signature: {result.reason}")
        elif result.verdict is Verdict.UNSIGNED:  # "sig": inside a text, not a field
            if may_be_unsigned(entry, self.settings):
                self.unsigned += 1
                self.first_unsigned = self.first_unsigned or (label, number)
            else:
                self.errors += 1
                yield Finding(label, number, UNSIGNED_REQUIRED)

    def summary(self, label: str) -> Iterator[Finding]:
        if self.unsigned and self.settings.public_keys and self.first_unsigned is not None:
            where, number = self.first_unsigned
            more = f" (and {self.unsigned - 1} more)" if self.unsigned > 1 else ""
            yield Finding(
                where,
                number,
                f"not signed{more}: anyone who can push could have written {'them' if self.unsigned > 1 else 'it'}",
                "warning",
            )


def needs_signature_pass(settings: AuditSettings) -> bool:
    """Signatures are checked once keys are listed (or required)."""
    return bool(settings.public_keys) or settings.require_signatures


def all_findings(config: Config, heads: Sequence[Head] = (), heads_source: str = "") -> Iterator[Finding]:
    """Every witness's findings for the repository's log: git's history, then (one pass over the log) the
    public record, the signatures and this machine's head."""
    from pmcpost.content import relative_label

    directory = config.audit_dir
    label = relative_label(config.root, directory)
    local = read_local_head(directory)
    local_file = local_head_file(directory) if local is not None else None
    w = Witnesses(
        heads=heads,
        heads_source=heads_source,
        local_head=local,
        local_head_file=str(local_file) if local_file else "",
        signatures=config.audit if needs_signature_pass(config.audit) else None,
    )
    yield from git_findings(config.root, directory, label)
    if w.heads or w.local_head or w.signatures:
        yield from witness_findings(directory, label, w, root=config.root)


def changed_by_branch(config: Config, ref: str) -> list[Diagnostic]:
    """For the pull-request check: every file under the audit folder this branch changed since it left ``ref``
    (committed, uncommitted or new). Only the publishing job writes the log, and it pushes to main directly."""
    from pmcpost.content import relative_label
    from pmcpost.diagnostics import Diagnostic
    from pmcpost.gitutil import changed_files

    folder = config.audit_dir.resolve()
    label = relative_label(config.root, config.audit_dir)
    out = []
    for path in changed_files(config.root, ref):
        try:
            path.relative_to(folder)
        except ValueError:
            continue
        out.append(
            Diagnostic(
                relative_label(config.root.resolve(), path),
                0,
                0,
                "error",
                f"changed by this branch: only the publishing job writes the audit log ({label}/), and it pushes "
                f"to the main branch itself; take this change out of the pull request (git checkout {ref} -- "
                f"{relative_label(config.root.resolve(), path)})",
            )
        )
    return out
