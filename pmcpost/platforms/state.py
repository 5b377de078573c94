"""Where adapters keep state between runs (a Bluesky session, a Mastodon instance's limits): ``.git/pmcpost/``,
which git never commits or pushes. Cheap to import: validate and preview read it too."""

from __future__ import annotations

from pathlib import Path


def state_folder(root: Path, *, create: bool = False) -> Path:
    """``.git/pmcpost/`` of the repository at ``root`` (in a linked work tree, its own git folder's);
    ``.pmcpost-state/`` in a folder that is not a git work tree."""
    from pmcpost.gitutil import find_git_dir

    dot_git = find_git_dir(root)
    folder = dot_git / "pmcpost" if dot_git is not None and dot_git.is_dir() else root / ".pmcpost-state"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder
