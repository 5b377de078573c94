"""Where pmcpost runs: a CI job (CI=true, as GitHub Actions and most CI systems set it) or a workstation."""

from __future__ import annotations

from collections.abc import Mapping


def in_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() in ("true", "1")


def skip_unconfigured(choice: bool | None, environ: Mapping[str, str]) -> bool:
    """Whether a platform without credentials is skipped (shown as a dry run) rather than failed: as chosen
    (--skip-unconfigured/--fail-unconfigured), else skipped on a workstation so the Quick start works on a
    fresh clone, and failed in CI so a missing secret cannot pass unnoticed."""
    return choice if choice is not None else not in_ci(environ)
