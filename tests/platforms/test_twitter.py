"""The X adapter against the X API emulator: real tweepy and requests code paths, real OAuth 1.0a signatures."""

from __future__ import annotations

import dataclasses
import logging
import struct
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from emulator.xapi import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    DUPLICATE_DETAIL,
    USERNAME,
    XApiEmulator,
    x_api,
)

from pmcpost.config import Config, load_config
from pmcpost.content import Announcement
from pmcpost.errors import CredentialsError, DuplicateContent, OutcomeUnknown, PlatformError, RateLimited
from pmcpost.platforms import Media, Message, Part, RemotePost
from pmcpost.platforms.registry import create_platform
from pmcpost.platforms.twitter import TwitterPlatform

__all__ = ["x_api"]  # the fixture, imported so pytest finds it

ROOT = Path(__file__).resolve().parents[2]  # the repository, whose config.yaml the cell really runs with
SECRETS = (CONSUMER_SECRET, ACCESS_TOKEN_SECRET, ACCESS_TOKEN, CONSUMER_KEY)
IST = timezone(timedelta(hours=5, minutes=30))

MR_TEXT = "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील. अधिक माहिती: https://www.pmc.gov.in/mr/water-supply"
EN_TEXT = "No water supply in Parvati on Thursday. Details: https://www.pmc.gov.in/en/water-supply & pmc.gov.in"


def png(width: int = 40, height: int = 30) -> bytes:
    """A real PNG, large enough to need several upload segments at a small chunk size."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes((x * 7 + y * 13) % 256 for x in range(width * 3)) for y in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def make_config(emulator: XApiEmulator, **environ: str) -> Config:
    return load_config(ROOT, environ=emulator.environ(**environ))


def make_message(*parts: Part) -> Message:
    announcement = Announcement(
        id="2026-12-01-parvati-water",
        department="water-supply",
        path="content/water-supply/2026-12-01-parvati-water.yaml",
        coordinator="anil.jadhav",
        approved_by="priya.shinde",
        kind="notice",
        title={"mr": "पाणीपुरवठा बंद", "en": "No water supply"},
        text={"mr": MR_TEXT, "en": EN_TEXT},
        link="https://www.pmc.gov.in/en/water-supply",
        hashtags=("PMCWater",),
        media=(),
        publish_at=datetime(2026, 12, 1, 18, 0, tzinfo=IST),
        expires_at=None,
        platforms=("twitter",),
    )
    return Message(platform="twitter", announcement=announcement, parts=parts)


def adapter_for(emulator: XApiEmulator, *, timeout: float | None = None, **environ: str) -> TwitterPlatform:
    config = make_config(emulator, **environ)
    settings = config.platforms["twitter"]
    if timeout is not None:
        settings = dataclasses.replace(settings, timeout=timeout)
    return TwitterPlatform(settings, config, emulator.environ(**environ), sleep=lambda _s: None)


@pytest.fixture
def twitter(x_api: XApiEmulator) -> Iterator[TwitterPlatform]:
    adapter = adapter_for(x_api)
    yield adapter
    adapter.close()


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_registry_builds_the_adapter_from_config(x_api: XApiEmulator) -> None:
    config = make_config(x_api)
    adapter = create_platform("twitter", config, x_api.environ())
    assert isinstance(adapter, TwitterPlatform)
    assert config.platforms["twitter"].api_url == x_api.url
    adapter.close()


def test_single_post(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    message = make_message(Part(MR_TEXT, "mr"))
    posted = twitter.post(message, 0, None)
    [tweet] = x_api.live_posts()
    assert tweet.text == MR_TEXT
    assert tweet.reply_to is None
    assert tweet.media_ids == ()
    assert posted == RemotePost(tweet.id, f"https://x.com/PMCPune/status/{tweet.id}")
    # X's 24-hour allowance is read from the answer's headers: the free tier's 17, one used.
    assert twitter.daily_remaining == 16
    # Each request was signed with OAuth 1.0a (the emulator verified it) and went to the emulator.
    [request] = x_api.requests_to("/2/tweets", "POST")
    assert request.headers["authorization"].startswith("OAuth ")
    assert request.status == 201


def test_thread_is_a_chain_of_replies(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    message = make_message(Part(MR_TEXT, "mr"), Part(EN_TEXT, "en"), Part("#PMCWater #पाणीपुरवठा", "mr+en"))
    previous: RemotePost | None = None
    posted = []
    for index in range(len(message.parts)):
        previous = twitter.post(message, index, previous)
        posted.append(previous)
    tweets = x_api.live_posts()
    assert [t.text for t in tweets] == [p.text for p in message.parts]
    assert [t.reply_to for t in tweets] == [None, posted[0].id, posted[1].id]
    assert [t.id for t in tweets] == [p.id for p in posted]


def test_image_with_alt_text_goes_through_the_chunked_v2_upload(
    twitter: TwitterPlatform, x_api: XApiEmulator, tmp_path: Path
) -> None:
    image = png()
    path = tmp_path / "parvati-map.png"
    path.write_bytes(image)
    alt = "पर्वती परिसराचा नकाशा: पाणीपुरवठा बंद राहणारे भाग लाल रंगात"
    twitter.chunk_bytes = 200  # several APPEND segments
    message = make_message(Part(MR_TEXT, "mr", media=(Media(path, alt, "image/png"),)), Part(EN_TEXT, "en"))

    first = twitter.post(message, 0, None)
    twitter.post(message, 1, first)

    first_tweet, second_tweet = x_api.live_posts()
    [upload] = x_api.media_of(first_tweet)
    assert second_tweet.media_ids == ()  # media go only on the part that carries them
    assert upload.data == image
    assert len(upload.segments) == -(-len(image) // 200) > 1
    assert sorted(upload.segments) == list(range(len(upload.segments)))
    assert upload.media_type == "image/png"
    assert upload.category == "tweet_image"
    assert upload.alt_text == alt
    [init] = x_api.requests_to("/2/media/upload/initialize")
    assert init.json() == {"media_type": "image/png", "total_bytes": len(image), "media_category": "tweet_image"}
    appends = x_api.requests_to("/2/media/upload/*/append")
    assert all(r.content_type == "multipart/form-data" for r in appends)
    assert [r.multipart()["segment_index"] for r in appends] == [str(i).encode() for i in range(len(appends))]
    # The order X requires: initialize, every append, finalize, then the alt text, then the post.
    paths = [r.path.rsplit("/", 1)[-1] for r in x_api.requests if r.path != "/2/users/me"]
    assert paths == ["initialize", *["append"] * len(appends), "finalize", "metadata", "tweets", "tweets"]


def test_upload_waits_for_processing(twitter: TwitterPlatform, x_api: XApiEmulator, tmp_path: Path) -> None:
    path = tmp_path / "poster.png"
    path.write_bytes(png(4, 4))
    x_api.processing_polls = 2
    message = make_message(Part(EN_TEXT, "en", media=(Media(path, "Poster", "image/png"),)))
    twitter.post(message, 0, None)
    statuses = x_api.requests_to("/2/media/upload", "GET")
    assert [r.param("command") for r in statuses] == ["STATUS", "STATUS", "STATUS"]
    assert len(x_api.live_posts()) == 1


def test_check_credentials_names_the_account(twitter: TwitterPlatform) -> None:
    info = twitter.check_credentials()
    assert info.name == f"@{USERNAME}"
    assert info.details["name"] == "पुणे महानगरपालिका"


def test_bad_credentials_are_rejected_without_revealing_them(x_api: XApiEmulator) -> None:
    adapter = adapter_for(x_api, PMCPOST_TWITTER_CONSUMER_SECRET="cs-WRONG-SECRET-123456")
    with pytest.raises(CredentialsError) as caught:
        adapter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    message = str(caught.value)
    assert message.startswith("X rejected the credentials in PMCPOST_TWITTER_CONSUMER_KEY, ")
    assert "PMCPOST_TWITTER_CONSUMER_SECRET" in message
    assert "cs-WRONG-SECRET-123456" not in message
    assert_no_secret(message)
    assert x_api.live_posts() == []
    with pytest.raises(CredentialsError):
        adapter.check_credentials()


def test_missing_credential_names_the_variable(x_api: XApiEmulator) -> None:
    config = make_config(x_api)
    environ = x_api.environ()
    del environ["PMCPOST_TWITTER_ACCESS_TOKEN_SECRET"]
    environ["PMCPOST_TWITTER_CONSUMER_KEY"] = "  \n"
    with pytest.raises(CredentialsError) as caught:
        TwitterPlatform(config.platforms["twitter"], config, environ)
    assert str(caught.value) == (
        "X credentials missing: set PMCPOST_TWITTER_CONSUMER_KEY, PMCPOST_TWITTER_ACCESS_TOKEN_SECRET "
        "in the environment"
    )
    assert_no_secret(str(caught.value))


def test_rate_limit_with_reset_header(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    x_api.rate_limit("/2/tweets", reset_at=1796200000)
    with pytest.raises(RateLimited) as caught:
        twitter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    assert caught.value.reset_at == 1796200000
    assert caught.value.stop_platform is True
    assert caught.value.retryable is False
    assert len(x_api.requests_to("/2/tweets")) == 1  # no retry loop, unlike wait_on_rate_limit


def test_rate_limit_without_reset_header(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    x_api.rate_limit("/2/tweets", reset_at=None)
    with pytest.raises(RateLimited) as caught:
        twitter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    assert caught.value.reset_at is None
    assert len(x_api.requests_to("/2/tweets")) == 1


def test_daily_limit_reports_the_24_hour_reset(x_api: XApiEmulator) -> None:
    x_api.daily_limit = 1
    adapter = adapter_for(x_api)
    adapter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    assert adapter.daily_remaining == 0
    with pytest.raises(RateLimited) as caught:
        adapter.post(make_message(Part(MR_TEXT, "mr")), 0, None)
    [_, refused] = x_api.requests_to("/2/tweets")
    assert refused.status == 429
    # The 15-minute window's reset would be a lie here: the day's allowance is what ran out.
    assert caught.value.reset_at == float(refused.reply_headers["x-user-limit-24hour-reset"])
    assert refused.reply_headers["x-rate-limit-reset"] != refused.reply_headers["x-user-limit-24hour-reset"]


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_on_delete_is_retryable(twitter: TwitterPlatform, x_api: XApiEmulator, status: int) -> None:
    posted = twitter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    x_api.fail(f"/2/tweets/{posted.id}", status, method="DELETE")
    with pytest.raises(PlatformError) as caught:
        twitter.delete(posted.id, "wrong date")
    assert caught.value.retryable is True
    assert not isinstance(caught.value, OutcomeUnknown)
    assert len(x_api.live_posts()) == 1
    twitter.delete(posted.id, "wrong date")  # the retry succeeds
    assert x_api.live_posts() == []


def test_deleting_a_post_that_is_gone_is_not_an_error(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    posted = twitter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    twitter.delete(posted.id, "retracted")
    twitter.delete(posted.id, "retracted again")
    assert [r.status for r in x_api.requests_to(f"/2/tweets/{posted.id}")] == [200, 404]


def test_server_error_on_post_means_outcome_unknown(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    x_api.fail("/2/tweets", 503, method="POST")
    with pytest.raises(OutcomeUnknown) as caught:
        twitter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    assert caught.value.retryable is False


def test_lost_response_then_find_existing_finds_the_post(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    earlier = make_message(Part("Earlier notice about property tax", "en"))
    twitter.post(earlier, 0, None)
    message = make_message(Part(MR_TEXT, "mr"), Part(EN_TEXT, "en"))
    first = twitter.post(message, 0, None)
    assert twitter.find_existing(message, 1, since) is None

    x_api.lose_response("/2/tweets", method="POST")
    with pytest.raises(OutcomeUnknown) as caught:
        twitter.post(message, 1, first)
    assert caught.value.retryable is False
    [created] = [t for t in x_api.live_posts() if t.text == EN_TEXT]  # X did create it

    # X returns the text with t.co links and &amp;: find_existing still recognises it.
    found = twitter.find_existing(message, 1, since)
    assert found == RemotePost(created.id, f"https://x.com/PMCPune/status/{created.id}")
    assert twitter.find_existing(message, 0, since) == first
    [timeline, *_] = x_api.requests_to("/2/users/*/tweets")
    assert timeline.param("tweet.fields") == "created_at,text"
    assert timeline.param("max_results") == "100"
    assert timeline.param("start_time") == since.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_find_existing_matches_a_post_with_media(twitter: TwitterPlatform, x_api: XApiEmulator, tmp_path: Path) -> None:
    path = tmp_path / "map.png"
    path.write_bytes(png(4, 4))
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    message = make_message(Part(EN_TEXT, "en", media=(Media(path, "Map", "image/png"),)))
    posted = twitter.post(message, 0, None)
    assert twitter.find_existing(message, 0, since) == posted


def test_find_existing_ignores_posts_before_since(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    message = make_message(Part(EN_TEXT, "en"))
    twitter.post(message, 0, None)
    assert twitter.find_existing(message, 0, datetime.now(timezone.utc) + timedelta(hours=1)) is None


def test_duplicate_content(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    message = make_message(Part(EN_TEXT, "en"))
    twitter.post(message, 0, None)
    with pytest.raises(DuplicateContent) as caught:
        twitter.post(message, 0, None)
    assert DUPLICATE_DETAIL in str(caught.value)
    assert len(x_api.live_posts()) == 1


def test_bad_request_is_not_retryable(twitter: TwitterPlatform, x_api: XApiEmulator) -> None:
    with pytest.raises(PlatformError) as caught:
        twitter.post(make_message(Part(EN_TEXT, "en")), 0, RemotePost("1", "https://x.com/PMCPune/status/1"))
    assert caught.value.retryable is False
    assert "The tweet you are replying to does not exist." in str(caught.value)


def test_timeout_on_post_is_honoured_and_ambiguous(x_api: XApiEmulator) -> None:
    adapter = adapter_for(x_api, timeout=0.3)
    x_api.delay("/2/tweets", 5, method="POST")
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    assert "no answer from X within 0.3 s" in str(caught.value)
    adapter.close()


def test_timeout_on_a_read_is_retryable(x_api: XApiEmulator) -> None:
    adapter = adapter_for(x_api, timeout=1)  # generous: the second call must be answered in time
    x_api.delay("/2/users/me", 10)
    with pytest.raises(PlatformError) as caught:
        adapter.check_credentials()
    assert caught.value.retryable is True
    assert not isinstance(caught.value, OutcomeUnknown)
    assert adapter.check_credentials().name == "@PMCPune"  # the next call is answered in time
    adapter.close()


def test_refused_connection_on_post_is_safely_retryable(x_api: XApiEmulator) -> None:
    url = x_api.url
    x_api.stop()  # nothing listens on the port now: the request never left
    config = load_config(ROOT, environ={"PMCPOST_TWITTER_API_URL": url})
    environ = {
        "PMCPOST_TWITTER_CONSUMER_KEY": CONSUMER_KEY,
        "PMCPOST_TWITTER_CONSUMER_SECRET": CONSUMER_SECRET,
        "PMCPOST_TWITTER_ACCESS_TOKEN": ACCESS_TOKEN,
        "PMCPOST_TWITTER_ACCESS_TOKEN_SECRET": ACCESS_TOKEN_SECRET,
    }
    adapter = TwitterPlatform(config.platforms["twitter"], config, environ)
    with pytest.raises(PlatformError) as caught:
        adapter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    assert caught.value.retryable is True
    assert not isinstance(caught.value, OutcomeUnknown)


def test_secrets_never_appear_in_errors_or_repr(x_api: XApiEmulator) -> None:
    adapter = adapter_for(x_api)
    assert_no_secret(repr(adapter))
    assert_no_secret(str(adapter))
    errors: list[BaseException] = []
    x_api.fail("/2/tweets", 401, method="POST")
    x_api.fail("/2/tweets", 403, method="POST")
    x_api.fail("/2/tweets", 500, method="POST")
    x_api.rate_limit("/2/tweets", reset_at=1796200000)
    for _ in range(4):
        with pytest.raises(Exception) as caught:
            adapter.post(make_message(Part(EN_TEXT, "en")), 0, None)
        errors.append(caught.value)
    assert [type(e) for e in errors] == [CredentialsError, PlatformError, OutcomeUnknown, RateLimited]
    for error in errors:
        assert_no_secret(str(error))
        assert_no_secret(repr(error))
        assert error.__cause__ is None and error.__suppress_context__
    adapter.close()


def test_account_mismatch_is_a_credentials_error(x_api: XApiEmulator) -> None:
    config = make_config(x_api)
    settings = config.platforms["twitter"]
    settings = dataclasses.replace(settings, options={**settings.options, "account": "PuneCityPolice"})
    adapter = TwitterPlatform(settings, config, x_api.environ())
    with pytest.raises(CredentialsError) as caught:
        adapter.check_credentials()
    assert str(caught.value) == (
        "the X credentials in PMCPOST_TWITTER_CONSUMER_KEY, PMCPOST_TWITTER_CONSUMER_SECRET, "
        "PMCPOST_TWITTER_ACCESS_TOKEN, PMCPOST_TWITTER_ACCESS_TOKEN_SECRET belong to @PMCPune, "
        "but platforms.twitter.account is PuneCityPolice"
    )
    adapter.close()


def test_debug_logs_carry_no_secret(x_api: XApiEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    adapter = adapter_for(x_api)
    adapter.post(make_message(Part(EN_TEXT, "en")), 0, None)
    adapter.find_existing(make_message(Part(EN_TEXT, "en")), 0, datetime.now(timezone.utc) - timedelta(minutes=1))
    assert caplog.records  # tweepy and urllib3 did log at DEBUG
    assert_no_secret(caplog.text)
    adapter.close()
