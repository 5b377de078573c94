"""Folders pmcpost writes into (the website's output and records, the hand-over folder) must stay inside the
repository also when a symbolic link was committed in their place: checked where they are written, since
config.yaml's checks only see the folders it names."""

from __future__ import annotations

import os
from pathlib import Path

from pmcpost.errors import PlatformError


def inside_repository(root: Path, folder: Path, what: str) -> Path:
    """``folder`` when, with every symbolic link on the way followed, it lies inside ``root`` (and is not
    ``root`` itself); PlatformError naming ``what`` otherwise, before anything is written or removed there."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(folder)
    if real != real_root and real.startswith(real_root.rstrip(os.sep) + os.sep):
        return folder
    raise PlatformError(
        f"{what} leads outside the repository through a symbolic link; nothing was written there "
        "(remove the link and commit the folder itself)"
    )
