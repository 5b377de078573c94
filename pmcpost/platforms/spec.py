"""What a platform says about itself: a small, frozen description that imports no network client.

Every module outside ``pmcpost/platforms/`` asks a platform's ``PlatformSpec`` (through
``pmcpost.platforms.registry.description``) instead of naming platforms: config options and their checks,
credentials, limits and how text is measured, threading, media rules, order, what the website links to. The
adapter (which imports tweepy, facebook-sdk, ...) is named by ``adapter`` and imported only to post, look up,
delete or check credentials. See docs/adding-a-platform.md.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Option:
    """One setting under ``platforms.<name>:`` in config.yaml, beyond the common ones (enabled, api_url, ...)."""

    type: type = str  # str, int or bool
    description: str = ""  # said in "platforms.<name> needs <key>, <description>"
    choices: tuple[str, ...] = ()  # when given, the value must be one of these
    pattern: str = ""  # when given, the value must match this regular expression ...
    example: str = ""  # ... and the error shows this example: "must look like 'v25.0'"
    required_when_enabled: bool = False
    folder: bool = False  # a folder pmcpost writes to: it must lie inside the repository
    minimum: int | None = None  # for int options
    maximum: int | None = None


@dataclass(frozen=True)
class MediaRules:
    """What images a post may carry on the platform; ``None`` means no limit of that kind."""

    max_items: int | None = None
    max_bytes: int | None = None
    formats: tuple[str, ...] = ("image/png", "image/jpeg", "image/gif", "image/webp")  # MIME types
    min_width: int | None = None
    max_width: int | None = None
    alt_text: bool = True  # the platform takes alt text for each image
    image_required: bool = False  # a post there needs at least one image


@dataclass(frozen=True)
class Threading:
    """How a platform takes a long text: as a thread of replies, each part within ``PlatformSpec.text_limit``."""

    layout_option: str = "layout"  # the option choosing "combined" (both languages in one post if it fits) or
    #                                "separate" (a thread per language)
    default_layout: str = "combined"
    warn_above_parts: int = 25  # a thread longer than this gets a warning in validate and preview
    # "module:function(text, limit) -> list[str]": cuts a text into numbered posts within the limit, measured as
    # the platform measures (X's weighted length here; a platform with another measure brings its own).
    split: str = "pmcpost.xtext:thread_parts"
    # Optional, for speed: "module:function(text, limit) -> list[(part, length)]", the parts ``split`` gives,
    # each with its length as the platform measures it, when the cutting measured them anyway.
    measured_split: str = ""

    @property
    def split_text(self) -> Callable[[str, int], list[str]]:
        return _resolve(self.split)  # type: ignore[no-any-return]

    @property
    def split_measured(self) -> Callable[[str, int], list[tuple[str, int]]] | None:
        return _resolve(self.measured_split) if self.measured_split else None


@dataclass(frozen=True)
class Pricing:
    """What a post costs (pay-per-use APIs), shown in previews as ``label``: $x.xxx."""

    label: str
    per_post: float
    per_post_with_link: float


@dataclass(frozen=True)
class PlatformSpec:
    """Everything pmcpost needs to know about a platform without importing its adapter."""

    name: str  # as used in config.yaml, --platform and the audit log
    display_name: str  # as people call it ("X")
    adapter: str  # "module:Class" of the adapter (a pmcpost.platforms.Platform), imported only to post
    order: int = 50  # posting order within an announcement; lower first (the website, 90, goes last)
    api_url: str = ""  # the default API address; "" for a platform without one
    credentials: Mapping[str, str] = field(default_factory=dict)  # role -> default environment variable
    options: Mapping[str, Option] = field(default_factory=dict)
    text_limit: int = 1_000_000
    measure: str = "builtins:len"  # "module:function" measuring a text as the platform counts it
    length_unit: str = "characters"  # how the measure's unit is called in messages
    caption_limit: int | None = None  # a post with media, when its limit differs from text_limit
    max_hashtags: int | None = None  # hashtags a post may carry (Instagram: 30)
    threads: Threading | None = None  # None: one post per announcement, both languages in it
    attaches_link: bool = False  # the announcement's link is attached to the post rather than printed
    media: MediaRules = MediaRules()
    can_look_up: bool = True  # after a lost response, the adapter's find_existing can say whether it went out
    rejects_duplicates: bool = False  # an exact repeat is refused (so a repeat after a lost response is safe)
    linked_from_website: bool = False  # the website's page of an announcement links to its posts here
    pricing: Pricing | None = None
    api_url_env: str = ""  # the variable overriding api_url; PMCPOST_<NAME>_API_URL when empty
    # "module:function(config) -> list[str]": publish the audit log's head as a public witness after every
    # run that wrote entries (publish, retract); the paths written are returned. "" for none.
    publishes_log_head: str = ""
    # "module:function(config, settings) -> Path": a folder of the repository the platform writes, which a
    # run commits and pushes with the audit log (the website's pages). "" for none.
    output_folder: str = ""
    # "module:function(path: Path) -> list[str]": what to change in an image before it can go to this platform
    # (validate reports each at the announcement's media item). "" for none.
    check_image: str = ""
    # Names no department may have: the platform keeps folders of these names beside the departments' ones.
    reserved_departments: tuple[str, ...] = ()
    # A channel without a posting API (a WhatsApp Channel, YouTube Community posts): publish hands each due post
    # over (the adapter's ``hand_over`` writes its text and images) and it awaits hand posting until someone
    # records it with `pmcpost record`.
    by_hand: bool = False
    # "module:function(url) -> str | None": the post id a post's public address names, so a post recorded by
    # hand (`pmcpost record --url`) can still be deleted by `retract`. "" when addresses do not name ids.
    id_from_url: str = ""
    # "module:function(config, settings) -> (text_limit, where it comes from)": a limit each account or
    # instance sets for itself (Mastodon), read without the network; "" when text_limit is the platform's.
    limit_from: str = ""
    # "module:function(message, index) -> str": the key a create carries so that a repeat is recognised
    # (Bluesky's record key, Mastodon's Idempotency-Key), derived from the post; written into each intent.
    post_key: str = ""
    limit_source: str = ""  # set by registry.configured: where text_limit comes from, said in preview

    @property
    def needs_credentials(self) -> bool:
        return bool(self.credentials)

    @property
    def api_url_variable(self) -> str:
        return self.api_url_env or f"PMCPOST_{self.name.upper()}_API_URL"

    @property
    def measure_text(self) -> Callable[[str], int]:
        """The function measuring text as the platform does (imported on first use)."""
        return _resolve(self.measure)  # type: ignore[no-any-return]

    def hook(self, which: str) -> Callable[..., Any] | None:
        """The function ``publishes_log_head``, ``output_folder``, ``id_from_url`` or ``check_image`` names
        (imported now), or None."""
        target = str(getattr(self, which))
        return _resolve(target) if target else None

    def key_for(self, message: Any, index: int) -> str:
        """The ``post_key`` of part ``index`` of ``message`` (a pmcpost.platforms.Message); "" without one."""
        return str(_resolve(self.post_key)(message, index)) if self.post_key else ""

    def limit_for(self, has_media: bool) -> int:
        """The length limit of a post's text: the caption limit for a post with media, where there is one."""
        return self.caption_limit if has_media and self.caption_limit is not None else self.text_limit

    def estimated_cost(self, texts: list[str], has_link: Callable[[str], bool]) -> float | None:
        """What posting ``texts`` costs, when the platform charges per post."""
        if self.pricing is None or not texts:
            return None
        p = self.pricing
        return round(sum(p.per_post_with_link if has_link(t) else p.per_post for t in texts), 3)


@functools.cache
def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
