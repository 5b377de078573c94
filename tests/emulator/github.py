"""An emulator of the GitHub REST endpoints pmcpost uses, with GitHub's reply shapes: the pull requests of a
commit, a pull request's reviews, and a repository's issues (list, create, update, comment).

Listings are paginated as GitHub does (``per_page``, ``page``, a ``Link`` header with absolute rel="next" and
rel="last" addresses); errors carry ``{"message", "documentation_url"}``; a missing or wrong token gets 401 "Bad
credentials"; an unknown repository or pull request 404 "Not Found"; every reply has the x-ratelimit-* headers,
and a 403 fault with ``x-ratelimit-remaining: 0`` is GitHub's primary rate limit.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from .http import Emulator, Reply, Request

TOKEN = "ghs_EmulatorInstallationToken0123456789abcdef"
REPOSITORY = "pmc-pune/announcements"
DOCS = "https://docs.github.com/rest"


@dataclass
class Pull:
    number: int
    head_sha: str
    author: str
    merged_at: str | None
    commits: tuple[str, ...]  # every commit GitHub associates with it (its own, and the merge or squash commit)
    reviews: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Issue:
    number: int
    title: str
    body: str
    labels: list[str]
    state: str = "open"
    state_reason: str | None = None
    comments: list[str] = field(default_factory=list)


class GitHubEmulator(Emulator):
    """Holds pull requests (with reviews) and issues of one repository."""

    def __init__(self, repository: str = REPOSITORY, token: str = TOKEN) -> None:
        super().__init__()
        self.repository = repository
        self.token = token
        self.pulls: dict[int, Pull] = {}
        self.issues: dict[int, Issue] = {}
        self._numbers = itertools.count(1)
        self._review_ids = itertools.count(80_000_001)

    # -- test set-up --------------------------------------------------------------------------------
    def add_pull(self, head_sha: str, commits: tuple[str, ...], *, author: str, merged: bool = True) -> Pull:
        with self.lock:
            number = next(self._numbers)
            merged_at = "2026-12-01T06:00:00Z" if merged else None
            pull = Pull(number, head_sha, author, merged_at, commits)
            self.pulls[number] = pull
            return pull

    def review(self, pull: Pull, login: str, state: str, commit_id: str | None = None) -> None:
        with self.lock:
            pull.reviews.append(
                {
                    "id": next(self._review_ids),
                    "user": {"login": login, "id": 1000 + len(pull.reviews), "type": "User"},
                    "body": "",
                    "state": state,
                    "commit_id": commit_id or pull.head_sha,
                    "submitted_at": "2026-12-01T05:00:00Z",
                    "author_association": "MEMBER",
                }
            )

    def add_issue(self, title: str, body: str, labels: list[str]) -> Issue:
        with self.lock:
            issue = Issue(next(self._numbers), title, body, labels)
            self.issues[issue.number] = issue
            return issue

    # -- the API -----------------------------------------------------------------------------------
    def error_reply(self, status: int, headers: Mapping[str, str]) -> Reply:
        message = HTTPStatus(status).phrase
        if status == 403 and headers.get("x-ratelimit-remaining") == "0":
            message = "API rate limit exceeded for installation ID 4242."
        return Reply.json(status, {"message": message, "documentation_url": DOCS}, {**_limits(), **headers})

    def handle(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self._error(401, "Bad credentials")
        prefix = f"/repos/{self.repository}"
        if not request.path.startswith(prefix + "/"):
            return self._error(404, "Not Found")
        rest = request.path[len(prefix) :]
        with self.lock:
            if request.method == "GET" and (m := re.fullmatch(r"/commits/([0-9a-f]{7,40})/pulls", rest)):
                sha = m.group(1)
                found = [self._pull_json(p) for p in self.pulls.values() if any(c.startswith(sha) for c in p.commits)]
                return self._page(request, found)
            if request.method == "GET" and (m := re.fullmatch(r"/pulls/(\d+)/reviews", rest)):
                pull = self.pulls.get(int(m.group(1)))
                if pull is None:
                    return self._error(404, "Not Found")
                return self._page(request, list(pull.reviews))
            if rest == "/issues" and request.method == "GET":
                state = request.param("state", "open")
                labels = [x for x in (request.param("labels") or "").split(",") if x]
                found = [
                    self._issue_json(i)
                    for i in sorted(self.issues.values(), key=lambda i: -i.number)
                    if (state == "all" or i.state == state) and all(x in i.labels for x in labels)
                ]
                return self._page(request, found)
            if rest == "/issues" and request.method == "POST":
                data = request.json() or {}
                if not data.get("title"):
                    return self._error(422, "Validation Failed")
                made = Issue(next(self._numbers), data["title"], data.get("body") or "", list(data.get("labels") or []))
                self.issues[made.number] = made
                return Reply.json(201, self._issue_json(made), _limits())
            if m := re.fullmatch(r"/issues/(\d+)", rest):
                issue = self.issues.get(int(m.group(1)))
                if issue is None:
                    return self._error(404, "Not Found")
                if request.method == "PATCH":
                    data = request.json() or {}
                    issue.title = data.get("title", issue.title)
                    issue.body = data.get("body", issue.body)
                    issue.state = data.get("state", issue.state)
                    issue.state_reason = data.get("state_reason", issue.state_reason)
                return Reply.json(200, self._issue_json(issue), _limits())
            if request.method == "POST" and (m := re.fullmatch(r"/issues/(\d+)/comments", rest)):
                issue = self.issues.get(int(m.group(1)))
                if issue is None:
                    return self._error(404, "Not Found")
                issue.comments.append((request.json() or {}).get("body", ""))
                return Reply.json(201, {"id": len(issue.comments), "body": issue.comments[-1]}, _limits())
        return self._error(404, "Not Found")

    # -- shapes -----------------------------------------------------------------------------------
    def _error(self, status: int, message: str) -> Reply:
        return Reply.json(status, {"message": message, "documentation_url": DOCS, "status": str(status)}, _limits())

    def _page(self, request: Request, items: list[Any]) -> Reply:
        per_page = min(int(request.param("per_page", "30") or 30), 100)
        page = max(int(request.param("page", "1") or 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = _limits()
        links = []
        base = request.url.split("?")[0]
        query = {k: v[0] for k, v in request.query.items() if k != "page"}
        if page < last:
            links.append(f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"')
            links.append(f'<{base}?{urlencode({**query, "page": last})}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?{urlencode({**query, "page": 1})}>; rel="first"')
            links.append(f'<{base}?{urlencode({**query, "page": page - 1})}>; rel="prev"')
        if links:
            headers["link"] = ", ".join(links)
        return Reply(200, json.dumps(chunk).encode(), {"content-type": "application/json; charset=utf-8", **headers})

    def _pull_json(self, p: Pull) -> dict[str, Any]:
        return {
            "number": p.number,
            "state": "closed" if p.merged_at else "open",
            "title": f"Pull request {p.number}",
            "user": {"login": p.author, "type": "User"},
            "merged_at": p.merged_at,
            "head": {"sha": p.head_sha, "ref": f"branch-{p.number}"},
            "base": {"ref": "main"},
            "html_url": f"https://github.com/{self.repository}/pull/{p.number}",
        }

    def _issue_json(self, i: Issue) -> dict[str, Any]:
        return {
            "number": i.number,
            "title": i.title,
            "body": i.body,
            "state": i.state,
            "state_reason": i.state_reason,
            "labels": [{"name": x} for x in i.labels],
            "html_url": f"https://github.com/{self.repository}/issues/{i.number}",
        }


def _limits() -> dict[str, str]:
    reset = int(datetime(2026, 12, 2, 5, 0, tzinfo=timezone.utc).timestamp())
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-resource": "core",
    }
