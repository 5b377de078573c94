"""Finding platform adapters (entry points in the ``pmcpost.platforms`` group) and building them."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, cast

from pmcpost.errors import UsageError

if TYPE_CHECKING:
    from pmcpost.config import Config
    from pmcpost.platforms import Platform, PlatformFactory

GROUP = "pmcpost.platforms"
# Our own adapters are known even when the package is run from a source tree without being installed.
BUILTIN = {
    "twitter": "pmcpost.platforms.twitter:TwitterPlatform",
    "facebook": "pmcpost.platforms.facebook:FacebookPlatform",
    "website": "pmcpost.platforms.website:WebsitePlatform",
}


@functools.cache
def available_platforms() -> dict[str, str]:
    """Platform name -> 'module:attribute', without importing any adapter."""
    found = dict(BUILTIN)
    for ep in entry_points(group=GROUP):
        found[ep.name] = ep.value
    return found


def adapter_class(name: str) -> PlatformFactory:
    """Import and return the adapter for ``name``."""
    import importlib

    target = available_platforms().get(name)
    if target is None:
        raise UsageError(f"no adapter is registered for platform {name!r}")
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return cast("PlatformFactory", getattr(module, attr))


def create_platform(name: str, config: Config, environ: Mapping[str, str] | None = None) -> Platform:
    """The one place adapters are built from config (tests pass their own environment)."""
    settings = config.platforms[name]
    return adapter_class(name)(settings, config, os.environ if environ is None else environ)
