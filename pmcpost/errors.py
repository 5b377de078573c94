"""The one exception tree of pmcpost; the CLI turns these into messages and exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pmcpost.diagnostics import Diagnostic

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class PmcpostError(Exception):
    """Base of every error a user can cause or fix; its message is shown as is, without a traceback."""

    exit_code = EXIT_PROBLEMS


class UsageError(PmcpostError):
    """The command line asked for something impossible (a bad option value, an unknown id)."""

    exit_code = EXIT_USAGE


class RepositoryNotFound(UsageError):
    """No config.yaml in the current directory or any parent."""


class ConfigError(PmcpostError):
    """config.yaml has problems; the diagnostics say which."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        super().__init__(message)
        self.diagnostics = list(diagnostics)


class TemplateError(PmcpostError):
    """A Jinja template failed to load or render; says which template, line and announcement."""

    def __init__(
        self, template: str, line: int, problem: str, announcement: str | None = None, platform: str | None = None
    ) -> None:
        where = f"{template}:{line}" if line else template
        during = f" (rendering {announcement} for {platform})" if announcement else ""
        super().__init__(f"{where}: {problem}{during}")
        self.template = template
        self.line = line
        self.problem = problem
        self.announcement = announcement
        self.platform = platform


class CredentialsError(PmcpostError):
    """A credential is missing or was rejected; names the environment variable, never its value."""


class PlatformError(PmcpostError):
    """A platform refused or failed a request.

    ``retryable`` says whether repeating the same request can succeed without risking a double post;
    ``stop_platform`` says whether the rest of this run should leave the platform alone (rate limit,
    rejected credentials).
    """

    def __init__(self, message: str, *, retryable: bool = False, stop_platform: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.stop_platform = stop_platform


class RateLimited(PlatformError):
    """The platform's rate limit is reached; ``reset_at`` is a UTC epoch second when known."""

    def __init__(self, message: str, reset_at: float | None = None) -> None:
        super().__init__(message, retryable=False, stop_platform=True)
        self.reset_at = reset_at


class DuplicateContent(PlatformError):
    """The platform says this exact text was already posted (X's 403 on a repeat)."""


class NotReady(PlatformError):
    """The post cannot go out yet, and nothing was sent (its image is not served at its public address yet):
    the post is held for the next run, never failed for good."""


class OutcomeUnknown(PlatformError):
    """A create got no clear answer (timeout, lost connection, 5xx): look the post up before retrying."""


class LockBusy(PmcpostError):
    """Another publish holds the repository lock."""


class AuditError(PmcpostError):
    """The audit log is damaged or cannot be written."""


class GitError(PmcpostError):
    """A git command failed (commit, push, log); the message carries git's own words."""
