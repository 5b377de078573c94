"""One `pmcpost validate` run: config.yaml first, then the files chosen, with their times when named."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pmcpost.diagnostics import Diagnostic, has_errors


@dataclass
class ValidateOutcome:
    """What a validate run found; ``unchanged_since`` is the ref when nothing changed since it."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0
    unchanged_since: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors

    @property
    def failed(self) -> bool:
        return has_errors(self.diagnostics)


def run(
    root: Path,
    environ: Mapping[str, str],
    targets: Sequence[str] = (),
    *,
    changed_since: str | None = None,
    jobs: int | None = None,
    moment: datetime | None = None,
) -> ValidateOutcome:
    """Check config.yaml, then (when it has no errors) the announcements chosen by ``targets`` or
    ``changed_since`` (all by default). The files named or changed are also judged on time as of ``moment``
    (the real clock by default); a sweep of the whole repository is not: the archive is full of the past."""
    from pmcpost.config import read_config
    from pmcpost.moments import resolve_now
    from pmcpost.selection import select_files

    config, config_diags = read_config(root, environ)
    outcome = ValidateOutcome(list(config_diags))
    if config is None or has_errors(config_diags):
        return outcome
    from pmcpost.validate import validate

    selection = select_files(config, targets, changed_since)
    if selection == []:
        outcome.unchanged_since = changed_since
        return outcome
    now = resolve_now(moment, config.organisation.tz) if selection else None
    report = validate(config, selection or [], jobs=jobs, now=now)
    outcome.diagnostics.extend(report.diagnostics)
    outcome.files = report.files
    return outcome
