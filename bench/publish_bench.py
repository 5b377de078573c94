"""Benchmark `pmcpost publish` against bare posting loops with the same clients, each against the local API
emulators, in three sections:

1. X, Facebook, Threads and Instagram: 200 single-post announcements for X, Facebook and Threads and as many
   with a photo for Instagram; the bare loop posts the same texts with tweepy.Client.create_tweet,
   facebook.GraphAPI.put_object and Meta's container flow (create, read the status, publish) with requests;
2. Mastodon and Bluesky: the same announcements; the bare loop makes the same requests (one instance read and
   one session, then one create per post);
3. Telegram alone: the bare loop calls sendMessage once per post.

The bare loops use the same sessions and timeouts as pmcpost; pmcpost runs in-process (publish_run.run, as
`publish --yes`), with its plan, lock, intents, fsyncs, checks and outcomes. Each section runs several rounds;
a round times the bare loop and pmcpost, which of the two goes first alternating from round to round, then,
in sections 2 and 3, the posting phase alone (the Publisher on a plan built beforehand). Every run has fresh
emulators, and every pmcpost run a fresh repository of its own (a second run on one would find everything
posted), built before any timing. A machine busy with other work thus slows both sides alike and no single
noisy sample decides: per-round figures are printed, and the ratio is of the medians (goal: at most 1.5), with
CPU seconds beside the wall-clock ones (this process's threads, the in-process emulators' included on both
sides, and the git processes pmcpost waits for). The client libraries are imported before timing; pmcpost's
first round also imports its publishing modules, an outlier the median leaves aside.

Usage: python bench/publish_bench.py [--count 200] [--rounds 5] [--section meta|fediverse|telegram] [--profile]
(--profile profiles the pmcpost runs, sorted by $SORT, default cumulative, showing $TOP rows, default 25).
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import cProfile
import gc
import io
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the emulators live with the tests
# Python as users run it (as in validate_bench): an installed pmcpost has its modules' bytecode, and so do the
# client libraries the bare loops use; a machine set never to write it (PYTHONDONTWRITEBYTECODE, as this
# one is) would compile every pmcpost module a run imports from source inside the timed run.
compileall.compile_dir(ROOT / "pmcpost", quiet=1)

from emulator.graph import PAGE_TOKEN, GraphEmulator  # noqa: E402
from emulator.meta import InstagramEmulator, MetaEmulator, ThreadsEmulator  # noqa: E402
from emulator.xapi import XApiEmulator  # noqa: E402

GOAL = 1.5
IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=IST)
DEPARTMENTS = [
    ("water-supply", "anil.jadhav", "priya.shinde", "पाणीपुरवठा", "Water supply"),
    ("roads", "vikas.more", "neha.kale", "रस्ते", "Roads"),
    ("health", "dr.sachin.patil", "manisha.joshi", "आरोग्य", "Health"),
    ("garden", "prakash.salunkhe", "asha.kadam", "उद्यान", "Gardens"),
]
ANNOUNCEMENT = """\
coordinator: {coordinator}
approved_by: {approver}
kind: notice
title:
  mr: "{mr_topic} सूचना क्रमांक {n}"
  en: "{en_topic} notice number {n}"
text:
  mr: "प्रभाग {n} मध्ये उद्या कामे सुरू राहतील."
  en: "Work continues in ward {n} tomorrow."
link: https://www.pmc.gov.in/en/notices/{n}
publish_at: "2026-12-01 {hour:02d}:{minute:02d}"
"""
WITH_THREADS = "platforms: [twitter, facebook, threads]\n"
PHOTO = """\
coordinator: {coordinator}
approved_by: {approver}
kind: notice
title:
  mr: "{mr_topic} छायाचित्र {n}"
  en: "{en_topic} photo {n}"
text:
  mr: "प्रभाग {n} मधील कामांचे छायाचित्र."
  en: "A photo of the works in ward {n}."
media:
  - path: content/photo.jpg
    alt: {{mr: "प्रभाग {n} मधील काम", en: "Works in ward {n}"}}
publish_at: "2026-12-01 {hour:02d}:{minute:02d}"
platforms: [instagram]
"""
PHOTO_PATH = "content/photo.jpg"


@dataclass(frozen=True)
class Took:
    """One timed run: wall-clock seconds, and CPU seconds of this process (every thread: the client and the
    in-process emulators alike) and of the processes it waited for (pmcpost's git)."""

    wall: float
    cpu: float


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Stopwatch:
    """Started after collecting earlier garbage (fresh_collector); ``stop()`` gives what the run took."""

    def __init__(self) -> None:
        fresh_collector()
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def stop(self) -> Took:
        return Took(time.perf_counter() - self.wall, _cpu() - self.cpu)


class Failed(Exception):
    """A run did not post what it should have; the benchmark stops with this message."""


def fresh_collector() -> None:
    """Before each timed run, bare or pmcpost: collect what earlier steps (another section, the plan built to
    learn the texts) left, so that a full collection their garbage makes due lands in neither run; each side
    still pays for the collections its own work causes."""
    gc.collect()


def make_repo(root: Path, count: int, image_url: str | None = None) -> None:
    """``count`` announcements for X and Facebook; with ``image_url`` (where the photos are served), also on
    Threads, and ``count`` photo announcements for Instagram."""
    config = (ROOT / "config.yaml").read_text(encoding="utf-8")
    config = config.replace("    daily_quota: 17", "").replace(
        "  website:\n    enabled: true", "  website:\n    enabled: false"
    )
    if image_url is not None:
        config = config.replace("    enabled: false                        # the professional", "    enabled: true #")
        config = config.replace("    enabled: false                        # README", "    enabled: true #")
        config = config.replace("https://raw.githubusercontent.com/pmc-pune/announcements/{commit}/{path}", image_url)
    (root / "config.yaml").write_text(config, encoding="utf-8")
    from PIL import Image

    (root / "content").mkdir()
    Image.new("RGB", (1080, 1080), (200, 120, 40)).save(root / PHOTO_PATH, "JPEG")
    for n in range(1, (count if image_url is None else 2 * count) + 1):
        slug, coordinator, approver, mr_topic, en_topic = DEPARTMENTS[n % len(DEPARTMENTS)]
        path = root / "content" / slug / f"2026-12-01-notice-{n:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            (ANNOUNCEMENT + (WITH_THREADS if image_url else "") if n <= count else PHOTO).format(
                n=n,
                coordinator=coordinator,
                approver=approver,
                mr_topic=mr_topic,
                en_topic=en_topic,
                hour=n % 10,
                minute=n % 60,
            ),
            encoding="utf-8",
        )
    env = dict(os.environ, GIT_AUTHOR_NAME="Anil Jadhav", GIT_AUTHOR_EMAIL="anil.jadhav@punecorporation.org")
    env |= {"GIT_COMMITTER_NAME": "Anil Jadhav", "GIT_COMMITTER_EMAIL": "anil.jadhav@punecorporation.org"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "notices"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env, capture_output=True)


def emulator_env(x: XApiEmulator, graph: GraphEmulator, *meta: MetaEmulator) -> dict[str, str]:
    env = x.environ() | {"PMCPOST_FACEBOOK_API_URL": graph.url, "PMCPOST_FACEBOOK_PAGE_TOKEN": PAGE_TOKEN}
    for emulator in meta:
        env |= emulator.environ()
    return env


class Images:
    """The public image host both runs use (the emulators fetch images from it, as Meta does)."""

    def __init__(self, root: Path) -> None:
        self.server = InstagramEmulator()  # its /public/ path serves files; nothing else is used
        self.root = root

    def __enter__(self) -> Images:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def serve(self) -> None:
        self.server.serve(PHOTO_PATH, (self.root / PHOTO_PATH).read_bytes())


def run_pmcpost(root: Path, env: dict[str, str]) -> tuple[Took, int]:
    from pmcpost import publish_run
    from pmcpost.config import load_config

    watch = Stopwatch()
    config = load_config(root, environ=env)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = publish_run.run(
            config,
            [],
            platforms=None,
            now=NOW,
            dry_run=False,
            assume_yes=True,
            wait=0,
            git_push=False,
            skip_unconfigured=False,
            environ=env,
        )
    return watch.stop(), code


def messages(root: Path, env: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """(platform, text, link) of every post, as pmcpost renders them."""
    from pmcpost.config import load_config
    from pmcpost.plan import build_plan

    config = load_config(root, environ=env)
    plan, _ = build_plan(config, [], NOW)
    out = []
    for item in plan.to_post:
        assert item.message is not None and len(item.message.parts) == 1, (item.id, item.platform)
        part = item.message.parts[0]
        out.append((item.platform, part.text, part.link))
    return out


def post_meta(session: object, emulator: MetaEmulator, version: str, text: str, image_url: str | None) -> None:
    """Meta's container flow at its barest: create, read the status, publish."""
    import requests

    assert isinstance(session, requests.Session)
    base = f"{emulator.url}/{version}"
    fields = {emulator.text_field: text}
    if image_url:
        fields["image_url"] = image_url
    else:
        fields["media_type"] = "TEXT"
    container = session.post(f"{base}/{emulator.user_id}/{emulator.create_edge}", data=fields, timeout=20).json()
    session.get(f"{base}/{container['id']}", params={"fields": emulator.status_field}, timeout=20).json()
    publish = f"{base}/{emulator.user_id}/{emulator.publish_edge}"
    session.post(publish, data={"creation_id": container["id"]}, timeout=20).json()


def run_bare(
    posts: list[tuple[str, str, str | None]],
    x: XApiEmulator,
    graph: GraphEmulator,
    ig: InstagramEmulator,
    th: ThreadsEmulator,
    image_url: str,
) -> Took:
    """The same posts with tweepy and facebook-sdk directly: the same sessions (base URL, timeout) pmcpost uses."""
    import facebook
    import tweepy

    from pmcpost.platforms.facebook import _GraphSession
    from pmcpost.platforms.http import RebasedSession
    from pmcpost.platforms.twitter import TWEEPY_HOST

    watch = Stopwatch()
    client = tweepy.Client(
        consumer_key=x.consumer_key,
        consumer_secret=x.consumer_secret,
        access_token=x.access_token,
        access_token_secret=x.access_token_secret,
    )
    client.session = RebasedSession(TWEEPY_HOST, x.url, 20.0)
    session = _GraphSession(graph.url, PAGE_TOKEN, 20.0)
    api = facebook.GraphAPI(access_token=PAGE_TOKEN, timeout=20, session=session)
    api.version = "v25.0"
    import requests

    sessions = {}
    for emulator in (ig, th):
        sessions[emulator.kind] = requests.Session()
        sessions[emulator.kind].headers["Authorization"] = f"Bearer {emulator.token}"
    for platform, text, link in posts:
        if platform == "twitter":
            client.create_tweet(text=text, user_auth=True)
        elif platform == "instagram":
            post_meta(sessions["instagram"], ig, "v25.0", text, image_url)
        elif platform == "threads":
            post_meta(sessions["threads"], th, "v1.0", text, None)
        else:
            args = {"message": text, "published": True}
            if link:
                args["link"] = link
            api.put_object(graph.page_id, "feed", **args)
    return watch.stop()


class Rounds:
    """One section's figures. Each round runs the bare loop and pmcpost, in turn first (so a drift in the machine's
    load over the rounds weighs on both alike), then the posting phase alone where measured; every run has its own
    fresh emulators and, for pmcpost, its own fresh repository. The ratio is of the medians, so no single noisy
    sample decides; CPU seconds are given too (they count the in-process emulators' work on both sides)."""

    def __init__(self, title: str, bare_label: str, profiler: cProfile.Profile | None) -> None:
        self.title, self.bare_label, self.profiler = title, bare_label, profiler
        self.bare: list[Took] = []
        self.ours: list[Took] = []
        self.posting: list[Took] = []
        print(title, flush=True)

    def round(
        self, bare: Callable[[], Took], ours: Callable[[], Took], posting: Callable[[], Took] | None = None
    ) -> None:
        """One round: ``bare`` and ``ours`` (profiled with --profile), which goes first alternating, then
        ``posting``; prints the round's figures."""
        first_bare = len(self.ours) % 2 == 0
        if first_bare:
            self.bare.append(bare())
        self.ours.append(self._profiled(ours))
        if not first_bare:
            self.bare.append(bare())
        line = f"  round {len(self.ours)}: bare {self.bare[-1].wall:.3f} s   pmcpost {self.ours[-1].wall:.3f} s"
        if posting is not None:
            self.posting.append(posting())
            line += f"   posting phase {self.posting[-1].wall:.3f} s"
        order = "" if first_bare else ", pmcpost first"
        print(f"{line}   (ratio {self.ours[-1].wall / self.bare[-1].wall:.2f}{order})", flush=True)

    def _profiled(self, run: Callable[[], Took]) -> Took:
        if self.profiler is None:
            return run()
        self.profiler.enable()
        try:
            return run()
        finally:
            self.profiler.disable()

    def conclude(self) -> None:
        """Prints the medians and their ratio."""

        def median(runs: list[Took]) -> Took:
            return Took(statistics.median(t.wall for t in runs), statistics.median(t.cpu for t in runs))

        bare, ours = median(self.bare), median(self.ours)
        print(f"  median {self.bare_label + ':':<44} {bare.wall:.3f} s (CPU {bare.cpu:.3f} s)")
        print(f"  median {'pmcpost publish --yes:':<44} {ours.wall:.3f} s (CPU {ours.cpu:.3f} s)")
        if self.posting:
            posting = median(self.posting)
            print(
                f"    of which posting (intents, sends, outcomes; plan built before): {posting.wall:.3f} s "
                f"(CPU {posting.cpu:.3f} s)"
            )
        ratio = ours.wall / bare.wall
        verdict = "ok" if ratio <= GOAL else "ABOVE GOAL"
        print(f"  ratio of medians: {ratio:.2f} (CPU {ours.cpu / bare.cpu:.2f}); goal <= {GOAL}: {verdict}")
        if self.posting:
            print(f"  posting-phase ratio: {posting.wall / bare.wall:.2f} (CPU {posting.cpu / bare.cpu:.2f})")


def new_repo(tmp: Path, name: str, count: int, image_url: str | None = None) -> Path:
    root = tmp / name
    root.mkdir()
    make_repo(root, count, image_url)
    return root


def bench_meta(args: argparse.Namespace, tmp: Path, profiler: cProfile.Profile | None) -> None:
    """X, Facebook, Threads and Instagram: pmcpost publish against tweepy, facebook-sdk and Meta's container flow."""
    images = Images(tmp / "meta-0")
    with images:
        template = images.server.image_url_template()
        # every pmcpost round gets a repository of its own (a second run on one would find everything posted),
        # built before any timing
        repos = [new_repo(tmp, f"meta-{n}", args.count, template) for n in range(args.rounds)]
        images.serve()
        image_url = template.format(path=PHOTO_PATH)
        with meta_emulators() as emulators:
            posts = messages(repos[0], emulator_env(*emulators))
        rounds = Rounds(
            f"{len(posts)} posts ({args.count} announcements on X, Facebook and Threads, {args.count} photos "
            "on Instagram)",
            "bare tweepy + facebook-sdk + container loop",
            profiler,
        )

        def bare() -> Took:
            with meta_emulators() as (x, graph, ig, th):
                took = run_bare(posts, x, graph, ig, th, image_url)
                assert _count(x, graph, ig, th) == len(posts)
            return took

        for root in repos:

            def ours(root: Path = root) -> Took:
                with meta_emulators() as (x, graph, ig, th):
                    took, code = run_pmcpost(root, emulator_env(x, graph, ig, th))
                    if code != 0 or _count(x, graph, ig, th) != len(posts):
                        raise Failed(f"pmcpost publish failed (exit {code}, {_count(x, graph, ig, th)} posts)")
                return took

            rounds.round(bare, ours)
    rounds.conclude()


@contextlib.contextmanager
def meta_emulators() -> Iterator[tuple[XApiEmulator, GraphEmulator, InstagramEmulator, ThreadsEmulator]]:
    with (
        XApiEmulator(daily_limit=10**9) as x,
        GraphEmulator() as graph,
        InstagramEmulator() as ig,
        ThreadsEmulator() as th,
    ):
        assert isinstance(x, XApiEmulator) and isinstance(graph, GraphEmulator)
        assert isinstance(ig, InstagramEmulator) and isinstance(th, ThreadsEmulator)
        ig.quota_total = th.quota_total = 10**6
        yield x, graph, ig, th


def fediverse_only(root: Path) -> None:
    """Mastodon and Bluesky on, X and Facebook off (left uncommitted in the working tree)."""
    import re

    config = (root / "config.yaml").read_text(encoding="utf-8")
    for name, on in (("twitter", "false"), ("facebook", "false"), ("mastodon", "true"), ("bluesky", "true")):
        config = re.sub(rf"(\n  {name}:\n(?:    #.*\n)*    enabled: )\w+", rf"\g<1>{on}", config, count=1)
    (root / "config.yaml").write_text(
        config.replace("default_platforms: [twitter, facebook, website]", "default_platforms: [mastodon, bluesky]"),
        encoding="utf-8",
    )


def bare_fediverse(posts: list[tuple[str, str, str | None]], url: str, token: str, bsky: str, password: str) -> Took:
    """One instance read and one session, then one create per post, through the sessions pmcpost uses."""
    from pmcpost.platforms.bluesky_spec import tid
    from pmcpost.platforms.restapi import JsonApi

    watch = Stopwatch()
    mastodon = JsonApi("Mastodon", url, 20.0)
    mastodon.session.headers["Authorization"] = f"Bearer {token}"
    bluesky = JsonApi("Bluesky", bsky, 20.0)
    mastodon.call("GET", "/api/v2/instance", "bench")
    session = bluesky.call(
        "POST",
        "/xrpc/com.atproto.server.createSession",
        "bench",
        json={"identifier": "pmcpune.bsky.social", "password": password},
    ).body
    auth = {"Authorization": f"Bearer {session['accessJwt']}"}
    for n, (platform, text, _) in enumerate(posts):
        if platform == "mastodon":
            mastodon.call(
                "POST",
                "/api/v1/statuses",
                "bench",
                creates=True,
                json={"status": text},
                headers={"Idempotency-Key": str(n)},
            )
        else:
            record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-12-01T00:00:00Z"}
            payload = {"repo": session["did"], "collection": "app.bsky.feed.post", "rkey": tid(n, 0), "record": record}
            bluesky.call(
                "POST", "/xrpc/com.atproto.repo.createRecord", "bench", creates=True, json=payload, headers=auth
            )
    return watch.stop()


def bench_fediverse(args: argparse.Namespace, tmp: Path, profiler: cProfile.Profile | None) -> None:
    """The same announcements on Mastodon and Bluesky only (X and Facebook off): pmcpost publish against a bare
    loop of the same requests, and the posting phase alone on a repository of its own."""
    from emulator.bluesky import BlueskyEmulator
    from emulator.mastodon import MastodonEmulator

    repos = []
    for n in range(args.rounds):
        for name in (f"fedi-{n}", f"fedi-posting-{n}"):
            repos.append(new_repo(tmp, name, args.count))
            fediverse_only(repos[-1])
    with MastodonEmulator() as m, BlueskyEmulator() as b:
        posts = messages(repos[0], m.environ() | b.environ())
    rounds = Rounds(
        f"\n{len(posts)} posts ({args.count} announcements on Mastodon and Bluesky)", "bare requests loop", profiler
    )

    def bare() -> Took:
        with MastodonEmulator() as m, BlueskyEmulator() as b:
            assert isinstance(m, MastodonEmulator) and isinstance(b, BlueskyEmulator)
            took = bare_fediverse(posts, m.url, m.token, b.url, b.password)
            assert len(m.seen_posts()) + len(b.seen_posts()) == len(posts)
        return took

    for root, again in zip(repos[::2], repos[1::2], strict=True):

        def ours(root: Path = root) -> Took:
            with MastodonEmulator() as m, BlueskyEmulator() as b:
                took, code = run_pmcpost(root, m.environ() | b.environ())
                made = len(m.seen_posts()) + len(b.seen_posts())
            if code != 0 or made != len(posts):
                raise Failed(f"pmcpost publish to Mastodon and Bluesky failed (exit {code}, {made} posts)")
            return took

        def posting(again: Path = again) -> Took:
            with MastodonEmulator() as m, BlueskyEmulator() as b:
                took = run_posting_phase(again, m.environ() | b.environ())
                assert len(m.seen_posts()) + len(b.seen_posts()) == len(posts)
            return took

        rounds.round(bare, ours, posting)
    rounds.conclude()


def telegram_only(text: str) -> str:
    for name in ("twitter", "facebook"):
        at = text.index(f"  {name}:\n")
        text = text[:at] + text[at:].replace("    enabled: true", "    enabled: false", 1)
    at = text.index("  telegram:\n")
    text = text[:at] + text[at:].replace("    enabled: false", "    enabled: true", 1)
    return text.replace("default_platforms: [twitter, facebook, website]", "default_platforms: [telegram]")


def make_telegram_repo(root: Path, count: int) -> None:
    """``count`` announcements for Telegram alone (X, Facebook and the website disabled), committed."""
    root.mkdir()
    make_repo(root, count)
    config = root / "config.yaml"
    config.write_text(telegram_only(config.read_text(encoding="utf-8")), encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "telegram only"], cwd=root, check=True, capture_output=True)


def bare_telegram(posts: list[tuple[str, str, str | None]], url: str, token: str, channel: str) -> Took:
    """sendMessage for each post through the session (base URL, timeout) pmcpost uses."""
    from pmcpost.platforms.http import RebasedSession

    watch = Stopwatch()
    session = RebasedSession(url, url, 20.0)
    for _, text, _ in posts:
        reply = session.post(f"{url}/bot{token}/sendMessage", json={"chat_id": channel, "text": text})
        assert reply.json()["ok"] is True
    return watch.stop()


def bench_telegram(args: argparse.Namespace, tmp: Path, profiler: cProfile.Profile | None) -> None:
    """Telegram alone: pmcpost publish against a bare requests loop calling sendMessage, and the posting phase
    alone on a repository of its own."""
    import requests  # noqa: F401  (imported before timing, as pmcpost's adapter imports it before posting)
    from emulator.telegram import CHANNEL, TelegramEmulator

    repos = []
    for n in range(args.rounds):
        for name in (f"telegram-{n}", f"telegram-posting-{n}"):
            repos.append(tmp / name)
            make_telegram_repo(repos[-1], args.count)
    with TelegramEmulator() as tg:
        posts = messages(repos[0], tg.environ())
    rounds = Rounds(
        f"\n{len(posts)} posts ({args.count} announcements on Telegram)", "bare requests sendMessage loop", profiler
    )

    def bare() -> Took:
        with TelegramEmulator() as tg:
            return bare_telegram(posts, tg.url, tg.token, CHANNEL)

    for root, again in zip(repos[::2], repos[1::2], strict=True):

        def ours(root: Path = root) -> Took:
            with TelegramEmulator() as tg:
                took, code = run_pmcpost(root, tg.environ())
                if code != 0 or len(tg.seen_posts()) != len(posts):
                    raise Failed(f"pmcpost publish to Telegram failed (exit {code}, {len(tg.seen_posts())} posts)")
            return took

        def posting(again: Path = again) -> Took:
            with TelegramEmulator() as tg:
                took = run_posting_phase(again, tg.environ())
                assert len(tg.seen_posts()) == len(posts)
            return took

        rounds.round(bare, ours, posting)
    rounds.conclude()


def run_posting_phase(root: Path, env: dict[str, str]) -> Took:
    """The Publisher alone (intents, fsyncs, sends, outcomes) on a plan built beforehand: what pmcpost adds per
    post, without reading and rendering the announcements."""
    from pmcpost.audit import AuditLog
    from pmcpost.config import load_config
    from pmcpost.plan import build_plan
    from pmcpost.publish import PublishContext, Publisher

    config = load_config(root, environ=env)
    plan, _ = build_plan(config, [], NOW)
    ctx = PublishContext(config=config, log=AuditLog(config.audit_dir), environ=env, actor={"user": "bench"})
    watch = Stopwatch()
    outcomes = Publisher(ctx).run(plan)
    took = watch.stop()
    assert all(o.ok for o in outcomes)
    return took


def _count(x: XApiEmulator, graph: GraphEmulator, *meta: MetaEmulator) -> int:
    return len(x.posts) + len(graph.posts) + sum(len(m.media) for m in meta)


SECTIONS = {"meta": bench_meta, "fediverse": bench_fediverse, "telegram": bench_telegram}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of both sides (default 5)")
    parser.add_argument(
        "--section", choices=[*SECTIONS, "all"], default="all", help="one section only (default: all three)"
    )
    parser.add_argument("--profile", action="store_true", help="Profile the pmcpost runs (cProfile, top 25).")
    args = parser.parse_args()
    profiler = cProfile.Profile() if args.profile else None
    print(f"{os.cpu_count()} cores; {args.rounds} rounds per section; load {os.getloadavg()[0]:.2f}")
    try:
        for name, section in SECTIONS.items():
            if args.section in (name, "all"):
                with tempfile.TemporaryDirectory(prefix="pmcpost-bench-") as tmp:
                    section(args, Path(tmp), profiler)
    except Failed as exc:
        print(exc)
        return 1
    if profiler is not None:
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("TOP", "25"))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
