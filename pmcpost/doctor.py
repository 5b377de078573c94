"""`pmcpost doctor`: says what is wrong with the set-up, in plain words, without revealing a secret."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pmcpost.config import Config
from pmcpost.credentials import scrub
from pmcpost.errors import EXIT_OK, EXIT_PROBLEMS, ConfigError, PmcpostError
from pmcpost.words import plural


@dataclass
class Check:
    area: str
    ok: bool | None  # None: a warning, not a failure
    message: str


def checks(root: Path | None, *, offline: bool, environ: Mapping[str, str] | None = None) -> list[Check]:
    from pmcpost.config import find_root, load_config

    environ = os.environ if environ is None else environ
    out: list[Check] = []
    try:
        root = root.resolve() if root else find_root(Path.cwd())
        config = load_config(root, environ)
    except ConfigError as exc:
        out.append(
            Check("config", False, f"config.yaml has {plural(len(exc.diagnostics), 'problem')}; run pmcpost validate")
        )
        return out
    except PmcpostError as exc:
        out.append(Check("config", False, scrub(str(exc))))
        return out
    out.append(
        Check(
            "config",
            True,
            f"{plural(len(config.departments), 'department')}, platforms: {', '.join(config.enabled_platforms())}",
        )
    )

    from pmcpost.validate import load_all

    loaded = load_all(config)
    errors = sum(1 for d in loaded.diagnostics if d.severity == "error")
    out.append(
        Check(
            "content",
            errors == 0,
            f"{plural(loaded.files, 'file')}, {errors} with problems" + ("; run pmcpost validate" if errors else ""),
        )
    )

    for name in config.enabled_platforms():
        settings = config.platforms[name]
        missing = [var for var in settings.credentials.values() if not environ.get(var)]
        if missing:
            out.append(Check(name, False, f"not set: {', '.join(missing)}"))
            continue
        if offline:
            present = ", ".join(settings.credentials.values()) or "none needed"
            out.append(Check(name, None, f"credentials set ({present}); not checked (--offline)"))
            continue
        from pmcpost.platforms.registry import create_platform

        try:
            adapter = create_platform(name, config, environ)
            try:
                info = adapter.check_credentials()
            finally:
                adapter.close()
            out.append(Check(name, True, f"signed in as {info.name} via {settings.api_url or 'local files'}"))
        except PmcpostError as exc:
            out.append(Check(name, False, scrub(str(exc))))
        except Exception as exc:  # a garbled answer or an adapter's bug: say so without its words
            out.append(Check(name, False, f"unexpected {type(exc).__name__} while checking the credentials"))

    from pmcpost import gitutil

    if not gitutil.is_repo(config.root):
        out.append(Check("git", None, "not a git repository: audit entries will not name commits"))
    else:
        clean = gitutil.status_clean(config.root)
        out.append(
            Check(
                "git",
                True if clean else None,
                f"branch {gitutil.current_branch(config.root)}, "
                + ("clean" if clean else "uncommitted changes (commit them so the audit log names them)"),
            )
        )
        if not clean:
            out.extend(_uncommitted_output(config))
    out.extend(_audit_check(config))
    if config.freeze_active():
        out.append(Check("freeze", None, "a freeze is on: publish posts nothing unless exempted"))
    from pmcpost.lock import lock_path

    out.append(Check("lock", True, f"lock file {lock_path(config.root).relative_to(config.root).as_posix()}"))
    return out


def _uncommitted_output(config: Config) -> list[Check]:
    """What to do with the audit entries and website files a publish run (the Quick start's, say) left
    uncommitted: they belong together, committed as the record of what went out, or both discarded."""
    from pmcpost import gitutil
    from pmcpost.platforms.website import output_folder, records_folder

    folders = [config.audit_dir]
    site = config.platforms.get("website")
    if site is not None and site.enabled:
        folders += [output_folder(config, site), records_folder(config)]
    dirty = [
        f.relative_to(config.root).as_posix() + "/"
        for f in folders
        if f.is_relative_to(config.root) and f.exists() and not gitutil.status_clean(config.root, [f])
    ]
    if not dirty:
        return []
    names = " and ".join(dirty)
    paths = " ".join(dirty)
    return [
        Check(
            "records",
            None,
            f"{names} changed by a publish run and not committed. They record what went out (the website "
            f"serves its folder): commit them together (git add {paths} && git commit -m 'Record posts'). "
            f"After a trial on a fresh clone, discard them together instead (git stash push --include-untracked -- "
            f"{paths}).",
        )
    ]


def _audit_check(config: Config) -> list[Check]:
    from pmcpost.audit_verify import verify_chain

    result = verify_chain(config.audit_dir, root=config.root)
    if result.problems:
        return [
            Check(
                "audit", False, f"{plural(len(result.problems), 'problem')} in the audit log; run pmcpost audit verify"
            )
        ]
    return [
        Check(
            "audit",
            True,
            f"hash chain intact ({result.entries:,} {plural(result.entries, 'entry', 'entries', count=False)} "
            f"in {plural(result.files, 'file')})",
        )
    ]


def exit_code(results: list[Check]) -> int:
    """1 when any check failed (warnings do not count)."""
    return EXIT_PROBLEMS if any(c.ok is False for c in results) else EXIT_OK
