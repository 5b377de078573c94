"""Channels without a posting API, posted by hand: the Corporation's WhatsApp Channel and YouTube Community
posts. Their descriptions and their one adapter live here (it needs only the standard library).

``publish`` does not post there: for each due announcement it writes the exact text and copies the images into
``handover/<platform>/<announcement id>/`` inside the repository (committed with the audit log in CI), and the
post awaits hand posting until someone records it: ``pmcpost record ID --platform whatsapp --url URL``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pmcpost.errors import PlatformError
from pmcpost.platforms import AccountInfo, Message, RemotePost
from pmcpost.platforms.spec import MediaRules, Option, PlatformSpec

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig

DEFAULT_FOLDER = "handover"
DEFAULT_OVERDUE = "2h"
DURATION_RE = r"^\d{1,4}[mhd]$"
_OPTIONS = {
    "folder": Option(folder=True, description="where the posts to make by hand are written (handover/)"),
    "overdue_after": Option(
        pattern=DURATION_RE,
        example="2h",
        description="how long a handed-over post may wait before status and report call it overdue",
    ),
}

WHATSAPP = PlatformSpec(
    name="whatsapp",
    display_name="the WhatsApp Channel",
    adapter="pmcpost.platforms.handover:WhatsAppHandover",
    order=60,
    options=_OPTIONS,
    media=MediaRules(max_items=None, alt_text=False),  # a channel update shows images without alt text
    can_look_up=False,
    by_hand=True,
    output_folder="pmcpost.platforms.handover:output_folder",
)

YOUTUBE = PlatformSpec(
    name="youtube",
    display_name="YouTube (Community posts)",
    adapter="pmcpost.platforms.handover:YouTubeHandover",
    order=61,
    options=_OPTIONS,
    media=MediaRules(max_items=None, alt_text=False),
    can_look_up=False,
    by_hand=True,
    output_folder="pmcpost.platforms.handover:output_folder",
)


def output_folder(config: Config, settings: PlatformConfig) -> Path:
    """The platform's handover folder in the repository (handover/<platform>), refused when a link leads out."""
    from pmcpost.confine import inside_repository

    folder = config.root / str(settings.options.get("folder") or DEFAULT_FOLDER) / settings.name
    return inside_repository(config.root, folder, f"the hand-over folder of {settings.name}")


def overdue_after(settings: PlatformConfig) -> timedelta:
    """``platforms.<name>.overdue_after`` (such as 2h, 90m, 1d) as a duration."""
    text = str(settings.options.get("overdue_after") or DEFAULT_OVERDUE)
    if not re.match(DURATION_RE, text):
        text = DEFAULT_OVERDUE
    unit = {"m": "minutes", "h": "hours", "d": "days"}[text[-1]]
    return timedelta(**{unit: int(text[:-1])})


def handover_path(config: Config, settings: PlatformConfig, announcement_id: str) -> Path:
    return output_folder(config, settings) / announcement_id


class HandOver:
    """Writes what to post by hand; cannot post, look up or delete anything itself."""

    name: ClassVar[str] = ""

    def __init__(self, settings: PlatformConfig, config: Config, environ: Mapping[str, str]) -> None:
        self.settings = settings
        self.config = config

    def check_credentials(self) -> AccountInfo:
        """Nothing to sign in to: says where the posts to make by hand go."""
        folder = output_folder(self.config, self.settings).relative_to(self.config.root).as_posix()
        return AccountInfo(name="posted by hand", details={"handover": folder})

    def hand_over(self, message: Message) -> str:
        """Write the exact text (post.txt; several numbered files for a thread) and copy the images into the
        announcement's handover folder; returns the folder, relative to the repository."""
        folder = handover_path(self.config, self.settings, message.announcement.id)
        from pmcpost.confine import inside_repository

        inside_repository(self.config.root, folder, f"the hand-over folder {message.announcement.id}")
        try:
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            for number, part in enumerate(message.parts, start=1):
                name = f"post-{number}.txt" if len(message.parts) > 1 else "post.txt"
                (folder / name).write_text(part.text + "\n", encoding="utf-8")
                for index, media in enumerate(part.media, start=1):
                    shutil.copyfile(media.path, folder / f"image-{index}{media.path.suffix.lower()}")
        except OSError as exc:
            raise PlatformError(f"cannot write the handover folder {folder.name}: {exc.strerror}") from None
        return folder.relative_to(self.config.root).as_posix()

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        raise PlatformError(f"{self.name} has no posting API: its posts are handed over and posted by hand")

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        raise PlatformError(f"{self.name} cannot be searched: record a post made by hand with pmcpost record")

    def delete(self, remote_id: str, reason: str) -> None:
        raise PlatformError(f"{self.name} has no API to delete with: delete the post by hand")

    def close(self) -> None:
        """Nothing is held open."""


class WhatsAppHandover(HandOver):
    name: ClassVar[str] = "whatsapp"


class YouTubeHandover(HandOver):
    name: ClassVar[str] = "youtube"
