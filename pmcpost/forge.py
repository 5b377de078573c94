"""GitHub, as a witness: the pull request and approving review behind an announcement (``policy.approval_proof:
github-review``), and one issue per dormant department (``report --dormant --file-issues``).

Plain HTTP with urllib: six REST calls do not need a library, commands that do not post may not import
requests, and every error can be said in our words, without the token (it travels only in a header, and only
to the configured API host).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from pmcpost import __version__
from pmcpost.config import Config
from pmcpost.content import Announcement
from pmcpost.credentials import read_credential, scrub
from pmcpost.errors import PmcpostError

NEXT_RE = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
MAX_PAGES = 50  # 5,000 items: far more than a pull request's reviews or a label's open issues
DORMANCY_MARKER = "<!-- pmcpost-dormant:{slug} -->"


class ForgeError(PmcpostError):
    """GitHub could not be asked, or refused; the message names the call and never the token."""


@dataclass(frozen=True)
class Proof:
    """An approving review of the final commit of the pull request that last changed a file."""

    pull_request: int
    reviewer: str
    commit: str  # the pull request's head sha, which the review approved

    def as_entry(self) -> dict[str, Any]:
        return {"pull_request": self.pull_request, "reviewer": self.reviewer, "commit": self.commit}


class GitHub:
    """A small client of GitHub's REST API for one repository."""

    def __init__(self, api_url: str, repository: str, token: str, *, timeout: float = 20.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.repository = repository
        self._token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect())

    @classmethod
    def from_config(cls, config: Config, environ: Mapping[str, str]) -> GitHub:
        settings = config.github
        repository = settings.repository or environ.get("GITHUB_REPOSITORY", "")
        if not repository:
            raise ForgeError(
                "GitHub's repository is unknown: set github.repository in config.yaml (GitHub Actions sets "
                "GITHUB_REPOSITORY)"
            )
        token = read_credential(environ, settings.token_env)
        if not token:
            raise ForgeError(
                f"{settings.token_env} is not set: the job's token is needed to ask GitHub (in a workflow step, "
                f"env: {settings.token_env}: ${{{{ github.token }}}})"
            )
        return cls(settings.api_url, repository, token)

    # -- HTTP ------------------------------------------------------------------------------------------
    def request(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: Any = None
    ) -> tuple[Any, Mapping[str, str]]:
        url = path if path.startswith(("http://", "https://")) else f"{self.api_url}{path}"
        if params:
            url += "?" + urlencode(params)
        if urlsplit(url).netloc != urlsplit(self.api_url).netloc:
            raise ForgeError(f"GitHub pointed to another host ({urlsplit(url).netloc}); not following it")
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        req.add_header("User-Agent", f"pmcpost/{__version__}")
        req.add_header("Authorization", f"Bearer {self._token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        what = f"{method} {urlsplit(url).path}"
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                raw = resp.read()
                headers = {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as exc:
            raise ForgeError(scrub(f"GitHub answered {what} with {_http_problem(exc)}", [self._token])) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ForgeError(scrub(f"could not reach GitHub for {what}: {reason}", [self._token])) from None
        try:
            return (json.loads(raw) if raw else None), headers
        except ValueError:
            raise ForgeError(f"GitHub answered {what} with something that is not JSON") from None

    def get_all(self, path: str, params: Mapping[str, str] | None = None) -> list[Any]:
        """Every item of a listing, following the Link header's rel="next" pages."""
        items: list[Any] = []
        url: str | None = path
        query: Mapping[str, str] | None = {"per_page": "100", **(params or {})}
        for _ in range(MAX_PAGES):
            if url is None:
                break
            data, headers = self.request("GET", url, params=query)
            if not isinstance(data, list):
                raise ForgeError(f"GitHub answered GET {urlsplit(url).path} with something that is not a list")
            items.extend(data)
            found = NEXT_RE.search(headers.get("link", ""))
            url, query = (found.group(1), None) if found else (None, None)
        return items

    # -- the calls -------------------------------------------------------------------------------------
    def pulls_of_commit(self, sha: str) -> list[dict[str, Any]]:
        return [p for p in self.get_all(f"/repos/{self.repository}/commits/{sha}/pulls") if isinstance(p, dict)]

    def reviews(self, number: int) -> list[dict[str, Any]]:
        return [r for r in self.get_all(f"/repos/{self.repository}/pulls/{number}/reviews") if isinstance(r, dict)]

    def open_issues(self, label: str) -> list[dict[str, Any]]:
        found = self.get_all(f"/repos/{self.repository}/issues", {"state": "open", "labels": label})
        return [i for i in found if isinstance(i, dict) and "pull_request" not in i]

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> dict[str, Any]:
        data, _ = self.request(
            "POST", f"/repos/{self.repository}/issues", body={"title": title, "body": body, "labels": list(labels)}
        )
        return dict(data or {})

    def update_issue(self, number: int, **fields: Any) -> None:
        self.request("PATCH", f"/repos/{self.repository}/issues/{number}", body=fields)

    def comment(self, number: int, body: str) -> None:
        self.request("POST", f"/repos/{self.repository}/issues/{number}/comments", body={"body": body})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the token to wherever it points: treat it as an error instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _http_problem(exc: urllib.error.HTTPError) -> str:
    status = exc.code
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    try:
        message = str(json.loads(exc.read() or b"{}").get("message") or "")
    except (ValueError, AttributeError, OSError):
        message = ""
    said = f" ({message})" if message else ""
    if status in (403, 429) and (headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers):
        reset = headers.get("x-ratelimit-reset", "")
        when = ""
        if reset.isdigit():
            when = f" until {datetime.fromtimestamp(int(reset), timezone.utc):%H:%M} UTC"
        return f"HTTP {status}: rate limit reached{when}{said}"
    if status == 401:
        return f"HTTP 401: the token was refused{said}"
    if status == 403:
        return f"HTTP 403: not allowed{said}; the job's token needs pull-requests: read (and issues: write to file)"
    if status == 404:
        return f"HTTP 404: not found{said}; check github.repository and the token's access"
    return f"HTTP {status}{said}"


# -- approval proof ---------------------------------------------------------------------------------------


def check(client: GitHub, config: Config, a: Announcement, sha: str | None) -> Proof | str:
    """The proof for ``a`` (last changed by commit ``sha``), or why there is none. Raises ForgeError when
    GitHub cannot be asked."""
    approver = config.person(a.approved_by) if a.approved_by else None
    if approver is None:
        return "no approved_by person to prove"
    if a.freeze_exempt and approver.id not in {p.id for p in config.cell_members}:
        return f"freeze_exempt needs a cell member's approving review, and {approver.id} is not in the cell"
    if not approver.github:
        return f"{approver.id} (approved_by) has no github: handle in config.yaml, so no review can prove it"
    coordinator = config.person(a.coordinator)
    if coordinator and coordinator.github and coordinator.github.casefold() == approver.github.casefold():
        return f"@{approver.github} is also the coordinator, who cannot approve their own announcement"
    if sha is None:
        return "the file is not committed, so no pull request can prove its approval"
    merged = [p for p in client.pulls_of_commit(sha) if p.get("merged_at")]
    if not merged:
        return (
            f"no merged pull request contains commit {sha[:12]}, which last changed the file "
            "(a direct push to main has no proof)"
        )
    pull = max(merged, key=lambda p: str(p.get("merged_at")))
    number = int(pull["number"])
    head = str((pull.get("head") or {}).get("sha") or "")
    verdict: dict[str, Any] | None = None
    for review in client.reviews(number):
        login = str((review.get("user") or {}).get("login") or "")
        if login.casefold() == approver.github.casefold() and review.get("state") in (
            "APPROVED",
            "CHANGES_REQUESTED",
            "DISMISSED",
        ):
            verdict = review  # the latest decision counts
    if verdict is None or verdict.get("state") != "APPROVED":
        state = "no approving review" if verdict is None else f"a {str(verdict['state']).lower()} review"
        return f"pull request #{number} has {state} by @{approver.github} ({approver.id}, approved_by)"
    if verdict.get("commit_id") != head:
        return (
            f"@{approver.github} approved commit {str(verdict.get('commit_id'))[:12]} of pull request #{number}, "
            f"not its final commit {head[:12]}: the approval must cover what was merged"
        )
    return Proof(number, approver.github, head)


def proofs_for(
    config: Config, announcements: Sequence[Announcement], environ: Mapping[str, str], client: GitHub | None = None
) -> dict[str, Proof | str]:
    """Each announcement's proof, or why it has none, by content path; raises ForgeError when GitHub cannot be
    asked (the caller holds every post then: never a post without proof)."""
    from pmcpost import gitutil

    client = client or GitHub.from_config(config, environ)
    paths = sorted({config.root / a.path for a in announcements})
    commits = gitutil.last_commits(config.root, paths) if gitutil.is_repo(config.root) else {}
    shas = {_rel(config, p): info.sha for p, info in commits.items()}
    out: dict[str, Proof | str] = {}
    for a in announcements:
        if a.path not in out:
            out[a.path] = check(client, config, a, shas.get(a.path))
    return out


def _rel(config: Config, path: Path) -> str:
    return Path(path).resolve().relative_to(config.root.resolve()).as_posix()


# -- dormancy issues --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueAction:
    department: str
    action: str  # opened, updated, closed
    number: int


def file_dormancy_issues(config: Config, dormant: Sequence[Any], client: GitHub) -> list[IssueAction]:
    """One open issue per dormant department (opened, or its text brought up to date), and the issues of
    departments that posted again closed. ``dormant`` holds report.Dormancy items."""
    label = config.github.dormancy_label
    existing: dict[str, dict[str, Any]] = {}
    for issue in client.open_issues(label):
        found = re.search(r"<!-- pmcpost-dormant:([a-z0-9-]+) -->", str(issue.get("body") or ""))
        if found and found.group(1) not in existing:
            existing[found.group(1)] = issue
    done: list[IssueAction] = []
    wanted = {d.department for d in dormant}
    for d in dormant:
        title, body = _issue_text(config, d)
        current = existing.get(d.department)
        if current is None:
            made = client.create_issue(title, body, [label])
            done.append(IssueAction(d.department, "opened", int(made.get("number") or 0)))
        else:
            if current.get("body") != body or current.get("title") != title:
                client.update_issue(int(current["number"]), title=title, body=body)
            done.append(IssueAction(d.department, "updated", int(current["number"])))
    for slug, issue in sorted(existing.items()):
        if slug in wanted:
            continue
        number = int(issue["number"])
        client.comment(number, f"{_dept_name(config, slug)} has posted again (or has something scheduled); closing.")
        client.update_issue(number, state="closed", state_reason="completed")
        done.append(IssueAction(slug, "closed", number))
    return done


def _dept_name(config: Config, slug: str) -> str:
    dept = config.departments.get(slug)
    return dept.name.get("en") or slug if dept else slug


def _mention(person: Any) -> str:
    return f"@{person.github} ({person.name})" if person.github else f"{person.name} (no GitHub handle in config.yaml)"


def _issue_text(config: Config, d: Any) -> tuple[str, str]:
    name = _dept_name(config, d.department)
    if d.last_post is None:
        title = f"{name} has no post on record"
        since = "has no post on record"
    else:
        title = f"{name} has not posted for {d.days} days"
        since = f"last posted on {d.last_post:%Y-%m-%d} ({d.days} days ago)"
    dept = config.departments.get(d.department)
    coordinators = [_mention(p) for p in dept.coordinators] if dept else []
    cell = [_mention(p) for p in config.cell_members]
    body = "\n".join(
        [
            DORMANCY_MARKER.format(slug=d.department),
            f"**{name}** (`{d.department}`) {since}, and nothing is scheduled; the threshold is "
            f"{d.threshold} days (`policy.dormancy_days`).",
            "",
            f"Coordinators: {', '.join(coordinators) or 'none registered'}",
            f"Social media cell: {', '.join(cell) or 'none registered'}",
            "",
            "Is there news to share? `pmcpost new` starts an announcement. This issue is closed by the monthly "
            "dormancy job once the department posts again.",
        ]
    )
    return title, body + "\n"
