"""Posting to a Telegram channel as a bot, through the Bot API with plain ``requests``.

Each call is ``POST {api_url}/bot<TOKEN>/<method>``: JSON for text, multipart for photos (uploaded, so no
public address is needed). The token travels in the URL path, so no URL, requests exception or urllib3 log
line ever leaves this module unscrubbed: errors are built from Telegram's ``description`` and our own words,
and a log filter hides the token from urllib3's debug lines.

Exactly once: the Bot API cannot read a channel's history, so a lost answer to a send cannot be looked up
(``SPEC.can_look_up`` is False). The publisher then leaves the intent unresolved, and the cell settles it with
``pmcpost record`` after looking at the channel (docs/decisions.md).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import requests

from pmcpost.credentials import required_credential, scrub
from pmcpost.errors import ConfigError, CredentialsError, OutcomeUnknown, PlatformError, RateLimited
from pmcpost.platforms import AccountInfo, Message, RemotePost
from pmcpost.platforms.http import RebasedSession, never_sent
from pmcpost.platforms.telegram_spec import SPEC, utf16_length

if TYPE_CHECKING:
    from pmcpost.config import Config, PlatformConfig

log = logging.getLogger(__name__)

MAX_ALBUM = 10  # sendMediaGroup takes 2-10 items
DELETE_WINDOW_HOURS = 48  # a bot may delete a channel message only this long after posting it


class _HideToken(logging.Filter):
    """Scrubs the bot token from urllib3's log lines, which name the request path."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if self.token in text:
            record.msg, record.args = scrub(text, [self.token]), None
        return True


class TelegramPlatform:
    """A channel the bot is an administrator of (allowed to post messages): one message per announcement,
    a photo with a caption for one image, an album (sendMediaGroup) for 2-10."""

    name: ClassVar[str] = "telegram"

    def __init__(
        self,
        settings: PlatformConfig,
        config: Config,
        environ: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self.variable, token = required_credential(
            "telegram",
            settings.credentials,
            environ,
            "bot_token",
            "the Telegram bot token",
            "from @BotFather's /newbot or /token",
        )
        self._token = token
        channel = settings.options.get("channel")
        if not channel:
            raise ConfigError("platforms.telegram needs channel, the channel's @name or its numeric id (-100...)")
        self.channel = str(channel)
        self._session = RebasedSession(settings.api_url, settings.api_url, settings.timeout)
        self._filter = _HideToken(token)
        for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
            logging.getLogger(name).addFilter(self._filter)

    def __repr__(self) -> str:
        return f"TelegramPlatform(channel={self.channel!r}, api_url={self.settings.api_url!r}, token=${self.variable})"

    # -- the Platform protocol -------------------------------------------------------------------------
    def check_credentials(self) -> AccountInfo:
        """getMe (the token works), then getChat (the bot can see the channel)."""
        me = self._call("getMe", {}, action="check the bot token")
        chat = self._call("getChat", {"chat_id": self.channel}, action=f"open the channel {self.channel}")
        bot = f"@{me.get('username')}" if me.get("username") else str(me.get("first_name") or "the bot")
        details = {"channel": str(chat.get("title") or self.channel), "chat_id": str(chat.get("id", ""))}
        return AccountInfo(name=bot, details=details)

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        """Send part ``index``: a text message, a photo with its caption, or an album with the caption on its
        first photo. Exactly one send per call."""
        part = message.parts[index]
        limit = SPEC.limit_for(bool(part.media))
        # a code point is one or two UTF-16 units: a text of at most limit / 2 of them fits without counting
        if len(part.text) * 2 > limit and utf16_length(part.text) > limit:
            raise PlatformError(
                f"the Telegram {'caption' if part.media else 'text'} is {utf16_length(part.text):,} UTF-16 units "
                f"long; Telegram allows {limit:,}"
            )
        if len(part.media) > MAX_ALBUM:
            raise PlatformError(f"Telegram takes at most {MAX_ALBUM} images in one album, not {len(part.media)}")
        fields: dict[str, Any] = {"chat_id": self.channel}
        if reply_to is not None and reply_to.id:
            first = _message_ids(reply_to.id)[1][0]
            fields["reply_parameters"] = {"message_id": int(first)}
        if not part.media:
            result = self._call("sendMessage", {**fields, "text": part.text}, action="send the message", creates=True)
        else:
            files = {}
            handles = []
            try:
                for number, media in enumerate(part.media):
                    try:
                        fh = media.path.open("rb")
                    except OSError as exc:
                        raise PlatformError(f"cannot read the image {media.path.name}: {exc.strerror}") from None
                    handles.append(fh)
                    files[f"photo{number}"] = (media.path.name, fh, media.mime)
                form = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in fields.items()}
                if len(part.media) == 1:
                    form["caption"] = part.text
                    files = {"photo": files["photo0"]}
                    result = self._call("sendPhoto", form, files=files, action="send the photo", creates=True)
                else:
                    album = [{"type": "photo", "media": f"attach://photo{n}"} for n in range(len(part.media))]
                    if part.text:
                        album[0]["caption"] = part.text
                    form["media"] = json.dumps(album, ensure_ascii=False)
                    result = self._call("sendMediaGroup", form, files=files, action="send the album", creates=True)
            finally:
                for fh in handles:
                    fh.close()
        sent = result if isinstance(result, list) else [result]
        return self._remote(sent, message)

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        """Not possible: a bot cannot read the channel's history (SPEC.can_look_up is False)."""
        raise PlatformError("a Telegram bot cannot read the channel's history; settle it with pmcpost record")

    def delete(self, remote_id: str, reason: str) -> None:
        """deleteMessage for each message of the post (an album's photos, last first); one already gone counts
        as deleted. Telegram lets a bot delete a channel message only within 48 hours of posting it."""
        chat, ids = _message_ids(remote_id)
        for message_id in reversed(ids):
            try:
                self._call("deleteMessage", {"chat_id": chat, "message_id": int(message_id)}, action="delete")
            except _Refused as exc:
                if "not found" in exc.description:
                    log.info("Telegram message %s was already gone", message_id)
                    continue
                if "can't be deleted" in exc.description:
                    raise PlatformError(
                        f"Telegram refused to delete message {message_id} ({exc.description}): a bot may delete a "
                        f"channel message only within {DELETE_WINDOW_HOURS} hours of posting it, so this post is "
                        "probably older; delete it by hand in the channel (as an administrator, in any Telegram app)"
                    ) from None
                raise PlatformError(f"Telegram refused to delete message {message_id}: {exc.description}") from None

    def close(self) -> None:
        for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
            logging.getLogger(name).removeFilter(self._filter)
        self._session.close()

    # -- calls and errors ------------------------------------------------------------------------------
    def _remote(self, sent: list[Any], message: Message) -> RemotePost:
        ids = [str(m.get("message_id")) for m in sent if isinstance(m, dict) and m.get("message_id") is not None]
        chat = sent[0].get("chat") if sent and isinstance(sent[0], dict) else None
        if not ids or not isinstance(chat, dict) or chat.get("id") is None:
            raise OutcomeUnknown("Telegram accepted the message but its answer held no message id")
        chat_id = str(chat["id"])
        username = chat.get("username")
        if isinstance(username, str) and username:
            url = f"https://t.me/{username}/{ids[0]}"
        else:  # a private channel: t.me/c/<id without -100>/<message>
            url = f"https://t.me/c/{chat_id.removeprefix('-100')}/{ids[0]}"
        log.info("posted %s to Telegram as %s", message.announcement.id, ids)
        return RemotePost(id=f"{chat_id}:{','.join(ids)}", url=url)

    def _call(
        self,
        method: str,
        fields: Mapping[str, Any],
        *,
        action: str,
        files: Mapping[str, Any] | None = None,
        creates: bool = False,
    ) -> Any:
        """One Bot API call; every failure becomes pmcpost's errors, and none of them holds the token."""
        url = f"{self.settings.api_url}/bot{self._token}/{method}"
        try:
            if files:
                response = self._session.post(url, data=dict(fields), files=dict(files))
            else:
                response = self._session.post(url, json=dict(fields))
        except requests.Timeout as exc:
            if isinstance(exc, requests.ConnectTimeout) or not creates:
                self._fail(f"could not {action}: Telegram did not answer within {self.settings.timeout:g} s", True)
            raise OutcomeUnknown(
                f"Telegram did not answer within {self.settings.timeout:g} s while we tried to {action}; "
                "the message may or may not be in the channel"
            ) from None
        except requests.RequestException as exc:
            if never_sent(exc):
                self._fail(f"could not {action}: cannot connect to {self.settings.api_url}", retryable=True)
            if creates:
                raise OutcomeUnknown(
                    f"the connection to Telegram broke while we tried to {action}; "
                    "the message may or may not be in the channel"
                ) from None
            self._fail(f"could not {action}: the connection to Telegram broke", retryable=True)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "ok" not in body:
            snippet = " ".join(self._scrub(response.text[:200]).split())[:120]
            said = f"Telegram answered HTTP {response.status_code} without its JSON while we tried to {action}"
            said += f": {snippet!r}" if snippet else ""
            if response.status_code >= 500 or response.status_code == 0:
                self._transient(said, creates)
            self._fail(said)
        if body.get("ok") is True:
            return body.get("result")
        self._error(body, response.status_code, action, creates)

    def _error(self, body: Mapping[str, Any], status: int, action: str, creates: bool) -> NoReturn:
        code = body.get("error_code") if isinstance(body.get("error_code"), int) else status
        description = self._scrub(str(body.get("description") or f"HTTP {status}"))
        raw_parameters = body.get("parameters")
        parameters: Mapping[str, Any] = raw_parameters if isinstance(raw_parameters, dict) else {}
        if code == 401 or (code == 404 and "Not Found" in description):
            # A wrong token gives 401 Unauthorized; a token that is no token at all, 404 Not Found.
            raise CredentialsError(
                f"Telegram refused the bot token in {self.variable} ({description}); copy it again from @BotFather"
            )
        if code == 429:
            retry_after = parameters.get("retry_after")
            reset = self._clock() + retry_after if isinstance(retry_after, (int, float)) else None
            raise RateLimited(f"Telegram's rate limit is reached ({description})", reset_at=reset)
        if code == 403:
            raise PlatformError(
                f"Telegram would not let the bot {action} ({description}): make the bot an administrator of "
                f"{self.channel} allowed to post messages",
                stop_platform=True,
            )
        if code == 400 and "chat not found" in description.lower():
            raise PlatformError(
                f"Telegram does not know the channel {self.channel} ({description}): check platforms.telegram."
                "channel (its @name, or -100... for a private channel) and that the bot is one of its administrators",
                stop_platform=True,
            )
        migrated = parameters.get("migrate_to_chat_id")
        if migrated is not None:
            raise PlatformError(
                f"the chat moved to {migrated}: set platforms.telegram.channel to it ({description})",
                stop_platform=True,
            )
        if isinstance(code, int) and code >= 500:
            self._transient(f"Telegram failed to {action}: {description} (error {code})", creates)
        raise _Refused(f"Telegram refused to {action}: {description} (error {code})", description)

    def _transient(self, message: str, creates: bool) -> NoReturn:
        if creates:
            raise OutcomeUnknown(f"{message}; the message may or may not be in the channel")
        self._fail(message, retryable=True)

    def _fail(self, message: str, retryable: bool = False) -> NoReturn:
        raise PlatformError(self._scrub(message), retryable=retryable) from None

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._token])


class _Refused(PlatformError):
    """Telegram refused a call with a 400 (its ``description`` kept for delete to judge)."""

    def __init__(self, message: str, description: str) -> None:
        super().__init__(message)
        self.description = description


def _message_ids(remote_id: str) -> tuple[str, list[str]]:
    """``"-1001234567890:55,56"`` -> the chat and its message ids (an album has several)."""
    chat, _, ids = remote_id.rpartition(":")
    numbers = [i for i in ids.split(",") if i.strip().isdigit()]
    if not chat or not numbers:
        raise PlatformError(f"{remote_id!r} is not a Telegram post id (chat:message[,message...])")
    return chat, numbers
