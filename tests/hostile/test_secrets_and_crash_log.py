"""Hostile input: credentials of the wrong form, platforms that echo secrets back in their errors, a
reconciliation look-up that gets garbage, and crashes. No secret reaches output, the audit log or a crash
log in any form (raw, quoted, URL-encoded, base64); one platform's trouble never stops the others."""

from __future__ import annotations

import base64
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click
import pytest
from click.testing import CliRunner
from emulator.graph import PAGE_TOKEN, GraphEmulator
from emulator.http import Reply, Request
from emulator.xapi import ACCESS_TOKEN, ACCESS_TOKEN_SECRET, CONSUMER_KEY, CONSUMER_SECRET, XApiEmulator
from world import NOW, World, all_files_text, emulators, make_world, world

from pmcpost import doctor
from pmcpost.audit import AuditLog, iter_entries, read_state
from pmcpost.cli import PmcpostGroup, cli
from pmcpost.credentials import HIDDEN, read_credential, remember, scrub
from pmcpost.errors import CredentialsError
from pmcpost.plan import build_plan
from pmcpost.publish import PublishContext, Publisher

__all__ = ["emulators", "world"]  # the fixtures, imported so pytest finds them

FB_VARIABLE = "PMCPOST_FACEBOOK_PAGE_TOKEN"
X_VARIABLES = {
    "PMCPOST_TWITTER_CONSUMER_KEY": CONSUMER_KEY,
    "PMCPOST_TWITTER_CONSUMER_SECRET": CONSUMER_SECRET,
    "PMCPOST_TWITTER_ACCESS_TOKEN": ACCESS_TOKEN,
    "PMCPOST_TWITTER_ACCESS_TOKEN_SECRET": ACCESS_TOKEN_SECRET,
}
BAD_FORM = (
    f"{FB_VARIABLE} does not hold a usable credential: it must be printable ASCII without spaces or line breaks; "
    "set it again from the platform's developer page"
)


def every_form(secret: str) -> list[str]:
    """The secret as it could leak: raw, each half (a line break splits it), repr- and JSON-quoted,
    URL-encoded, base64."""
    forms = [secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], quote(secret, safe=""), quote(secret)]
    forms += [base64.b64encode(secret.encode()).decode().rstrip("=")]
    forms += [half for half in secret.replace("€", "\n").split("\n") if len(half) > 8]
    return forms


def assert_hidden(secret: str, *texts: str) -> None:
    for text in texts:
        for form in every_form(secret):
            assert form not in text, f"{form!r} leaked"


def audit_text(root: Path) -> str:
    return all_files_text(root / "audit")


# -- the form of a credential ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["EAAPmc\nTestPageToken0Zx9Qw7Rt5Yu3Io1Pa8Sd6", "EAAPmc€TestPageToken0Zx9Qw7Rt5Yu3"])
def test_a_token_of_the_wrong_form_is_named_by_its_variable_only(bad: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        read_credential({FB_VARIABLE: bad}, FB_VARIABLE)
    assert str(caught.value) == BAD_FORM


def test_a_pasted_trailing_newline_is_still_fine() -> None:
    assert read_credential({FB_VARIABLE: PAGE_TOKEN + "\n"}, FB_VARIABLE) == PAGE_TOKEN


@pytest.mark.parametrize(
    "bad", [PAGE_TOKEN + "\nX-Injected: 1", PAGE_TOKEN[:20] + "€" + PAGE_TOKEN[20:], PAGE_TOKEN[:20] + " " + PAGE_TOKEN]
)
def test_facebook_token_of_the_wrong_form_in_doctor_publish_and_audit(
    world: World, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = world.env | {FB_VARIABLE: bad}
    results = {c.area: c for c in doctor.checks(world.root, offline=False, environ=env)}
    assert (results["facebook"].ok, results["facebook"].message) == (False, BAD_FORM)
    assert results["twitter"].ok is True

    assert world.run(env=env) == 1  # not 3: a user's mistake, reported plainly
    out, err = capsys.readouterr()
    assert BAD_FORM in out
    assert_hidden(bad, out, err, audit_text(world.root))
    failed = [e for _, _, e in iter_entries(world.root / "audit") if e["event"] == "failed"]
    assert {e["platform"] for e in failed} == {"facebook"} and {e["error"] for e in failed} == {BAD_FORM}
    assert world.graph.requests == []  # nothing was sent with it
    assert len(world.x.live_posts()) == 3  # the other platforms still posted (a 2-part thread and one post)


@pytest.mark.parametrize("variable", sorted(X_VARIABLES))
def test_x_secret_with_a_line_break_fails_x_only(world: World, variable: str) -> None:
    bad = X_VARIABLES[variable][:6] + "\r\n" + X_VARIABLES[variable][6:]
    env = world.env | {variable: bad}
    results = {c.area: c for c in doctor.checks(world.root, offline=False, environ=env)}
    assert results["twitter"].message == BAD_FORM.replace(FB_VARIABLE, variable)
    _, outcomes = world.publish(env=env)
    assert {o.item.platform for o in outcomes if o.status == "failed"} == {"twitter"}
    assert all(o.ok for o in outcomes if o.item.platform != "twitter")
    assert world.x.requests == []
    assert_hidden(bad, audit_text(world.root), *(o.error or "" for o in outcomes))


def test_doctor_on_the_command_line_with_a_broken_token(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = PAGE_TOKEN + "\nX-Injected: 1"
    for name, value in (world.env | {FB_VARIABLE: bad}).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["--root", str(world.root), "doctor"])
    assert result.exit_code == 1
    assert "does not hold a usable credential" in result.stdout
    assert_hidden(bad, result.stdout, result.stderr)


# -- platforms that echo secrets back -------------------------------------------------------------------


class EchoingX(XApiEmulator):
    """A broken X (or a proxy in front of it) that quotes the request's Authorization header in its error."""

    def handle(self, request: Request) -> Reply:
        if request.path == "/2/tweets" and request.method == "POST":
            header = request.headers.get("authorization", "")
            basic = base64.b64encode(f"{CONSUMER_KEY}:{CONSUMER_SECRET}".encode()).decode()
            detail = f"bad request {header!r}; tried Basic {basic}; token {ACCESS_TOKEN_SECRET}"
            return Reply.json(400, {"title": "Invalid Request", "detail": detail, "status": 400})
        return super().handle(request)


def test_x_errors_echoing_the_signed_header_and_basic_auth_are_scrubbed(tmp_path: Path) -> None:
    from world import make_content_repo

    with EchoingX() as x, GraphEmulator() as graph:
        w = make_world(make_content_repo(tmp_path / "repo"), twitter=x, facebook=graph)
        _, outcomes = w.publish()
        errors = [o.error or "" for o in outcomes if o.item.platform == "twitter"]
        assert errors and all(e.startswith("X refused the request while posting part 1") for e in errors)
        assert all(HIDDEN in e for e in errors)
        for secret in X_VARIABLES.values():
            assert_hidden(secret, *errors, audit_text(w.root))
        assert all(o.ok for o in outcomes if o.item.platform != "twitter")


def test_facebook_errors_echoing_the_token_in_every_form_are_scrubbed(world: World) -> None:
    basic = base64.b64encode(f"page:{PAGE_TOKEN}".encode()).decode()
    echoed = " ".join([PAGE_TOKEN, quote(PAGE_TOKEN), basic, repr(PAGE_TOKEN)])
    world.graph.fail_graph(100, message=f"(#100) Invalid parameter: {echoed}", path="*/feed", times=5)
    _, outcomes = world.publish()
    errors = [o.error or "" for o in outcomes if o.item.platform == "facebook"]
    refused = "Facebook refused to create the post: (#100) Invalid parameter:"
    assert errors and all(e.startswith(refused) for e in errors)
    assert_hidden(PAGE_TOKEN, *errors, audit_text(world.root))
    assert basic not in audit_text(world.root) and all(basic not in e for e in errors)


def test_scrub_hides_every_form() -> None:
    secret = "tok\nen€-Secret/+=1"
    remember([secret])
    text = " | ".join(
        [
            secret,
            repr(secret),
            json.dumps(secret),
            quote(secret, safe=""),
            quote(secret),
            base64.b64encode(secret.encode()).decode(),
            base64.b64encode(f"user:{secret}".encode()).decode(),
            repr(secret.encode()),
        ]
    )
    cleaned = scrub(text)
    assert "tok" not in cleaned and "Secret" not in cleaned
    assert cleaned.count(HIDDEN) == 8


# -- reconciliation that gets garbage back -----------------------------------------------------------------


def test_a_failing_look_up_of_an_earlier_post_fails_that_platform_only(world: World) -> None:
    """An intent left open on Facebook; the Page's posts come back garbled. The run goes on: Facebook's item
    fails and stays open for the next run, X and the website post."""
    config = world.config()
    plan, _ = build_plan(config, [], NOW)
    item = next(i for i in plan.to_post if i.platform == "facebook")
    crashed = Publisher(PublishContext(config=config, log=AuditLog(config.audit_dir), environ=world.env, actor={}))
    crashed.entry("intent", item, item.message, 0)
    original = world.graph.handle

    def garbled(request: Request) -> Reply:
        if request.method == "GET" and request.path.endswith("/posts"):
            return Reply.json(200, {"data": [], "paging": ["not", "an", "object"]})
        return original(request)

    world.graph.handle = garbled  # type: ignore[method-assign]
    _, outcomes = world.publish()
    failed = [o for o in outcomes if o.status == "failed"]
    assert [(o.item.id, o.item.platform) for o in failed] == [(item.id, "facebook")]
    assert failed[0].error == (
        "could not check whether part 1 was already posted (unexpected AttributeError in the facebook adapter "
        "while looking the post up); not posting, to avoid a double post; the next run checks again"
    )
    assert all(o.ok for o in outcomes if o not in failed)
    assert len(world.x.live_posts()) == 3
    assert [p.message for p in world.graph.live_posts()] != []  # the other announcement reached Facebook
    assert read_state(config.audit_dir).get(item.id, "facebook").pending  # looked up again next time


# -- the crash log ----------------------------------------------------------------------------------------------


def crashing_group() -> click.Group:
    group = PmcpostGroup()

    @group.command()
    def boom() -> None:
        # as requests words a bad header: the secret repr-quoted inside the exception text
        raise ValueError(f"Invalid header value: 'Bearer {PAGE_TOKEN}\\n'")

    return group


def crash(tmp: Path) -> tuple[Any, Path]:
    result = CliRunner().invoke(crashing_group(), ["boom"])
    assert result.exit_code == 3
    prefix = "pmcpost: internal error (ValueError); details in "
    assert result.stderr.startswith(prefix)
    assert result.stderr.endswith(". Please report it to the social media cell.\n")
    path = Path(result.stderr[len(prefix) :].split(". Please report")[0])
    assert path.parent == tmp and path.name.startswith("pmcpost-crash-")
    return result, path


def test_crash_logs_are_new_private_files_without_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile reads TMPDIR again
    remember([PAGE_TOKEN])
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (tmp_path / "pmcpost-crash.log").symlink_to(victim)  # the old fixed name, planted by another user

    _, first = crash(tmp_path)
    _, second = crash(tmp_path)
    assert first != second
    assert victim.read_text() == "keep me\n"
    for log in (first, second):
        assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
        assert not log.is_symlink()
        text = log.read_text(encoding="utf-8")
        assert "Traceback" in text and "ValueError: Invalid header value: 'Bearer [hidden]\\n'" in text
        assert_hidden(PAGE_TOKEN, text)
