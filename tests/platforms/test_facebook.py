"""The real Facebook adapter, through facebook-sdk and requests, against the local Graph API emulator."""

from __future__ import annotations

import dataclasses
import json
import logging
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from emulator.graph import PAGE_ID, PAGE_TOKEN, GraphEmulator, graph_api
from helpers import tiny_png

from pmcpost.config import Config, load_config
from pmcpost.content import Announcement
from pmcpost.errors import (
    CredentialsError,
    DuplicateContent,
    OutcomeUnknown,
    PlatformError,
    PmcpostError,
    RateLimited,
)
from pmcpost.platforms import Media, Message, Part, RemotePost
from pmcpost.platforms.facebook import FacebookPlatform
from pmcpost.platforms.registry import create_platform, description

__all__ = ["graph_api"]  # the fixture, imported so pytest finds it

REPO_ROOT = Path(__file__).resolve().parents[2]
VARIABLE = "PMCPOST_FACEBOOK_PAGE_TOKEN"
ENVIRON = {VARIABLE: PAGE_TOKEN}
EXPIRED = "the Facebook Page token has expired or is invalid; create a new one and set PMCPOST_FACEBOOK_PAGE_TOKEN"
TEXT = (
    "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.\n\n"
    "No water supply in Parvati on Thursday.\n\n"
    "https://www.pmc.gov.in/en/water-supply\n#PMCWater"
)
LINK = "https://www.pmc.gov.in/en/water-supply"
ALT = "पर्वती भागाचा नकाशा / Map of the Parvati area"
FIXED_NOW = 1_796_000_000.0


def announcement() -> Announcement:
    return Announcement(
        id="2026-12-01-shutdown",
        department="water-supply",
        path="content/water-supply/2026-12-01-shutdown.yaml",
        coordinator="anil.jadhav",
        approved_by="priya.shinde",
        kind="notice",
        title={"mr": "पाणीपुरवठा बंद", "en": "No water supply"},
        text={"mr": "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.", "en": "No water supply in Parvati on Thursday."},
        link=LINK,
        hashtags=("PMCWater",),
        media=(),
        publish_at=datetime(2026, 12, 1, 18, 0, tzinfo=ZoneInfo("Asia/Kolkata")),
        expires_at=None,
        platforms=("facebook",),
    )


def message(text: str = TEXT, *, link: str | None = LINK, media: tuple[Media, ...] = ()) -> Message:
    return Message("facebook", announcement(), (Part(text, "mr+en", media, link),))


def an_hour_ago() -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=1)


@pytest.fixture
def config(graph_api: GraphEmulator) -> Config:
    """The repository's own config.yaml, pointed at the emulator."""
    return load_config(REPO_ROOT, environ={"PMCPOST_FACEBOOK_API_URL": graph_api.url})


@pytest.fixture
def adapter(config: Config) -> Iterator[FacebookPlatform]:
    platform = FacebookPlatform(config.platforms["facebook"], config, ENVIRON, clock=lambda: FIXED_NOW)
    yield platform
    platform.close()


def with_settings(config: Config, **changes: object) -> FacebookPlatform:
    settings = dataclasses.replace(config.platforms["facebook"], **changes)  # type: ignore[arg-type]
    return FacebookPlatform(settings, config, ENVIRON)


# -- posting -------------------------------------------------------------------------------------------


def test_feed_post_with_link(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    remote = adapter.post(message(), 0, None)

    [post] = graph_api.live_posts()
    assert remote == RemotePost(post.id, f"https://www.facebook.com/{post.id}")
    assert post.id.startswith(f"{PAGE_ID}_")
    assert post.message == TEXT
    assert post.link == LINK
    assert post.photo is None
    # Meta's spelling of booleans, not Python's "True" (which the emulator refuses like a strict Graph).
    assert post.form["published"] == "true"
    [request] = graph_api.requests_to(f"/v25.0/{PAGE_ID}/feed", "POST")
    assert request.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert not graph_api.token_in_urls()
    assert "access_token" not in post.form


def test_photo_post_sends_image_caption_and_alt_text(
    adapter: FacebookPlatform, graph_api: GraphEmulator, tmp_path: Path
) -> None:
    image = tmp_path / "parvati-map.png"
    image.write_bytes(tiny_png(3, 2))
    text = "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.\n\nNo water supply in Parvati on Thursday."

    remote = adapter.post(message(text, media=(Media(image, ALT, "image/png"),)), 0, None)

    [post] = graph_api.live_posts()
    assert post.photo == tiny_png(3, 2)
    assert (post.photo_filename, post.photo_type) == ("parvati-map.png", "image/png")
    # A photo cannot carry a link attachment, so the link goes into the caption.
    assert post.message == f"{text}\n\n{LINK}"
    assert post.alt_text == ALT
    assert post.form["published"] == "true"
    # The post holding the photo, not the photo itself, is what we record and later delete.
    assert remote == RemotePost(post.id, f"https://www.facebook.com/{post.id}")
    assert remote.id != post.photo_id
    assert graph_api.requests_to(f"/v25.0/{PAGE_ID}/photos", "POST")


def test_unreadable_image_is_a_clear_error(adapter: FacebookPlatform, tmp_path: Path) -> None:
    media = (Media(tmp_path / "missing.png", ALT, "image/png"),)
    with pytest.raises(PlatformError) as caught:
        adapter.post(message(media=media), 0, None)
    assert str(caught.value) == "cannot read the image missing.png: No such file or directory"


def test_version_is_pinned_from_config(adapter: FacebookPlatform, graph_api: GraphEmulator, config: Config) -> None:
    adapter.check_credentials()
    adapter.post(message(), 0, None)
    other = with_settings(config, options={**config.platforms["facebook"].options, "api_version": "v24.0"})
    other.check_credentials()
    unpinned_options = {k: v for k, v in config.platforms["facebook"].options.items() if k != "api_version"}
    unpinned = with_settings(config, options=unpinned_options)
    unpinned.check_credentials()
    # Never facebook-sdk's own default (v2.8), which Meta would serve as its oldest live version.
    assert graph_api.versions_used() == ["v25.0", "v25.0", "v24.0", "v25.0"]


def test_a_facebook_message_is_one_post(adapter: FacebookPlatform) -> None:
    with pytest.raises(PlatformError) as caught:
        adapter.post(message(), 0, RemotePost("1_2", "https://www.facebook.com/1_2"))
    assert str(caught.value) == "a Facebook message is one post, but part 0 of 1 was asked for as a reply"


def test_duplicate_post(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    adapter.post(message(), 0, None)
    with pytest.raises(DuplicateContent) as caught:
        adapter.post(message(), 0, None)
    assert (
        str(caught.value) == "Facebook refused a duplicate post: (#506) Duplicate status message (code 506, HTTP 400)"
    )
    assert len(graph_api.live_posts()) == 1


# -- credentials ---------------------------------------------------------------------------------------


def test_check_credentials(adapter: FacebookPlatform) -> None:
    info = adapter.check_credentials()
    assert info.name == "Pune Municipal Corporation"
    assert info.details == {"id": PAGE_ID, "api_version": "v25.0"}


def test_token_of_another_page_is_refused(config: Config) -> None:
    with GraphEmulator(page_id="555000111222333", page_name="Some Other Page") as other:
        settings = dataclasses.replace(config.platforms["facebook"], api_url=other.url)
        platform = FacebookPlatform(settings, config, ENVIRON)
        with pytest.raises(CredentialsError) as caught:
            platform.check_credentials()
        platform.close()
    assert str(caught.value) == (
        "the token in PMCPOST_FACEBOOK_PAGE_TOKEN belongs to Some Other Page (555000111222333), "
        f"not the configured Page {PAGE_ID}; create a Page token for that Page"
    )


def test_missing_token_names_the_variable(config: Config) -> None:
    for environ in ({}, {VARIABLE: "  "}):
        with pytest.raises(CredentialsError) as caught:
            FacebookPlatform(config.platforms["facebook"], config, environ)
        assert str(caught.value) == (
            "the Facebook Page token is missing: set the environment variable PMCPOST_FACEBOOK_PAGE_TOKEN"
        )


def test_registry_builds_the_adapter(config: Config) -> None:
    platform = create_platform("facebook", config, ENVIRON)
    assert isinstance(platform, FacebookPlatform)
    assert (platform.name, description("facebook").needs_credentials) == ("facebook", True)
    platform.close()


def test_expired_token(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    graph_api.expire_token()
    for call in (lambda: adapter.post(message(), 0, None), adapter.check_credentials):
        with pytest.raises(CredentialsError) as caught:
            call()
        assert str(caught.value) == EXPIRED
    assert graph_api.live_posts() == []


def test_wrong_token(config: Config, graph_api: GraphEmulator) -> None:
    platform = FacebookPlatform(config.platforms["facebook"], config, {VARIABLE: "EAAnotTheRightToken"})
    with pytest.raises(CredentialsError) as caught:
        platform.check_credentials()
    assert str(caught.value) == EXPIRED
    platform.close()


# -- rate limits and server trouble --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "status", "text"),
    [
        (32, 403, "(#32) Page request limit reached"),
        (4, 403, "(#4) Application request limit reached"),
        (17, 400, "(#17) User request limit reached"),
        (613, 400, "(#613) Calls to this api have exceeded the rate limit."),
    ],
)
def test_rate_limit(adapter: FacebookPlatform, graph_api: GraphEmulator, code: int, status: int, text: str) -> None:
    graph_api.fail_graph(code, status=status)
    with pytest.raises(RateLimited) as caught:
        adapter.post(message(), 0, None)
    assert str(caught.value) == f"Facebook's rate limit is reached: {text} (code {code}, HTTP {status})"
    assert caught.value.reset_at is None  # x-app-usage alone says nothing about when it lifts
    assert caught.value.stop_platform
    assert not caught.value.retryable
    assert graph_api.live_posts() == []


def test_rate_limit_reset_from_business_usage_header(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    usage = {PAGE_ID: [{"type": "pages", "call_count": 100, "total_time": 25, "estimated_time_to_regain_access": 15}]}
    graph_api.fail_graph(80001, status=400, headers={"x-business-use-case-usage": json.dumps(usage)})
    with pytest.raises(RateLimited) as caught:
        adapter.check_credentials()
    assert caught.value.reset_at == FIXED_NOW + 15 * 60


def test_transient_error_on_a_read_is_retryable(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    graph_api.fail_graph(2)
    with pytest.raises(PlatformError) as caught:
        adapter.check_credentials()
    assert not isinstance(caught.value, OutcomeUnknown)
    assert caught.value.retryable
    assert str(caught.value) == (
        "Facebook failed to check the Page token: An unexpected error has occurred. "
        "Please retry your request later. (code 2, HTTP 500)"
    )
    assert adapter.check_credentials().name == "Pune Municipal Corporation"


def test_server_error_on_a_create_is_ambiguous(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    graph_api.fail(f"/v25.0/{PAGE_ID}/feed", 503, method="POST")
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.post(message(), 0, None)
    assert not caught.value.retryable  # the publisher must look (find_existing) before posting again


def test_non_json_error_body(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    graph_api.fail_raw(502, b"<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(PlatformError) as caught:
        adapter.check_credentials()
    assert str(caught.value) == (
        "Facebook answered HTTP 502 with text/html; charset=utf-8 instead of JSON while we tried to "
        "check the Page token: '<html><body>502 Bad Gateway</body></html>'"
    )
    assert caught.value.retryable
    graph_api.fail_raw(400, b"", content_type="text/plain")
    with pytest.raises(PlatformError) as caught:
        adapter.check_credentials()
    assert str(caught.value) == (
        "Facebook answered HTTP 400 with text/plain instead of JSON while we tried to check the Page token"
    )
    assert not caught.value.retryable


def test_lost_response_then_find_existing(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    graph_api.lose_response(f"/v25.0/{PAGE_ID}/feed", method="POST")
    since = an_hour_ago()
    with pytest.raises(OutcomeUnknown) as caught:
        adapter.post(message(), 0, None)
    assert str(caught.value) == (
        "the connection to Facebook broke while we tried to create the post; the post may or may not exist"
    )
    [post] = graph_api.live_posts()  # it was made, only the answer was lost

    found = adapter.find_existing(message(), 0, since)
    assert found == RemotePost(post.id, f"https://www.facebook.com/{PAGE_ID}/posts/{post.id.split('_')[1]}")
    [read] = graph_api.requests_to(f"/v25.0/{PAGE_ID}/posts", "GET")
    assert read.param("fields") == "id,message,created_time,permalink_url"
    assert read.param("since") == str(int(since.timestamp()))


def test_find_existing(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    since = an_hour_ago()
    assert adapter.find_existing(message(), 0, since) is None
    posted = adapter.post(message(), 0, None)
    adapter.post(message("Another announcement"), 0, None)
    # Facebook may tidy whitespace; the comparison does too.
    respaced = message(TEXT.replace("\n\n", "\n \n").replace(" supply", "  supply"))
    found = adapter.find_existing(respaced, 0, since)
    assert found is not None
    assert found.id == posted.id
    assert adapter.find_existing(message("Never posted"), 0, since) is None
    assert adapter.find_existing(message(), 0, datetime.now(timezone.utc) + timedelta(hours=1)) is None


def test_find_existing_pages_through_the_feed(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    since = an_hour_ago()
    graph_api.add_post("जुनी सूचना / An old notice", created_time=since - timedelta(minutes=5))
    first = adapter.post(message("पहिली सूचना / First notice"), 0, None)
    for n in range(150):
        graph_api.add_post(f"Notice {n}")
    found = adapter.find_existing(message("पहिली सूचना / First notice"), 0, since)
    assert found is not None
    assert found.id == first.id
    assert len(graph_api.requests_to(f"/v25.0/{PAGE_ID}/posts", "GET")) == 2  # 100 a page, newest first
    assert adapter.find_existing(message("जुनी सूचना / An old notice"), 0, since) is None


def test_timeout_on_a_create_is_ambiguous(config: Config, graph_api: GraphEmulator) -> None:
    platform = with_settings(config, timeout=0.3)
    graph_api.delay(f"/v25.0/{PAGE_ID}/feed", 5, method="POST")
    # Were the timeout not passed on, the emulator would answer after 5 s and post() would succeed.
    with pytest.raises(OutcomeUnknown) as caught:
        platform.post(message(), 0, None)
    assert str(caught.value) == (
        "Facebook did not answer within 0.3 s while we tried to create the post; the post may or may not exist"
    )
    platform.close()


def test_timeout_on_a_read_is_retryable(config: Config, graph_api: GraphEmulator) -> None:
    platform = with_settings(config, timeout=0.3)
    graph_api.delay("/v25.0/me", 5)
    with pytest.raises(PlatformError) as caught:
        platform.check_credentials()
    assert not isinstance(caught.value, OutcomeUnknown)
    assert caught.value.retryable
    assert str(caught.value) == "could not check the Page token: Facebook did not answer within 0.3 s"
    platform.close()


def test_refused_connection_is_safe_to_retry(config: Config) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    platform = with_settings(config, api_url=f"http://127.0.0.1:{port}")
    with pytest.raises(PlatformError) as caught:
        platform.post(message(), 0, None)
    assert not isinstance(caught.value, OutcomeUnknown)  # nothing was sent, so nothing was posted
    assert caught.value.retryable
    assert str(caught.value) == f"could not create the post: cannot connect to http://127.0.0.1:{port}"
    platform.close()


# -- deleting ------------------------------------------------------------------------------------------


def test_delete(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    remote = adapter.post(message(), 0, None)
    adapter.delete(remote.id, "posted by mistake")
    assert graph_api.live_posts() == []
    assert graph_api.requests_to(f"/v25.0/{remote.id}", "DELETE")
    adapter.delete(remote.id, "posted by mistake")  # already gone: nothing to do


def test_delete_with_expired_token(adapter: FacebookPlatform, graph_api: GraphEmulator) -> None:
    remote = adapter.post(message(), 0, None)
    graph_api.expire_token()
    with pytest.raises(CredentialsError):
        adapter.delete(remote.id, "posted by mistake")
    assert len(graph_api.live_posts()) == 1


# -- the token never leaks -----------------------------------------------------------------------------


def test_token_never_appears_in_errors_reprs_or_logs(
    adapter: FacebookPlatform, graph_api: GraphEmulator, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs every URL at DEBUG
    errors: list[PmcpostError] = []

    def collect(call: object) -> None:
        with pytest.raises(PmcpostError) as caught:
            call()  # type: ignore[operator]
        errors.append(caught.value)

    adapter.check_credentials()
    adapter.post(message(), 0, None)
    adapter.find_existing(message(), 0, an_hour_ago())
    # A server that echoes the token back, in JSON and in an HTML page.
    graph_api.fail_graph(100, message=f"Invalid parameter near access_token={PAGE_TOKEN}")
    collect(adapter.check_credentials)
    graph_api.fail_raw(500, f"<p>GET /v25.0/me?access_token={PAGE_TOKEN}</p>".encode())
    collect(adapter.check_credentials)
    graph_api.fail_graph(32, message=f"(#32) Page request limit reached for token {PAGE_TOKEN}")
    collect(lambda: adapter.post(message("x"), 0, None))
    graph_api.lose_response("*", method="POST")
    collect(lambda: adapter.post(message("y"), 0, None))
    slow = with_settings(config, timeout=0.3)
    graph_api.delay("*", 5)
    collect(slow.check_credentials)
    slow.close()
    graph_api.expire_token()
    collect(lambda: adapter.delete("1_2", "test"))

    assert len(errors) == 6
    for error in errors:
        assert PAGE_TOKEN not in str(error)
        assert PAGE_TOKEN not in repr(error)
        assert error.__cause__ is None
        assert error.__suppress_context__  # tracebacks do not show the requests exception with its URL
    assert "[hidden]" in str(errors[0])
    assert PAGE_TOKEN not in repr(adapter)
    assert repr(adapter) == (
        f"FacebookPlatform(page_id='{PAGE_ID}', api_url='{graph_api.url}', version='v25.0', "
        "token=$PMCPOST_FACEBOOK_PAGE_TOKEN)"
    )
    assert "127.0.0.1" in caplog.text  # the logs were captured
    assert PAGE_TOKEN not in caplog.text
    assert not graph_api.token_in_urls()
