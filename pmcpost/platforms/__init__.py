"""The interface every platform adapter implements, and the plain data that crosses it.

Adapters import their network clients (tweepy, facebook-sdk, requests) inside their own modules, which are
only imported when something is really posted or checked, so commands that do not post stay fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig
    from pmcpost.content import Announcement


@dataclass(frozen=True)
class Media:
    """An image attached to a post, with the alt text in the post's language."""

    path: Path  # absolute
    alt: str
    mime: str


@dataclass(frozen=True)
class Part:
    """One post of a message: a single post, or one part of a thread (each part replies to the one before)."""

    text: str
    language: str  # the language of this part ("mr", "en", or "mr+en" when combined)
    media: tuple[Media, ...] = ()
    link: str | None = None  # attached as a link where the platform supports it (Facebook)


@dataclass(frozen=True)
class Message:
    """Everything one announcement becomes on one platform."""

    platform: str
    announcement: Announcement
    parts: tuple[Part, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemotePost:
    """A post the platform holds: its id and public address."""

    id: str
    url: str


@dataclass(frozen=True)
class AccountInfo:
    """What a cheap authenticated call says about the account we post as."""

    name: str
    details: Mapping[str, str] = field(default_factory=dict)


class Platform(Protocol):
    """A place we post to. Adapters raise pmcpost.errors.PlatformError (or a subclass) on failure; a rate
    limit is ``RateLimited`` with its reset time. What the platform is (limits, credentials, whether it refuses
    repeats, ...) is its ``PlatformSpec`` (pmcpost.platforms.spec), not the adapter's."""

    name: ClassVar[str]

    def check_credentials(self) -> AccountInfo:
        """One cheap authenticated call; raises CredentialsError naming the variable at fault."""

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        """Post part ``index`` of ``message``, as a reply to ``reply_to`` when it is given."""

    def delete(self, remote_id: str, reason: str) -> None:
        """Delete (retract) a post we made; ``reason`` is for platforms that keep a public record."""

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        """Look for part ``index`` among our recent posts (made at or after ``since``); None when absent."""

    def close(self) -> None:
        """Release network sessions and files."""


@runtime_checkable
class ReportsQuota(Protocol):
    """An adapter that knows how many posts the platform still allows in its current window (optional)."""

    def remaining_today(self) -> int | None:
        """Posts still allowed before the platform's daily window resets; None when unknown."""


@runtime_checkable
class HandsOver(Protocol):
    """An adapter of a channel posted by hand (``PlatformSpec.by_hand``): it writes what to post instead."""

    def hand_over(self, message: Message) -> str:
        """Write the message's text and images for someone to post by hand; returns where (in the repository)."""


class PlatformFactory(Protocol):
    """What a ``PlatformSpec.adapter`` names: usually the adapter class."""

    def __call__(self, settings: PlatformConfig, config: Config, environ: Mapping[str, str]) -> Platform: ...
