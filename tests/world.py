"""The emulated world every publishing test runs in: a temporary content repository (git, the project's
config.yaml, sample announcements), each platform's emulator keyed by platform name, and the checks every
scenario ends with (``assert_exactly_once``).

A new platform plugs in with its emulator (a ``tests/emulator`` server with ``environ``, ``seen_posts`` and
``shows``) registered in ``EMULATORS`` (or, for a while, with ``register_emulator``): the ``world`` fixture
then runs it and ``assert_exactly_once`` checks it like the others. See docs/adding-a-platform.md.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

import pytest
from emulator.bluesky import APP_PASSWORD, BlueskyEmulator
from emulator.graph import PAGE_TOKEN, GraphEmulator
from emulator.http import SeenPost
from emulator.mastodon import TOKEN as MASTODON_TOKEN
from emulator.mastodon import MastodonEmulator
from emulator.meta import INSTAGRAM_TOKEN, THREADS_TOKEN, InstagramEmulator, ThreadsEmulator
from emulator.telegram import BOT_TOKEN, TelegramEmulator
from emulator.xapi import ACCESS_TOKEN, ACCESS_TOKEN_SECRET, CONSUMER_KEY, CONSUMER_SECRET, XApiEmulator

from pmcpost import publish_run
from pmcpost.audit import AuditLog, iter_entries, read_state
from pmcpost.audit_verify import verify_chain
from pmcpost.config import Config, load_config
from pmcpost.plan import Plan, build_plan
from pmcpost.platforms import Message
from pmcpost.platforms.registry import description
from pmcpost.publish import Outcome, PublishContext, Publisher
from pmcpost.render import Renderer
from pmcpost.validate import load_all

REPO = Path(__file__).resolve().parent.parent
IST = ZoneInfo("Asia/Kolkata")
# Every sample below is due and none has expired at this moment.
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=IST)
SECRETS: tuple[str, ...] = (CONSUMER_KEY, CONSUMER_SECRET, ACCESS_TOKEN, ACCESS_TOKEN_SECRET, PAGE_TOKEN)
SECRETS += (MASTODON_TOKEN, APP_PASSWORD, "jwt-SECRET-")  # Bluesky's session tokens all hold the last
SECRETS += (BOT_TOKEN,)
SECRETS += (INSTAGRAM_TOKEN, THREADS_TOKEN)

ROADS = "content/roads/2026-11-27-road-closure-karve-road.yaml"  # a 2-part thread on X, a feed post on Facebook
WATER = "content/water-supply/2026-12-01-shutdown-parvati-zone.yaml"  # a 4-part thread with a map; a photo post
WATER_IMAGE = "content/water-supply/images/shutdown-map.png"
CAMP = "content/health/2026-12-02-eye-camp.yaml"  # one post on X, a feed post with a link on Facebook
CAMP_TEXT = """\
coordinator: dr.sachin.patil
approved_by: manisha.joshi
kind: event
title:
  mr: "मोफत नेत्र तपासणी शिबिर"
  en: "Free eye check-up camp"
text:
  mr: "कसबा पेठ दवाखान्यात शनिवारी मोफत नेत्र तपासणी."
  en: "Free eye check-up at the Kasba Peth clinic on Saturday."
link: https://www.pmc.gov.in/en/health
hashtags: [PMCHealth]
publish_at: "2026-12-02 09:00"
expires_at: "2026-12-06 18:00"
"""
ALERT = "content/disaster-management/2026-12-02-flood-alert.yaml"
ALERT_TEXT = """\
coordinator: ganesh.sonune
approved_by: smita.kulkarni
kind: alert
freeze_exempt: true
title:
  mr: "मुठा नदीला पूर"
  en: "Flood in the Mutha river"
text:
  mr: "नदीकाठच्या नागरिकांनी सुरक्षित ठिकाणी जावे."
  en: "Residents along the river should move to safety."
hashtags: [PuneAlert]
publish_at: "2026-12-02 09:30"
expires_at: "2026-12-04 09:30"
"""


def quiet_git(root: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def make_content_repo(
    root: Path, files: Sequence[str] = (ROADS, CAMP), *, config_edit: Callable[[str], str] | None = None
) -> Path:
    """A git repository with the project's config.yaml and the chosen sample announcements, committed (by
    someone who is neither coordinator nor approver, so publish warns about it on stderr)."""
    root.mkdir(parents=True, exist_ok=True)
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    (root / "config.yaml").write_text(config_edit(text) if config_edit else text, encoding="utf-8")
    own = {CAMP: CAMP_TEXT, ALERT: ALERT_TEXT}
    for rel in files:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel in own:
            target.write_text(own[rel], encoding="utf-8")
        else:
            shutil.copyfile(REPO / rel, target)
        if rel == WATER:
            (root / WATER_IMAGE).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / WATER_IMAGE, root / WATER_IMAGE)
    quiet_git(root, "init", "-q", "-b", "main")
    quiet_git(root, "add", "-A")
    quiet_git(root, "commit", "-qm", "content")  # as the test identity conftest sets
    return root


class PlatformEmulator(Protocol):
    """What the world asks of a platform's emulator (tests/emulator/http.py's ``Emulator`` has each)."""

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> None: ...

    def environ(self) -> dict[str, str]: ...

    def seen_posts(self) -> list[SeenPost]: ...

    def shows(self, post: SeenPost, text: str) -> bool: ...


class SiteFolder:
    """The website "emulator": the records pmcpost keeps under website-records/, read back as posts."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __enter__(self) -> SiteFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def environ(self) -> dict[str, str]:
        return {}

    def seen_posts(self) -> list[SeenPost]:
        records = sorted((self.root / "website-records").glob("*/*.json"))
        data = [json.loads(p.read_bytes()) for p in records]
        return [SeenPost(r["id"], r["id"]) for r in data if not r.get("retracted")]

    def shows(self, post: SeenPost, text: str) -> bool:
        return (self.root / "public" / f"{post.id}.html").is_file()  # the whole announcement is its page


# Platform name -> how to make its emulator. A new platform adds its own (register_emulator), and the
# world fixture, emulator_env and assert_exactly_once then cover it.
EMULATORS: dict[str, Callable[[], PlatformEmulator]] = {"twitter": XApiEmulator, "facebook": GraphEmulator}
EMULATORS.update(mastodon=MastodonEmulator, bluesky=BlueskyEmulator)
EMULATORS["telegram"] = TelegramEmulator
EMULATORS["instagram"] = InstagramEmulator
EMULATORS["threads"] = ThreadsEmulator


@contextlib.contextmanager
def register_emulator(platform: str, make: Callable[[], PlatformEmulator]) -> Iterator[None]:
    """Worlds made inside the block also run ``platform``'s emulator."""
    EMULATORS[platform] = make
    try:
        yield
    finally:
        EMULATORS.pop(platform, None)


@dataclass
class World:
    """A content repository and the platforms' emulators by platform name; ``env`` is what pmcpost reads from
    the environment."""

    root: Path
    emulators: dict[str, PlatformEmulator]
    env: dict[str, str] = field(default_factory=dict)
    slept: list[float] = field(default_factory=list)

    @property
    def x(self) -> XApiEmulator:
        return cast(XApiEmulator, self.emulators["twitter"])

    @property
    def graph(self) -> GraphEmulator:
        return cast(GraphEmulator, self.emulators["facebook"])

    def emulator(self, platform: str) -> PlatformEmulator:
        """The platform's emulator (the website's is its output folder)."""
        return self.emulators.get(platform) or SiteFolder(self.root)

    def config(self, env: Mapping[str, str] | None = None) -> Config:
        return load_config(self.root, environ=self.env if env is None else env)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def publish(
        self,
        *,
        now: datetime = NOW,
        config: Config | None = None,
        env: Mapping[str, str] | None = None,
        wall_clock: Callable[[], float] = time.time,
        skip_without_credentials: bool = False,
        ledger_at_now: bool = False,
    ) -> tuple[Plan, list[Outcome]]:
        """Plan and post with the real Publisher, with a recording no-op sleep and the given clock (and, with
        ``ledger_at_now``, audit entries dated ``now``, for quotas that count the last 24 hours)."""
        env = self.env if env is None else env
        config = config or self.config(env)
        plan, _ = build_plan(config, [], now)
        ctx = PublishContext(
            config=config,
            log=AuditLog(config.audit_dir, clock=lambda: now) if ledger_at_now else AuditLog(config.audit_dir),
            environ=env,
            actor={"user": "tester"},
            sleep=self.sleep,
            wall_clock=wall_clock,
            skip_without_credentials=skip_without_credentials,
        )
        return plan, Publisher(ctx).run(plan)

    def run(self, *, env: Mapping[str, str] | None = None, **kwargs: object) -> int:
        """`pmcpost publish --yes` in-process (publish_run.run), as the CLI calls it."""
        env = self.env if env is None else env
        options: dict[str, object] = {
            "platforms": None,
            "now": NOW,
            "dry_run": False,
            "assume_yes": True,
            "wait": 0,
            "git_push": False,
            "skip_unconfigured": False,
            "environ": env,
        }
        options.update(kwargs)
        return publish_run.run(self.config(env), [], **options)  # type: ignore[arg-type]


def make_world(root: Path, **emulators: PlatformEmulator) -> World:
    """A World of running emulators given by platform name (twitter=x, facebook=graph); the environment points
    pmcpost at each of them."""
    return World(root, dict(emulators), emulator_env(*emulators.values()))


def emulator_env(*emulators: PlatformEmulator) -> dict[str, str]:
    """What pmcpost reads from the environment to reach these emulators."""
    env: dict[str, str] = {}
    for emulator in emulators:
        env.update(emulator.environ())
    return env


@pytest.fixture
def emulators() -> Iterator[tuple[XApiEmulator, GraphEmulator]]:
    with XApiEmulator() as x, GraphEmulator() as graph:
        yield x, graph


@contextlib.contextmanager
def emulated_world(
    root: Path, files: Sequence[str] = (ROADS, CAMP), *, config_edit: Callable[[str], str] | None = None
) -> Iterator[World]:
    """A content repository at ``root`` (make_content_repo) with every registered platform's emulator running."""
    with contextlib.ExitStack() as stack:
        running = {name: stack.enter_context(make()) for name, make in EMULATORS.items()}
        yield World(make_content_repo(root, files, config_edit=config_edit), running, emulator_env(*running.values()))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The project's config and two sample announcements, with every registered platform's emulator running."""
    with emulated_world(tmp_path / "repo") as made:
        yield made


def with_files(world: World, *files: str, config_edit: Callable[[str], str] | None = None) -> World:
    shutil.rmtree(world.root)
    make_content_repo(world.root, files, config_edit=config_edit)
    return world


# -- the checks every scenario ends with ----------------------------------------------------------------


def expected_messages(config: Config, platforms: Sequence[str] | None = None) -> dict[tuple[str, str], Message]:
    """What each announcement becomes on each enabled platform (of ``platforms``, when given)."""
    renderer = Renderer(config)
    out = {}
    for a in load_all(config).announcements:
        for platform in a.platforms:
            if (platforms is None or platform in platforms) and config.platforms[platform].enabled:
                out[(a.id, platform)] = renderer.render(a, platform)
    return out


def assert_exactly_once(world: World, *, config: Config | None = None, platforms: Sequence[str] | None = None) -> None:
    """Every announcement on every platform (or on ``platforms``) posted once, in order, as the ledger records
    and as each platform's emulator holds it; the chain intact."""
    config = config or world.config()
    platforms = list(platforms or config.enabled_platforms())
    state = read_state(config.audit_dir)
    ledger_ids = {r["id"] for rec in state.records.values() for r in rec.posted.values()}
    seen = {p: {post.id: post for post in world.emulator(p).seen_posts()} for p in config.enabled_platforms()}
    for posts in seen.values():
        # No duplicate texts on any platform, and nothing there that the ledger does not know.
        assert len({post.text for post in posts.values()}) == len(posts)
        assert set(posts) <= ledger_ids
    counted = dict.fromkeys(platforms, 0)
    for (aid, platform), message in expected_messages(config, platforms).items():
        rec = state.get(aid, platform)
        assert rec.complete, f"{aid} on {platform} is not completely posted: {rec}"
        assert not rec.pending
        assert rec.parts == len(message.parts)
        threads = description(platform).threads is not None
        previous = None
        for i, part in enumerate(message.parts):
            post = seen[platform][rec.posted[i]["id"]]
            assert world.emulator(platform).shows(post, part.text), (post, part.text)
            if threads:
                assert post.reply_to == previous
            previous = post.id
            counted[platform] += 1
    for platform in platforms:
        # One post per part: nothing more on the platform than what the announcements became.
        assert counted[platform] == len(seen[platform]), f"{platform} holds posts no announcement became"
    result = verify_chain(config.audit_dir, root=config.root)
    assert result.ok, [str(p) for p in result.problems]


def with_telegram(text: str) -> str:
    """config.yaml with the Telegram channel enabled and posted to by default."""
    text = text.replace("  telegram:\n", "  telegram:\n    enabled: true\n", 1).replace(
        "    enabled: false\n    channel:", "    channel:", 1
    )
    return text.replace(
        "default_platforms: [twitter, facebook, website]", "default_platforms: [twitter, facebook, telegram, website]"
    )


def audit_events(config: Config) -> list[dict[str, object]]:
    return [e for _, _, e in iter_entries(config.audit_dir)]


def assert_no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def all_files_text(folder: Path) -> str:
    if not folder.exists():
        return ""
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file())
