"""Finding platforms and building their adapters.

The one list of platforms is the ``pmcpost.platforms`` entry-point group (pyproject.toml for pmcpost's own):
each entry names a platform's ``PlatformSpec`` (``module:SPEC``), a cheap import. The adapter the description
names is imported only by ``adapter_class``/``create_platform``, when something is posted, looked up, deleted
or checked. Tests add a platform for a while with ``registered(spec)``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import os
import re
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pmcpost.errors import UsageError
from pmcpost.platforms.spec import PlatformSpec

if TYPE_CHECKING:
    from pmcpost.config import Config
    from pmcpost.platforms import Platform, PlatformFactory

GROUP = "pmcpost.platforms"
_added: dict[str, PlatformSpec] = {}  # registered(): platforms a test adds for a while


def _from_pyproject() -> dict[str, str]:
    """The entry points pyproject.toml declares, for a source tree run without being installed."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return {}
    section = re.search(r'^\[project\.entry-points\."pmcpost\.platforms"\]\n(.*?)(?=^\[|\Z)', text, re.M | re.S)
    if section is None:
        return {}
    return dict(re.findall(r'^(\w+)\s*=\s*"([\w.]+:\w+)"', section.group(1), re.M))


@functools.cache
def _entry_points() -> dict[str, str]:
    found = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    return found or _from_pyproject()


def available_platforms() -> dict[str, str]:
    """Platform name -> where its description is ('module:attribute'), importing nothing."""
    found = dict(_entry_points())
    found.update({name: f"<registered {name}>" for name in _added})
    return found


@functools.cache
def _load(name: str, target: str) -> PlatformSpec:
    module_name, _, attr = target.partition(":")
    spec = getattr(importlib.import_module(module_name), attr)
    if not isinstance(spec, PlatformSpec) or spec.name != name:
        raise UsageError(f"the entry point {name} = {target!r} is not the PlatformSpec of a platform named {name!r}")
    return spec


def description(name: str) -> PlatformSpec:
    """What platform ``name`` says about itself; UsageError when no platform has that name."""
    if name in _added:
        return _added[name]
    target = _entry_points().get(name)
    if target is None:
        raise UsageError(f"no platform named {name!r} is installed (known: {', '.join(sorted(available_platforms()))})")
    return _load(name, target)


def configured(config: Config, name: str) -> PlatformSpec:
    """``name``'s description with the limit its configured account or instance sets (PlatformSpec.limit_from)."""
    spec = description(name)
    if not spec.limit_from or name not in config.platforms:
        return spec
    module_name, _, attr = spec.limit_from.partition(":")
    limit, source = getattr(importlib.import_module(module_name), attr)(config, config.platforms[name])
    return dataclasses.replace(spec, text_limit=limit, limit_source=source)


def descriptions() -> list[PlatformSpec]:
    """Every installed platform's description, in posting order."""
    return sorted((description(name) for name in available_platforms()), key=lambda s: (s.order, s.name))


def adapter_class(name: str) -> PlatformFactory:
    """Import and return the adapter for ``name``."""
    module_name, _, attr = description(name).adapter.partition(":")
    return cast("PlatformFactory", getattr(importlib.import_module(module_name), attr))


def create_platform(name: str, config: Config, environ: Mapping[str, str] | None = None) -> Platform:
    """The one place adapters are built from config (tests pass their own environment)."""
    settings = config.platforms[name]
    return adapter_class(name)(settings, config, os.environ if environ is None else environ)


def enabled_with(config: Config, which: str) -> list[tuple[PlatformSpec, Callable[..., Any]]]:
    """The enabled platforms whose description names a ``which`` hook (PlatformSpec.hook), with the hook."""
    out = []
    for name, settings in config.platforms.items():
        spec = description(name)
        hook = spec.hook(which) if settings.enabled else None
        if hook is not None:
            out.append((spec, hook))
    return out


@contextlib.contextmanager
def registered(spec: PlatformSpec) -> Iterator[PlatformSpec]:
    """A platform known for the duration of the block, as if an entry point named it (for tests)."""
    _added[spec.name] = spec
    try:
        yield spec
    finally:
        _added.pop(spec.name, None)
