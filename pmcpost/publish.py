"""Posting exactly once: an fsynced intent before every network call, the outcome after it, and
reconciliation (looking the post up on the platform) for any intent an earlier run left without an outcome.

The ledger (pmcpost.audit) is the single source of truth for what went out. Retries happen only where they
cannot double-post: after a timeout or lost response on a create, the post is looked up first.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from pmcpost.audit import AuditLog, parse_time
from pmcpost.config import Config
from pmcpost.credentials import scrub
from pmcpost.errors import (
    CredentialsError,
    DuplicateContent,
    NotReady,
    OutcomeUnknown,
    PlatformError,
    PmcpostError,
    RateLimited,
)
from pmcpost.plan import Plan, PlanItem
from pmcpost.platforms import HandsOver, KeepsSteps, Message, Platform, RemotePost, ReportsQuota
from pmcpost.platforms.registry import description

MAX_ATTEMPTS = 4
# Wait for a rate-limit reset only when it is this near; otherwise leave the platform for a later run.
MAX_RATE_LIMIT_WAIT = 90.0
# How far before an old intent to look for the post it announced (clocks differ a little).
RECONCILE_MARGIN = timedelta(minutes=10)


@dataclass
class Outcome:
    """What happened to one plan item in this run."""

    item: PlanItem
    status: str  # posted, reconciled, failed, skipped, held, handed over (to post by hand)
    remotes: list[RemotePost] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("posted", "reconciled")


@dataclass
class PublishContext:
    """What a publish run needs besides the plan; tests pass their own clock, sleep and environment."""

    config: Config
    log: AuditLog
    environ: Mapping[str, str]
    actor: Mapping[str, str]
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    commits: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)  # content path -> sha, name, email
    skip_without_credentials: bool = False
    sleep: Callable[[float], None] = time.sleep
    wall_clock: Callable[[], float] = time.time
    factory: Callable[[str], Platform] | None = None
    on_progress: Callable[[Outcome], None] | None = None
    backoff: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # Plan.backoff
    proofs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # content path -> approval proof
    now: datetime | None = None  # the plan's time, which back-off steps count from (default: wall_clock)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Publisher:
    """Runs a plan against the platforms, writing the ledger as it goes."""

    def __init__(self, ctx: PublishContext) -> None:
        self.ctx = ctx
        self.adapters: dict[str, Platform] = {}
        self.stopped: dict[str, tuple[str, str]] = {}  # platform -> (status, reason) for the rest of the run
        self._fields: dict[int, tuple[PlanItem, dict[str, Any]]] = {}  # id(item) -> (item, its entries' fields)
        self._kinds: dict[tuple[str, type], bool] = {}  # (platform, optional protocol) -> its adapter has it
        self._shas: dict[tuple[int, int], tuple[Message, str]] = {}  # (id(message), part) -> (message, hash)
        self._credentials_checked: set[str] = set()  # platforms not skipped for want of credentials
        self._hand_posted: dict[str, bool] = {}  # platform -> posted by hand
        # (event, id(item), part) -> (item, the fields its entry starts from), for the posted entries
        self._prepared: dict[tuple[str, int, int | None], tuple[PlanItem, dict[str, Any]]] = {}

    # -- audit entries ---------------------------------------------------------------------------
    def entry(
        self,
        event: str,
        item: PlanItem,
        message: Message | None,
        part: int | None,
        *,
        durable: bool | None = None,
        **extra: Any,
    ) -> None:
        record = dict(self._entry_fields(event, item, message, part))
        if event == "failed":
            from pmcpost import backoff

            # one step further than the platform's (or this post's) failures in a row: the next run waits
            known = self.ctx.backoff.get(item.platform)
            previous = max(int(known["step"]) if known else 0, item.record.backoff_step)
            now = self.ctx.now or datetime.fromtimestamp(self.ctx.wall_clock(), timezone.utc)
            record.update(backoff.fields(previous, now))
        # error and reason carry platforms' words: never a secret into a log that is pushed to git
        record.update({k: scrub(v) if isinstance(v, str) else v for k, v in extra.items() if v is not None})
        # Only intents must reach the disk before the network call; see AuditLog.append.
        self.ctx.log.append(record, durable=event in ("intent", "retract-intent") if durable is None else durable)

    def _entry_fields(self, event: str, item: PlanItem, message: Message | None, part: int | None) -> dict[str, Any]:
        """What an entry of ``event`` about ``item`` (and part ``part`` of ``message``) says before its own
        details: the run, the announcement, its approval, the part and its text hash. A part's ``posted`` fields
        are made with its intent (prepare_outcome) and kept: that entry is written between two requests, where
        every microsecond keeps the platform waiting."""
        key = (event, id(item), part)
        found = self._prepared.get(key)
        if found is not None and found[0] is item:
            return found[1]
        a = item.announcement
        record: dict[str, Any] = {"event": event, **self._about(item)}
        proof = self.ctx.proofs.get(a.path)
        if proof is not None and event in ("intent", "posted", "reconciled"):
            record["approval_proof"] = dict(proof)
        if message is not None and part is not None:
            record["part"] = part
            record["parts"] = len(message.parts)
            record["text_sha256"] = self._text_sha256(message, part)
            key_for = description(item.platform).key_for(message, part) if event == "intent" else ""
            if key_for:  # the record key or idempotency key the create will carry, for settling a lost answer by hand
                record["post_key"] = key_for
            if event == "posted":
                self._prepared[key] = (item, record)  # the item is kept, so its id is not reused in this run
        return record

    def prepare_outcome(self, item: PlanItem, part: int) -> None:
        """Make the fields of part ``part``'s ``posted`` entry now (with its intent), not between two requests."""
        self._entry_fields("posted", item, item.message, part)

    def _about(self, item: PlanItem) -> dict[str, Any]:
        """What every entry of this run about ``item`` says of the run, the announcement and its commit (made
        once per item: a thread's or a Meta post's entries repeat it)."""
        key = id(item)
        if key not in self._fields:
            a = item.announcement
            about: dict[str, Any] = {
                "run": self.ctx.run_id,
                **item.audit_fields(self.ctx.config),
                "actor": dict(self.ctx.actor),
            }
            commit = self.ctx.commits.get(a.path)
            if commit:
                about["commit"], about["author"] = commit[0], {"name": commit[1], "email": commit[2]}
            self._fields[key] = (item, about)  # the item is kept, so its id is not reused in this run
        return self._fields[key][1]

    def _text_sha256(self, message: Message, part: int) -> str:
        """The part's text hash, worked out once (its intent and its outcome both carry it)."""
        key = (id(message), part)
        found = self._shas.get(key)
        if found is None or found[0] is not message:
            found = self._shas[key] = (message, sha256_text(message.parts[part].text))
        return found[1]

    # -- adapters --------------------------------------------------------------------------------
    def adapter(self, platform: str) -> Platform:
        if platform not in self.adapters:
            if self.ctx.factory is not None:
                self.adapters[platform] = self.ctx.factory(platform)
            else:
                from pmcpost.platforms.registry import create_platform

                self.adapters[platform] = create_platform(platform, self.ctx.config, self.ctx.environ)
        return self.adapters[platform]

    def _has(self, platform: str, adapter: Platform, protocol: type) -> bool:
        """``isinstance(adapter, protocol)``, asked once per platform and run: a protocol check costs
        microseconds, twice per post."""
        key = (platform, protocol)
        if key not in self._kinds:
            self._kinds[key] = isinstance(adapter, protocol)
        return self._kinds[key]

    def _by_hand(self, platform: str) -> bool:
        """Whether ``platform`` is posted by hand (handed over), asked once per platform and run."""
        found = self._hand_posted.get(platform)
        if found is None:
            found = self._hand_posted[platform] = description(platform).by_hand
        return found

    def close(self) -> None:
        for adapter in self.adapters.values():
            with contextlib.suppress(Exception):  # closing must never hide the run's real outcome
                adapter.close()

    def missing_credentials(self, platform: str) -> list[str]:
        settings = self.ctx.config.platforms[platform]
        return [var for var in settings.credentials.values() if not self.ctx.environ.get(var)]

    # -- the run ---------------------------------------------------------------------------------
    def write_intents(self, plan: Plan) -> int:
        """Record an intent for every part this run will post, made durable with one fsync before any
        post (and, with --git-push, pushed before any post). Parts left unattempted get a ``held`` outcome."""
        count = 0
        for item in plan.to_post:
            if item.message is None or self._skip_reason(item.platform):
                continue
            for i in range(len(item.message.parts)):
                if i in item.record.posted or i in item.record.pending:
                    continue
                self.entry("intent", item, item.message, i, durable=False)
                self.prepare_outcome(item, i)
                item.record.pending[i] = {"run": self.ctx.run_id}
                count += 1
        self.ctx.log.sync()
        return count

    def close_intents(self, item: PlanItem, reason: str) -> None:
        """Give this run's still-open intents of ``item`` an outcome, so no later run has to look them up."""
        for i, pending in sorted(item.record.pending.items()):
            if pending.get("run") == self.ctx.run_id:
                self.entry("held", item, item.message, i, reason=f"not attempted: {reason}")
        item.record.pending = {i: p for i, p in item.record.pending.items() if p.get("run") != self.ctx.run_id}

    def run(self, plan: Plan) -> list[Outcome]:
        outcomes: list[Outcome] = []
        if plan.frozen:
            record_freeze(self.ctx.log, plan, self.ctx.run_id, self.ctx.actor)
        try:
            with self.ctx.log.kept_open():  # two entries or more per post: the log file is opened once
                self.write_intents(plan)
                for item in plan.to_post:
                    outcome = self.publish_item(item)
                    outcomes.append(outcome)
                    if self.ctx.on_progress:
                        self.ctx.on_progress(outcome)
        finally:
            self.ctx.log.sync()
            self.close()
        return outcomes

    def _skip_reason(self, platform: str) -> str | None:
        if platform in self.stopped:
            return self.stopped[platform][1]
        if platform in self._credentials_checked:  # the environment of a run does not change: asked once
            return None
        missing = self.missing_credentials(platform)
        if missing and self.ctx.skip_without_credentials:
            reason = f"no credentials: set {', '.join(missing)} to post to {platform}"
            self.stopped[platform] = ("skipped", reason)
            return reason
        self._credentials_checked.add(platform)
        return None

    def publish_item(self, item: PlanItem) -> Outcome:
        message = item.message
        assert message is not None
        reason = self._skip_reason(item.platform)
        if reason:
            self.close_intents(item, reason)
            return Outcome(item, self.stopped[item.platform][0], error=reason)
        try:
            adapter = self.adapter(item.platform)
        except PmcpostError as exc:
            said = _said(exc)
            self.stopped[item.platform] = ("failed", said)
            self.entry("failed", item, None, None, error=said)
            self.close_intents(item, said)
            return Outcome(item, "failed", error=said)

        if self._by_hand(item.platform):
            return self.hand_over(adapter, item, message)
        remotes: list[RemotePost] = []
        reconciled = False
        reply_to: RemotePost | None = None
        for i in range(len(message.parts)):
            if i in item.record.posted:
                done = item.record.posted[i]
                reply_to = RemotePost(done["id"], done.get("url", ""))
                remotes.append(reply_to)
                continue
            if reply_to is not None and not reply_to.id:
                reason = (
                    f"part {i} went out but its id is unknown, so part {i + 1} cannot reply to it; post the rest "
                    "of the thread by hand, or retract the announcement"
                )
                self.close_intents(item, reason)
                return Outcome(item, "failed", remotes, reason)
            try:
                remote, how = self.post_part(adapter, item, message, i, reply_to)
            except _StopItem as stop:
                item.record.pending.pop(i, None)  # its outcome ("failed") is written
                self.close_intents(item, stop.reason)
                return Outcome(item, stop.status, remotes, stop.reason)
            item.record.pending.pop(i, None)
            reconciled = reconciled or how == "reconciled"
            remotes.append(remote)
            reply_to = remote
        return Outcome(item, "reconciled" if reconciled else "posted", remotes)

    def hand_over(self, adapter: Platform, item: PlanItem, message: Message) -> Outcome:
        """A platform posted by hand: write what to post, and leave the intents open until `pmcpost record`
        says it was posted (or not)."""
        for i in range(len(message.parts)):
            if i not in item.record.pending:
                self.entry("intent", item, message, i)
                item.record.pending[i] = {"run": self.ctx.run_id}
        try:
            if not isinstance(adapter, HandsOver):
                raise PlatformError(f"the {item.platform} adapter cannot hand posts over (it has no hand_over)")
            folder = adapter.hand_over(message)
        except PmcpostError as exc:
            for i in range(len(message.parts)):
                self.entry("failed", item, message, i, error=_said(exc))
                item.record.pending.pop(i, None)
            return Outcome(item, "failed", error=_said(exc))
        said = f"post it by hand from {folder}/, then: pmcpost record {item.id} --platform {item.platform} --url URL"
        return Outcome(item, "handed over", error=said)

    def post_part(
        self, adapter: Platform, item: PlanItem, message: Message, i: int, reply_to: RemotePost | None
    ) -> tuple[RemotePost, str]:
        pending = item.record.pending.get(i)
        if self._has(item.platform, adapter, KeepsSteps):
            steps = pending.get("steps") if pending is not None else None
            cast(KeepsSteps, adapter).resume(
                dict(steps) if isinstance(steps, dict) else {},
                lambda step: self.entry("step", item, message, i, steps=step, durable=True),
                self.ctx.sleep,
            )
        if pending is not None and pending.get("run") != self.ctx.run_id:
            # An earlier run announced this post and never recorded the outcome: look before posting.
            found = self.reconcile(adapter, item, message, i, pending)
            if found is not None:
                return found, "reconciled"
            pending = None
        if pending is None:
            self.entry("intent", item, message, i)
        attempt = 0
        while True:
            attempt += 1
            try:
                remote = adapter.post(message, i, reply_to)
            except RateLimited as exc:
                wait = None if exc.reset_at is None else exc.reset_at - self.ctx.wall_clock()
                if wait is not None and wait <= MAX_RATE_LIMIT_WAIT and attempt < MAX_ATTEMPTS:
                    self.ctx.sleep(max(wait, 0) + 1)
                    continue
                when = ""
                if exc.reset_at is not None:
                    when = f" until {datetime.fromtimestamp(exc.reset_at, timezone.utc):%H:%M} UTC"
                reason = f"{item.platform} rate limit reached{when}; the rest waits for a later run"
                self.entry("failed", item, message, i, error=reason)
                self.stopped[item.platform] = ("held", reason)
                raise _StopItem("held", reason) from None
            except NotReady as exc:
                # Nothing was sent (the image is not served yet): the next run tries again.
                reason = _said(exc)
                self.entry("held", item, message, i, reason=reason)
                raise _StopItem("held", reason) from None
            except OutcomeUnknown as exc:
                found = self.reconcile(adapter, item, message, i, None)
                if found is not None:
                    return found, "reconciled"
                if attempt >= MAX_ATTEMPTS:
                    # The post may still surface on the platform later: leave the intent open for the next
                    # run to look up again, rather than ever posting it a second time blindly.
                    self.fail(item, message, i, f"{_said(exc)} (gave up after {attempt} attempts)", unresolved=True)
                self.backoff(attempt)
            except DuplicateContent as exc:
                found, why = self.look_up(adapter, item, message, i, None)
                if found is not None:
                    return found, "reconciled"
                if why is not None:
                    # The account's posts cannot be read (X's free tier only writes), but the refusal of
                    # the repeat is itself the proof that this post went out: record it, id unknown.
                    self.entry(
                        "reconciled",
                        item,
                        message,
                        i,
                        remote={"id": "", "url": ""},
                        reason=f"{item.platform} refused a repeat, so this post went out earlier; its id could "
                        f"not be read ({why})",
                    )
                    return RemotePost("", ""), "reconciled"
                self.fail(
                    item,
                    message,
                    i,
                    f"{_said(exc)}; it was not found among the account's recent posts, so "
                    "check the account and record the post by hand",
                )
            except CredentialsError as exc:
                self.stopped[item.platform] = ("failed", _said(exc))
                self.fail(item, message, i, _said(exc))
            except PlatformError as exc:
                if exc.stop_platform:
                    self.stopped[item.platform] = ("failed", _said(exc))
                if exc.retryable and attempt < MAX_ATTEMPTS and not exc.stop_platform:
                    self.backoff(attempt)
                    continue
                self.fail(item, message, i, _said(exc))
            except PmcpostError as exc:  # e.g. a website template that does not render: nothing was published
                self.fail(item, message, i, _said(exc))
            except Exception as exc:
                # A bug in an adapter (ours or a plugin's) must not stop the other platforms. Whether the post
                # went out is unknown, so the intent stays open; the message names no value, which could
                # hold a secret.
                reason = (
                    f"unexpected {type(exc).__name__} in the {item.platform} adapter; {item.platform} is left alone "
                )
                reason += "for the rest of this run"
                self.stopped[item.platform] = ("failed", reason)
                self.fail(item, message, i, reason, unresolved=True)
            else:
                self.entry(
                    "posted",
                    item,
                    message,
                    i,
                    remote={"id": remote.id, "url": remote.url},
                    reply_to=reply_to.id if reply_to else None,
                )
                quota = self._has(item.platform, adapter, ReportsQuota)
                if quota and cast(ReportsQuota, adapter).remaining_today() == 0:
                    # The platform's daily allowance (X: x-user-limit-24hour-remaining) is used up: posting on
                    # would only collect 429s, so leave the rest for a later run.
                    self.stopped[item.platform] = ("held", f"{item.platform}'s 24-hour posting limit is used up")
                return remote, "posted"

    def look_up(
        self, adapter: Platform, item: PlanItem, message: Message, i: int, pending: Mapping[str, Any] | None
    ) -> tuple[RemotePost | None, str | None]:
        """Look for part ``i`` among the account's recent posts: (the post, None) when found and recorded,
        (None, None) when surely absent, (None, why) when the look-up itself failed."""
        if not description(item.platform).can_look_up:
            return None, f"{item.platform} cannot look up posts already made"
        start = datetime.fromtimestamp(self.ctx.wall_clock(), timezone.utc) - timedelta(days=1)
        try:
            if pending and isinstance(pending.get("time"), str):
                start = parse_time(pending["time"]) - RECONCILE_MARGIN
            found = adapter.find_existing(message, i, start)
        except PmcpostError as exc:
            return None, _said(exc)
        except Exception as exc:
            # A garbled answer or a bug in the adapter's look-up fails this look-up like any other platform
            # error, never the whole run; the message names no value, which could hold a secret.
            return None, f"unexpected {type(exc).__name__} in the {item.platform} adapter while looking the post up"
        if found is not None:
            self.entry("reconciled", item, message, i, remote={"id": found.id, "url": found.url})
        return found, None

    def reconcile(
        self, adapter: Platform, item: PlanItem, message: Message, i: int, pending: Mapping[str, Any] | None
    ) -> RemotePost | None:
        """The post when it already went out; None when it may be (re)sent. Sending again is safe when the
        look-up says it is absent, or when the platform refuses an exact repeat (X) and so cannot double-post."""
        found, why = self.look_up(adapter, item, message, i, pending)
        if found is not None or why is None or description(item.platform).rejects_duplicates:
            return found
        reason = (
            f"could not check whether part {i + 1} was already posted ({why}); not posting, to "
            "avoid a double post; the next run checks again"
        )
        spec = description(item.platform)
        if not spec.can_look_up:  # no later run can check either: a person looks, and records what they saw
            reason = (
                f"could not check whether part {i + 1} was already posted ({why}); not posting, to avoid a double "
                f"post; look at {spec.display_name}, then run pmcpost record {item.id} --platform {item.platform} "
                "--url URL (it is there) or --not-posted --reason TEXT (it is not)"
            )
        # "unresolved": the intent stays open in the ledger, so the next run looks again before posting.
        self.entry("failed", item, message, i, error=reason, unresolved=True)
        raise _StopItem("failed", reason)

    def fail(self, item: PlanItem, message: Message, i: int, reason: str, *, unresolved: bool = False) -> None:
        self.entry("failed", item, message, i, error=reason, unresolved=unresolved or None)
        raise _StopItem("failed", reason)

    def backoff(self, attempt: int) -> None:
        # Exponential backoff with full jitter: spreads retries when several jobs hit the same outage.
        self.ctx.sleep(random.uniform(0, min(2.0**attempt, 30.0)))


def _said(exc: BaseException) -> str:
    """An error as text for output and the audit log, with every known secret scrubbed."""
    return scrub(str(exc))


def record_freeze(log: AuditLog, plan: Plan, run_id: str, actor: Mapping[str, str]) -> bool:
    """A freeze goes into the ledger with what it held back, once: a run that would say the same as the last
    freeze entry writes nothing (and so commits nothing). True when an entry was written."""
    held = sorted(f"{i.id}/{i.platform}" for i in plan.with_status("frozen"))
    if plan.frozen_logged == held:
        return False
    log.append(
        {
            "event": "freeze",
            "run": run_id,
            "actor": dict(actor),
            "reason": f"freeze on: {len(held)} post(s) not made",
            "held": held,
        }
    )
    return True


class _StopItem(Exception):
    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
