"""Every use of git: changed files, who last changed a file, committing and pushing the audit log, who runs us.

git runs as a subprocess with English messages (we read its rejections) and without a terminal prompt, so a
CI job waiting for a password fails at once instead of hanging until its timeout.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple, TypeVar

from pmcpost.errors import GitError, UsageError
from pmcpost.words import plural

# A file asked about, as the caller names it (a string costs less to make for each of thousands of files)
AnyPath = TypeVar("AnyPath", str, Path)

if TYPE_CHECKING:
    from pmcpost.config import Config

YAML_SUFFIXES = (".yaml", ".yml")
_RECORD = "\x1e"
_FIELD = "\x1f"


class CommitInfo(NamedTuple):
    """The commit that last changed a file, and its author."""

    sha: str
    author: str
    email: str


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"  # git's messages in English, so a rejection can be recognised
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def run_git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``git -C root ARGS``; with ``check``, a failure raises GitError carrying git's own words."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=_env(),
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH; install git and run again") from None
    if check and proc.returncode != 0:
        raise GitError(f"git {args[0]} failed: {_last_words(proc)}")
    return proc


def _last_words(proc: subprocess.CompletedProcess[str]) -> str:
    # git's last lines say what went wrong; hints, the remote's address and the generic "failed to push
    # some refs" say nothing a maintainer can act on
    noise = ("hint:", "To ", "error: failed to push some refs")
    lines = [s for s in (x.strip() for x in (proc.stderr or proc.stdout or "").splitlines()) if s]
    lines = [s for s in lines if not s.startswith(noise)]
    return " / ".join(lines[-4:]) if lines else f"exit code {proc.returncode}"


def is_repo(root: Path) -> bool:
    """Whether ``root`` is inside a git work tree (False also when git is missing)."""
    try:
        proc = run_git(root, "rev-parse", "--is-inside-work-tree", check=False)
    except GitError:
        return False
    return proc.returncode == 0 and proc.stdout.strip() == "true"


def toplevel(root: Path) -> Path:
    """The work tree's top folder (config.yaml may sit in a sub-folder of it)."""
    proc = run_git(root, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise UsageError(f"{root} is not in a git repository; --changed-since and --git-push need one")
    return Path(proc.stdout.strip()).resolve()


def head_commit(root: Path) -> str | None:
    """The sha of HEAD, or None in a repository without commits."""
    proc = run_git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    if proc.returncode != 0:
        return None
    return proc.stdout.strip() or None


def status_clean(root: Path, paths: Sequence[Path] = ()) -> bool:
    """No staged, unstaged or untracked changes (under ``paths`` when given)."""
    spec = ["--", *(str(p) for p in paths)] if paths else []
    proc = run_git(root, "status", "--porcelain", "--untracked-files=normal", *spec)
    return proc.stdout.strip() == ""


def _split_z(text: str) -> list[str]:
    return [name for name in text.split("\0") if name]


def changed_files(root: Path, ref: str) -> list[Path]:
    """Files changed on this branch since it left ``ref`` (``git diff REF...HEAD``), plus uncommitted and
    untracked ones; absolute paths, deleted files included, sorted."""
    top = toplevel(root)
    known = run_git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    if ref.startswith("-") or known.returncode != 0:
        raise UsageError(
            f"git does not know {ref!r} here; give a branch, tag or commit (in CI, fetch the whole history, "
            "e.g. fetch-depth: 0, so that the base branch is there)"
        )
    committed = run_git(top, "diff", "--name-only", "-z", "--no-renames", f"{ref}...HEAD", "--", check=False)
    if committed.returncode != 0:
        raise UsageError(f"cannot compare with {ref!r}: {_last_words(committed)}")
    names = set(_split_z(committed.stdout))
    names.update(_split_z(run_git(top, "diff", "--name-only", "-z", "--no-renames", "HEAD", "--").stdout))
    names.update(_split_z(run_git(top, "ls-files", "--others", "--exclude-standard", "-z").stdout))
    return sorted(top / name for name in names)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def files_affected_by_change(config: Config, ref: str) -> list[Path] | None:
    """The announcement files to check after the changes since ``ref``; None means all of them (config.yaml
    or a template changed). An announcement counts when it changed or names a changed or deleted file."""
    root = config.root.resolve()
    content_dir = config.content_dir.resolve()
    templates_dir = config.templates_dir.resolve()
    audit_dir = config.audit_dir.resolve()
    selected: set[Path] = set()
    others: list[str] = []
    for path in changed_files(root, ref):
        if path == config.path.resolve() or _inside(path, templates_dir):
            return None
        if not _inside(path, root) or _inside(path, audit_dir):
            continue
        if _inside(path, content_dir) and path.suffix in YAML_SUFFIXES:
            if path.is_file():
                selected.add(path)
                # id is department/stem: a new x.yml next to x.yaml clashes, so check both
                selected.update(p for p in (path.with_suffix(s) for s in YAML_SUFFIXES) if p.is_file())
            continue
        others.append(path.relative_to(root).as_posix())
    if others and content_dir.is_dir():
        # An image that changed or went away: recheck the announcements that name it.
        for candidate in _content_files(content_dir):
            if candidate in selected:
                continue
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if any(rel in text for rel in others):
                selected.add(candidate)
    return sorted(selected)


def _content_files(content_dir: Path) -> Iterator[Path]:
    for suffix in YAML_SUFFIXES:
        yield from (p for p in content_dir.rglob(f"*{suffix}") if p.is_file())


def last_commits(root: Path, paths: Iterable[AnyPath]) -> dict[AnyPath, CommitInfo]:
    """For each path, the commit that last changed it and its author, from one ``git log`` pass.

    Files git never committed are left out. A shallow clone knows only its own commits: publish from a
    full clone (fetch-depth: 0) for true authorship.
    """
    paths = list(paths)
    cwd = os.getcwd()
    base = os.path.normpath(os.path.join(cwd, root))
    # Paths under root (the usual case) are asked of git from root with --relative: one git process, no
    # question about the work tree first. Anything else (a path reached through a link, above root) is named
    # from the work tree's top.
    under: dict[str, list[AnyPath]] = {}
    for p in paths:
        rel = os.path.relpath(os.path.normpath(os.path.join(cwd, p)), base)
        if rel.startswith("..") or os.path.isabs(rel):
            break
        under.setdefault(Path(rel).as_posix(), []).append(p)
    else:
        if not under:
            _top_and_head(root)  # outside a work tree, say so as for any other list
            return {}
        found, code, stderr, remaining = _scan_log(Path(base), under, relative=True)
        if remaining and code != 0:
            _, head = _top_and_head(root)  # not a work tree: UsageError
            if head is None:
                return {}  # no commit yet
            raise GitError(f"git log failed: {stderr.strip() or f'exit code {code}'}")
        return found
    top, head = _top_and_head(root)
    wanted: dict[str, list[AnyPath]] = {}
    for p in paths:
        # normpath first: resolve() costs a system call per path component, too slow for thousands of files
        rel = os.path.relpath(os.path.normpath(os.path.join(cwd, p)), top)
        if rel.startswith(".."):
            rel = os.path.relpath((Path(cwd) / p).resolve(), top)  # reached through a symbolic link
        if not rel.startswith(".."):
            wanted.setdefault(Path(rel).as_posix(), []).append(p)
    if not wanted or head is None:
        return {}
    found, code, stderr, remaining = _scan_log(top, wanted, relative=False)
    if remaining and code != 0:
        raise GitError(f"git log failed: {stderr.strip() or f'exit code {code}'}")
    return found


def _scan_log(
    folder: Path, wanted: Mapping[str, list[AnyPath]], *, relative: bool
) -> tuple[dict[AnyPath, CommitInfo], int, str, set[str]]:
    """One ``git log`` from ``folder`` (names relative to it with ``relative``, else to the work tree's top),
    read until every wanted name is found: (found, git's exit code, its stderr, the names not found)."""
    # One pathspec, their common folder: git slows down badly with many pathspecs (seconds for 50 files)
    return _read_log(_start_log(folder, os.path.commonpath(sorted(wanted)) or ".", relative=relative), wanted)


def _start_log(folder: Path, spec: str, *, relative: bool) -> subprocess.Popen[bytes]:
    fmt = f"--format={_RECORD}%H{_FIELD}%an{_FIELD}%ae"
    # no signatures (a user's log.showSignature would print them among the records), no rename detection
    # (slow on large commits; the new name is listed either way)
    cmd = ["git", "-C", str(folder), "log", fmt, "--name-only", "-z", "--no-show-signature", "--no-renames"]
    if relative:
        cmd.append("--relative")
    try:
        return subprocess.Popen(
            [*cmd, "--", f":(literal){spec}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=_env(),
        )
    except FileNotFoundError:
        if relative:  # as is_repo() says without git: no repository
            raise UsageError(f"{folder} is not in a git repository; --changed-since and --git-push need one") from None
        raise GitError("git is not installed or not on PATH; install git and run again") from None


def _read_log(
    proc: subprocess.Popen[bytes], wanted: Mapping[str, list[AnyPath]]
) -> tuple[dict[AnyPath, CommitInfo], int, str, set[str]]:
    found: dict[AnyPath, CommitInfo] = {}
    remaining = set(wanted)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        for info, files in _log_records(proc.stdout):
            for name in files:
                if name in remaining:
                    remaining.discard(name)
                    for original in wanted[name]:
                        found[original] = info
            if not remaining:
                break  # the rest of history cannot change the answer
    finally:
        code, stderr = _end_stream(proc)
    return found, code, stderr, remaining


class EarlyCommits:
    """``last_commits`` for files under ``folder``, its git process started before they are known, so that git
    reads the history while the caller works (publish plans meanwhile); ``of(paths)`` reads the answer. Use it
    in a ``with``: leaving stops a git never asked."""

    def __init__(self, root: Path, folder: Path) -> None:
        self.root = root
        cwd = os.getcwd()
        self._base = os.path.normpath(os.path.join(cwd, root))
        spec = os.path.relpath(os.path.normpath(os.path.join(cwd, folder)), self._base)
        self._spec = Path(spec).as_posix()
        self._proc: subprocess.Popen[bytes] | None = None
        if not spec.startswith(".."):
            with contextlib.suppress(UsageError, GitError, OSError):  # of() then asks the usual way
                self._proc = _start_log(Path(self._base), self._spec, relative=True)

    def __enter__(self) -> EarlyCommits:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _end_stream(proc)

    def of(self, paths: Iterable[AnyPath]) -> dict[AnyPath, CommitInfo]:
        """What ``last_commits(root, paths)`` answers; a path outside the folder, or a git that failed (outside a
        work tree, no commit yet), is left to it."""
        paths = list(paths)
        proc, self._proc = self._proc, None
        if proc is None:
            return last_commits(self.root, paths)
        cwd = os.getcwd()
        # the folder's own paths, as git names them from root: cut from the normalised path (relpath costs
        # microseconds a file)
        folder = self._base if self._spec == "." else os.path.join(self._base, self._spec)
        start = len(self._base) + 1
        wanted: dict[str, list[AnyPath]] = {}
        for p in paths:
            full = os.path.normpath(os.path.join(cwd, p))
            if not full.startswith(folder + os.sep):
                wanted = {}
                break
            wanted.setdefault(full[start:].replace(os.sep, "/"), []).append(p)
        if not wanted:
            _end_stream(proc)
            return last_commits(self.root, paths)
        found, code, _, remaining = _read_log(proc, wanted)
        if remaining and code != 0:
            return last_commits(self.root, paths)  # says why, as ever
        return found


def _top_and_head(root: Path) -> tuple[Path, str | None]:
    """The work tree's top folder and HEAD's sha (None in a repository without commits), asked of git once:
    each git process costs milliseconds. Outside a work tree (or without git), ``UsageError``."""
    try:
        proc = run_git(root, "rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD^{commit}", check=False)
    except GitError:  # git is missing: no repository to speak of, as is_repo() says
        proc = subprocess.CompletedProcess([], 128, "", "")
    lines = proc.stdout.splitlines()
    if proc.returncode not in (0, 1) or not lines:
        raise UsageError(f"{root} is not in a git repository; --changed-since and --git-push need one")
    head = lines[1].strip() if proc.returncode == 0 and len(lines) > 1 else ""
    return Path(lines[0].strip()).resolve(), head or None


def _log_records(stream: IO[bytes]) -> Iterator[tuple[CommitInfo, list[str]]]:
    """Parse `git log --format=<RS>sha<US>name<US>email --name-only -z` as it arrives."""
    buffer = ""
    while True:
        chunk = os.read(stream.fileno(), 65536)  # what git has written so far: a finished search stops early
        if chunk:
            buffer += chunk.decode("utf-8", "replace")
        records = buffer.split(_RECORD)
        # the last piece may be incomplete until the stream ends
        complete, buffer = (records[:-1], records[-1]) if chunk else (records, "")
        for record in complete:
            head, _, files = record.partition("\0")
            if not head:
                continue
            sha, author, email = [*head.split(_FIELD), "", ""][:3]
            yield CommitInfo(sha, author, email), _split_z(files.lstrip("\n"))
        if not chunk:
            return


def last_commit_of(root: Path, path: Path) -> CommitInfo | None:
    """The commit that last changed ``path`` (sha, author name, author email), or None if never committed."""
    return last_commits(root, [path]).get(path)


def current_branch(root: Path) -> str:
    proc = run_git(root, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if proc.returncode != 0:
        raise GitError("HEAD is not on a branch (a detached checkout); check out the branch to push to")
    return proc.stdout.strip()


def _rejected(stderr: str) -> bool:
    """Whether a push failed because the remote moved on (someone else pushed first)."""
    words = ("[rejected]", "non-fast-forward", "fetch first", "[remote rejected]", "cannot lock ref", "stale info")
    return any(w in stderr for w in words)


def _refused_for_good(stderr: str) -> bool:
    """A hook or branch protection said no: asking again will not change its mind."""
    return any(w in stderr for w in ("hook declined", "protected branch", "GH006"))


def commit_and_push(
    root: Path,
    paths: Sequence[Path],
    message: str,
    *,
    remote: str = "origin",
    branch: str | None = None,
    attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Commit ``paths`` (only them) and push to ``remote``/``branch``; return the pushed sha, or None when
    there was nothing to commit. When someone pushed in between, rebase on theirs and push again, up to
    ``attempts`` times with a short, growing pause."""
    if not paths:
        return None
    branch = branch or current_branch(root)
    spec = ["--", *(str(p) for p in paths)]
    run_git(root, "add", "--all", *spec)
    if run_git(root, "diff", "--cached", "--quiet", *spec, check=False).returncode == 0:
        return None
    run_git(root, "commit", "--quiet", "--no-verify", "-m", message, *spec)
    why = ""
    for attempt in range(1, attempts + 1):
        push = run_git(root, "push", "--quiet", remote, f"HEAD:refs/heads/{branch}", check=False)
        if push.returncode == 0:
            sha = head_commit(root)
            assert sha is not None
            return sha
        why = _last_words(push)
        if _refused_for_good(push.stderr):
            raise GitError(
                f"{remote} refused the push to {branch}: {why}. The commit is still here. A protected branch must "
                'let this identity push: see "Publishing on a protected main" in docs/ci.md'
            )
        if attempt == attempts:
            break
        sleep(min(2.0 ** (attempt - 1), 8.0))
        if not _rejected(push.stderr):
            continue  # a network hiccup: try the same push again
        pull = run_git(root, "pull", "--quiet", "--rebase", "--autostash", remote, branch, check=False)
        if pull.returncode != 0:
            run_git(root, "rebase", "--abort", check=False)
            raise GitError(
                f"could not put our commit on top of {remote}/{branch}: {_last_words(pull)}. The commit is still "
                "here; resolve it by hand (git pull --rebase, then git push)"
            )
    raise GitError(
        f"could not push to {remote}/{branch} after {plural(attempts, 'attempt')}: {why}. "
        "The commit is still here; push it by hand (git pull --rebase, then git push)"
    )


def actor(environ: Mapping[str, str]) -> dict[str, str]:
    """Who runs pmcpost, for the audit log: the CI job, or the local user."""
    if environ.get("GITHUB_ACTIONS") == "true":
        found = {
            "ci": "github-actions",
            "job": f"{environ.get('GITHUB_WORKFLOW', '')}/{environ.get('GITHUB_JOB', '')}",
            "run_id": environ.get("GITHUB_RUN_ID", ""),
            "actor": environ.get("GITHUB_ACTOR", ""),
        }
        server, repo, run = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
        if server and repo and run:
            found["url"] = f"{server}/{repo}/actions/runs/{run}"
        return found
    if environ.get("GITLAB_CI") == "true":
        found = {
            "ci": "gitlab",
            "job": environ.get("CI_JOB_NAME", ""),
            "run_id": environ.get("CI_PIPELINE_ID", ""),
            "actor": environ.get("GITLAB_USER_LOGIN", ""),
        }
        if environ.get("CI_JOB_URL"):
            found["url"] = environ["CI_JOB_URL"]
        return found
    user = environ.get("LOGNAME") or environ.get("USER") or environ.get("USERNAME")
    if not user:
        try:
            user = getpass.getuser()
        except (OSError, KeyError):  # a container user without a passwd entry
            user = "unknown"
    return {"user": user}


def find_git_dir(start: Path) -> Path | None:
    """The git folder of the work tree holding ``start`` (``.git``, or the folder a linked work tree's ``.git``
    file names), found on the file system without running git: where pmcpost keeps what is never committed
    (the publish lock, the ledger checkpoint, this machine's audit head, adapters' state)."""
    for folder in (start, *start.parents):
        marker = folder / ".git"
        if marker.is_dir():
            return marker
        if marker.is_file():
            text = marker.read_text(encoding="utf-8", errors="replace").strip()
            if not text.startswith("gitdir:"):
                return None
            target = Path(text.removeprefix("gitdir:").strip())
            return target if target.is_absolute() else (folder / target).resolve()
    return None


def _end_stream(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    """Stop a streamed git process (whether or not its output was read to the end): its exit code and stderr."""
    if proc.poll() is None:
        proc.kill()
    assert proc.stdout is not None and proc.stderr is not None
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stdout.close()
    proc.stderr.close()
    return proc.wait(), stderr


class Stamp(NamedTuple):
    """A commit as a person names it: hash, author and author date."""

    sha: str
    author: str
    email: str
    date: str


class FileVersion(NamedTuple):
    """One commit's change to one file: the blob before (its first parent's) and after; None when absent."""

    commit: Stamp
    path: str  # relative to the top of the work tree, with '/'
    old: str | None
    new: str | None


def file_versions(root: Path, folder: Path, since: str | None = None) -> Iterator[FileVersion]:
    """Every change any commit (after ``since``, when given) made to files under ``folder``, oldest first, as blob
    ids from one streamed ``git log --raw`` (no contents are read; a merge is compared with its first parent)."""
    top = toplevel(root)
    if head_commit(top) is None:
        return
    rel = os.path.relpath(folder.resolve(), top)
    fmt = f"--format={_RECORD}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI"
    args = ["log", "--reverse", fmt, "--raw", "--no-abbrev", "--no-renames", "-z", "--no-show-signature"]
    args += ["--diff-merges=first-parent", *([f"{since}..HEAD"] if since else []), "--", f":(literal){rel}"]
    null = "0" * 40
    try:
        proc = subprocess.Popen(
            ["git", "-C", str(top), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=_env(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH; install git and run again") from None
    assert proc.stdout is not None and proc.stderr is not None
    finished = False
    try:
        for record_text in _raw_records(proc.stdout):
            head, _, raw = record_text.partition("\0")  # "<RS>format\0\n:meta\0path\0..."
            sha, author, email, date = [*head.split(_FIELD), "", "", ""][:4]
            stamp = Stamp(sha, author, email, date)
            fields = raw.lstrip("\n").split("\0")
            # -z --raw: ":oldmode newmode oldsha newsha status" NUL path NUL, repeated
            for meta, name in zip(fields[0::2], fields[1::2], strict=False):
                if not meta.startswith(":"):
                    continue
                _, _, old, new, _status = meta[1:].split(" ")[:5]
                yield FileVersion(stamp, name, None if old == null else old, None if new == null else new)
        finished = True
    finally:
        code, stderr = _end_stream(proc)
    if finished and code != 0:
        raise GitError(f"git log failed: {stderr.strip() or f'exit code {code}'}")


def _raw_records(stream: IO[bytes]) -> Iterator[str]:
    """The records of `git log --format=<RS>... --raw -z`, each as text, as they arrive."""
    buffer = ""
    while True:
        chunk = os.read(stream.fileno(), 65536)
        if chunk:
            buffer += chunk.decode("utf-8", "replace")
        records = buffer.split(_RECORD)
        complete, buffer = (records[:-1], records[-1]) if chunk else (records, "")
        for record in complete:
            if record:
                yield record
        if not chunk:
            return


def tree_blobs(root: Path, folder: Path) -> dict[str, str]:
    """The blob id of each file under ``folder`` in HEAD, by path relative to the top of the work tree."""
    top = toplevel(root)
    if head_commit(top) is None:
        return {}
    rel = os.path.relpath(folder.resolve(), top)
    proc = run_git(top, "ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", f":(literal){rel}")
    out = {}
    for item in _split_z(proc.stdout):
        meta, _, name = item.partition("\t")
        parts = meta.split(" ")
        if len(parts) == 3 and parts[1] == "blob":
            out[name] = parts[2]
    return out


def is_ancestor(root: Path, commit: str) -> bool:
    """Whether ``commit`` is HEAD or one of its ancestors."""
    proc = run_git(root, "merge-base", "--is-ancestor", commit, "HEAD", check=False)
    return proc.returncode == 0


class BlobReader:
    """Reads blobs through one ``git cat-file --batch``, chunk by chunk, so no version is held whole."""

    def __init__(self, root: Path) -> None:
        try:
            self._proc = subprocess.Popen(
                ["git", "-C", str(toplevel(root)), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_env(),
            )
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH; install git and run again") from None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def chunks(self, blob: str, size: int = 1 << 20) -> Iterator[bytes]:
        """The blob's bytes in chunks; read them all before asking for the next blob."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None
        stdin.write(blob.encode("ascii") + b"\n")
        stdin.flush()
        header = stdout.readline().decode("ascii", "replace").split()
        if len(header) != 3:
            raise GitError(f"git cat-file cannot read {blob}: {' '.join(header) or 'no answer'}")
        remaining = int(header[2])
        while remaining:
            data = stdout.read(min(size, remaining))
            if not data:
                raise GitError(f"git cat-file stopped in the middle of {blob}")
            remaining -= len(data)
            yield data
        stdout.read(1)  # the newline after the contents
