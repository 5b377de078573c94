"""Signed audit entries: the publishing job signs, `audit verify` checks, `publish` trusts only signed claims when
signatures are required, keys rotate, and the private key is never shown."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from emulator.graph import GraphEmulator
from emulator.xapi import XApiEmulator
from helpers import make_repo, real_config_text
from world import ALERT, ALERT_TEXT, CAMP, NOW, ROADS, World, audit_events, emulator_env, make_content_repo

from pmcpost import audit_sign
from pmcpost.audit import AuditLog, iter_entries
from pmcpost.audit_sign import PublicKeys, Signer, Verdict, check, sign, signer_from_env
from pmcpost.cli import cli
from pmcpost.config import AuditSettings, read_config
from pmcpost.errors import CredentialsError
from pmcpost.plan import build_plan

KEY_VAR = "PMCPOST_AUDIT_SIGNING_KEY"
OLD_PRIVATE, OLD_PUBLIC = audit_sign.generate()
PRIVATE, PUBLIC = audit_sign.generate()
OTHER_PRIVATE, OTHER_PUBLIC = audit_sign.generate()  # a key config.yaml does not list


def signer(private: str, key_id: str) -> Signer:
    found = signer_from_env(AuditSettings(public_keys={key_id: _public_of(private)}), {KEY_VAR: private})
    assert found is not None
    return found


def _public_of(private: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private))
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def audit_section(require: bool, *, unsigned_before: str | None = None) -> str:
    lines = [
        "",
        "audit:",
        f"  signing_key_env: {KEY_VAR}",
        "  public_keys:",
        f"    ci-2026-01: {OLD_PUBLIC}",
        f"    ci-2026-11: {PUBLIC}",
        f"  require_signatures: {'true' if require else 'false'}",
    ]
    if unsigned_before:
        lines.append(f'  unsigned_before: "{unsigned_before}"')
    return "\n".join(lines) + "\n"


def config_without_audit() -> str:
    """The project's config.yaml without its audit: section (its last), for tests to give their own."""
    text = real_config_text()
    assert "\naudit:\n" in text
    return text.split("\naudit:\n")[0]


def with_audit(require: bool, **kwargs: str) -> Callable[[str], str]:
    return lambda text: text.split("\naudit:\n")[0] + audit_section(require, **kwargs)


def verify(root: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "verify"])
    return result.exit_code, result.stdout, result.stderr


ENTRY = {"event": "intent", "announcement": "roads/2026-11-27-x", "platform": "website", "part": 0, "prev": "0" * 64}


# -- the module -----------------------------------------------------------------------------------------------


def test_a_signed_entry_checks_and_any_change_breaks_it() -> None:
    keys = PublicKeys({"ci-2026-11": PUBLIC})
    signed = sign(ENTRY, signer(PRIVATE, "ci-2026-11"))
    assert set(signed["sig"]) == {"key", "value"} and signed["sig"]["key"] == "ci-2026-11"
    assert check(signed, keys).verdict is Verdict.SIGNED
    assert check(ENTRY, keys).verdict is Verdict.UNSIGNED
    edited = {**signed, "platform": "twitter"}
    bad = check(edited, keys)
    assert (bad.verdict, bad.reason) == (
        Verdict.BAD,
        "the signature does not match key 'ci-2026-11': forged, or edited after signing",
    )
    moved = {**signed, "prev": "1" * 64}  # the same entry at another place in the chain
    assert check(moved, keys).verdict is Verdict.BAD


def test_an_entry_with_a_lone_surrogate_is_signed_as_it_is_written(tmp_path: Path) -> None:
    """A platform's error may carry a lone surrogate, written to the log as U+FFFD: the signature covers the
    bytes written, so the entry read back from the file still checks."""
    log = AuditLog(tmp_path / "audit", signer=signer(PRIVATE, "ci-2026-11"))
    log.append({"event": "failed", "announcement": "roads/2026-12-01-a", "error": "Bad Request: \ud800"})
    [(_, _, entry)] = list(iter_entries(tmp_path / "audit"))
    assert entry["error"] == "Bad Request: \ufffd"
    assert check(entry, PublicKeys({"ci-2026-11": PUBLIC})).verdict is Verdict.SIGNED


def test_a_forgery_with_another_key_under_a_listed_id_is_bad() -> None:
    forged = sign(ENTRY, signer(OTHER_PRIVATE, "ci-2026-11"))
    result = check(forged, PublicKeys({"ci-2026-11": PUBLIC}))
    assert result.verdict is Verdict.BAD
    unknown = sign(ENTRY, signer(OTHER_PRIVATE, "ci-2099"))
    assert check(unknown, PublicKeys({"ci-2026-11": PUBLIC})).reason == (
        "signed with key 'ci-2099', which audit.public_keys in config.yaml does not list"
    )


def test_signer_needs_a_listed_key_and_names_only_the_variable() -> None:
    settings = AuditSettings(public_keys={"ci-2026-11": PUBLIC})
    assert signer_from_env(settings, {}) is None
    assert signer_from_env(settings, {KEY_VAR: PRIVATE}) is not None
    for value in ("not a key at all", PRIVATE[:-8]):
        with pytest.raises(CredentialsError) as bad:
            signer_from_env(settings, {KEY_VAR: value})
        assert str(bad.value) == (
            f"{KEY_VAR} does not hold an Ed25519 private key (32 bytes, base64); make one with pmcpost audit keygen"
        )
    with pytest.raises(CredentialsError) as unlisted:
        signer_from_env(settings, {KEY_VAR: OTHER_PRIVATE})
    assert OTHER_PRIVATE not in str(unlisted.value)
    assert KEY_VAR in str(unlisted.value)
    assert PRIVATE not in repr(signer_from_env(settings, {KEY_VAR: PRIVATE}))


# -- config.yaml ----------------------------------------------------------------------------------------------


def test_the_audit_section_is_checked_with_positions(tmp_path: Path) -> None:
    text = config_without_audit() + (
        "\naudit:\n"
        "  signing_key_env: not-a-variable\n"
        "  public_keys:\n"
        "    ci-2026-11: abc\n"
        "    Bad Id: " + PUBLIC + "\n"
        "  require_signatures: yes please\n"
        "  unsigned_before: yesterday\n"
    )
    root = make_repo(tmp_path, config_text=text)
    base = config_without_audit().count("\n") + 2
    _, diagnostics = read_config(root, {})
    assert [str(d) for d in diagnostics] == [
        f"config.yaml:{base + 1}:20: error: audit.signing_key_env must name an environment variable "
        "(such as PMCPOST_AUDIT_SIGNING_KEY), not hold a key",
        f"config.yaml:{base + 3}:17: error: audit.public_keys.ci-2026-11 is not an Ed25519 public key "
        "(32 bytes, base64)",
        f"config.yaml:{base + 4}:5: error: key id 'Bad Id' must be lower-case letters, digits, '.', '-' or '_'",
        f"config.yaml:{base + 5}:23: error: audit.require_signatures must be true or false, found text",
        f"config.yaml:{base + 6}:20: error: audit.unsigned_before must be a UTC time such as "
        "'2026-12-01T00:00:00Z', found 'yesterday'",
    ]


def test_requiring_signatures_needs_a_public_key(tmp_path: Path) -> None:
    root = make_repo(tmp_path, config_text=config_without_audit() + "\naudit:\n  require_signatures: true\n")
    _, diagnostics = read_config(root, {})
    line = config_without_audit().count("\n") + 3
    assert [str(d) for d in diagnostics] == [
        f"config.yaml:{line}:23: error: audit.require_signatures needs at least one key in audit.public_keys"
    ]


# -- publish and verify ----------------------------------------------------------------------------------------


@pytest.fixture
def emulators() -> Iterator[tuple[XApiEmulator, GraphEmulator]]:
    with XApiEmulator() as x, GraphEmulator() as graph:
        yield x, graph


def make_world(
    tmp_path: Path, emulators: tuple[XApiEmulator, GraphEmulator], require: bool, *files: str, **kwargs: str
) -> World:
    x, graph = emulators
    root = make_content_repo(tmp_path / "repo", files or (ROADS, CAMP), config_edit=with_audit(require, **kwargs))
    return World(root, {"twitter": x, "facebook": graph}, emulator_env(x, graph))


@pytest.fixture
def signed_world(tmp_path: Path, emulators: tuple[XApiEmulator, GraphEmulator]) -> World:
    world = make_world(tmp_path, emulators, True)
    world.env = world.env | {KEY_VAR: PRIVATE}
    return world


@pytest.fixture
def unsigned_world(tmp_path: Path, emulators: tuple[XApiEmulator, GraphEmulator]) -> World:
    return make_world(tmp_path, emulators, False, ROADS, CAMP, ALERT)


def forge(world: World, announcement: str, platform: str, *, with_signer: Signer | None = None) -> None:
    """What someone with push access but without the key can do: append a chain-valid `posted` claim."""
    log = AuditLog(world.config().audit_dir, signer=with_signer)
    log.append(
        {
            "event": "posted",
            "announcement": announcement,
            "platform": platform,
            "part": 0,
            "parts": 1,
            "remote": {"id": "1", "url": "https://x.com/PMCPune/status/1"},
        }
    )


def test_the_publishing_job_signs_every_entry_and_verify_says_intact(signed_world: World) -> None:
    assert signed_world.run() == 0
    entries = audit_events(signed_world.config())
    assert entries and {str(e.get("sig", {}).get("key")) for e in entries} == {"ci-2026-11"}  # type: ignore[attr-defined]
    code, out, err = verify(signed_world.root)
    assert (code, out) == (0, "")
    assert err.startswith("audit log intact: 1 file")


def test_a_forged_unsigned_claim_is_an_error_and_publish_posts_anyway(signed_world: World) -> None:
    world = signed_world
    assert world.run() == 0
    make_content_repo_file(world, ALERT)
    alert_id = "disaster-management/2026-12-02-flood-alert"
    forge(world, alert_id, "twitter")
    path, number = last_position(world)
    code, out, _ = verify(world.root)
    assert code == 1
    assert out == f"{path}:{number}: {audit_witness_unsigned()}\n"
    before = len(world.x.live_posts())
    assert world.run() == 0
    assert len(world.x.live_posts()) > before  # the forged claim did not stop the post
    posted = [e for e in audit_events(world.config()) if e.get("announcement") == alert_id and "sig" in e]
    assert [e["event"] for e in posted if e["platform"] == "twitter"] == ["intent", "posted"]


def test_the_website_links_no_unproven_claim(signed_world: World) -> None:
    from pmcpost.platforms.website import WebsitePlatform

    world = signed_world
    assert world.run() == 0
    roads = "roads/2026-11-27-road-closure-karve-road"
    forge(world, roads, "twitter")  # "part 0 is at https://x.com/PMCPune/status/1"
    config = world.config()
    WebsitePlatform(config.platforms["website"], config, world.env).rebuild()
    page = (world.root / "public" / f"{roads}.html").read_text(encoding="utf-8")
    assert "https://x.com/PMCPune/status/1867" in page
    assert 'href="https://x.com/PMCPune/status/1"' not in page


def test_a_claim_signed_with_a_wrong_key_is_an_error_and_not_proof(signed_world: World) -> None:
    world = signed_world
    assert world.run() == 0
    make_content_repo_file(world, ALERT)
    alert_id = "disaster-management/2026-12-02-flood-alert"
    forge(world, alert_id, "twitter", with_signer=signer(OTHER_PRIVATE, "ci-2026-11"))
    path, number = last_position(world)
    code, out, _ = verify(world.root)
    assert code == 1
    assert out == (
        f"{path}:{number}: bad signature: the signature does not match key 'ci-2026-11': forged, or edited after "
        "signing\n"
    )
    plan, _ = build_plan(world.config(), [], NOW)
    assert (alert_id, "twitter") in {(i.id, i.platform) for i in plan.to_post}


def test_without_required_signatures_an_unsigned_entry_is_a_warning_and_counts(unsigned_world: World) -> None:
    world = unsigned_world
    assert world.run(platforms=["website"]) == 0  # no key: unsigned, as in the Quick start
    code, out, err = verify(world.root)
    assert code == 0
    first = next(iter_entries(world.config().audit_dir))
    n = sum(1 for _ in iter_entries(world.config().audit_dir))
    assert out == (
        f"audit/{first[0].name}:1: warning: not signed (and {n - 1} more): "
        "anyone who can push could have written them\n"
    )
    assert "audit log intact (1 warning)" in err
    alert_id = "disaster-management/2026-12-02-flood-alert"
    forge(world, alert_id, "twitter")
    plan, _ = build_plan(world.config(), [], NOW)
    assert (alert_id, "twitter") not in {(i.id, i.platform) for i in plan.to_post}  # trusted, as before


def test_key_rotation_entries_under_the_old_and_the_new_key_both_check(signed_world: World) -> None:
    world = signed_world
    assert world.run(env=world.env | {KEY_VAR: OLD_PRIVATE}, platforms=["website"]) == 0
    make_content_repo_file(world, ALERT)
    assert world.run() == 0
    keys = {e["sig"]["key"] for e in audit_events(world.config())}  # type: ignore[index]
    assert keys == {"ci-2026-01", "ci-2026-11"}
    assert verify(world.root)[:2] == (0, "")


def test_history_before_unsigned_before_may_be_unsigned(unsigned_world: World) -> None:
    world = unsigned_world
    assert world.run(platforms=["website"]) == 0  # the history before signing was turned on
    from datetime import timedelta

    from pmcpost.audit import parse_time

    after = parse_time(str(audit_events(world.config())[-1]["time"])) + timedelta(seconds=1)
    text = (
        (world.root / "config.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "require_signatures: false", f'require_signatures: true\n  unsigned_before: "{after:%Y-%m-%dT%H:%M:%SZ}"'
        )
    )
    (world.root / "config.yaml").write_text(text, "utf-8")
    code, out, _ = verify(world.root)
    assert code == 0, out
    plan, _ = build_plan(world.config(), [], NOW)
    assert [i for i in plan.to_post if i.platform == "website"] == []  # the old claims still count


def test_in_ci_a_required_signature_without_the_key_stops_the_run(signed_world: World) -> None:
    env = {k: v for k, v in signed_world.env.items() if k != KEY_VAR}
    with pytest.raises(CredentialsError) as missing:
        signed_world.run(env=env)
    assert str(missing.value) == (
        f"audit.require_signatures is on but {KEY_VAR} is not set: entries written now would prove nothing; "
        "set that secret (see the README's audit section)"
    )
    assert signed_world.x.live_posts() == []


# -- the secret ------------------------------------------------------------------------------------------------


def encodings(secret: str) -> list[str]:
    from urllib.parse import quote

    raw = base64.b64decode(secret)
    return [secret, repr(secret), quote(secret, safe=""), raw.hex(), base64.urlsafe_b64encode(raw).decode()]


def test_the_private_key_never_appears_in_output_log_or_site(signed_world: World, tmp_path: Path) -> None:
    env = dict(os.environ) | signed_world.env
    env.pop("CI", None)
    script = Path(sys.executable).with_name("pmcpost")
    # A real publish posts as of the process's clock (`--now` only looks): run it with the clock set.
    at_time = [sys.executable, str(Path(__file__).with_name("at_time.py"))]
    commands = (
        [*at_time, "2026-12-02 10:00", "publish", "--yes"],
        [str(script), "audit", "verify"],
        [str(script), "audit", "show"],
    )
    runs = [
        subprocess.run(command, cwd=signed_world.root, env=env, capture_output=True, text=True, check=False)
        for command in commands
    ]
    assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
    bad = dict(env) | {KEY_VAR: PRIVATE[:20] + "!!" + PRIVATE[22:]}
    refused = subprocess.run(
        [*at_time, "2026-12-02 11:00", "publish", "--yes"],
        cwd=signed_world.root,
        env=bad,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1
    assert KEY_VAR in refused.stderr
    texts = [r.stdout + r.stderr for r in [*runs, refused]]
    for folder in ("audit", "public"):
        texts += [p.read_text("utf-8", "replace") for p in (signed_world.root / folder).rglob("*") if p.is_file()]
    for text in texts:
        for form in [*encodings(PRIVATE), bad[KEY_VAR]]:
            assert form not in text


def test_keygen_prints_the_private_key_alone_and_the_config_line_apart() -> None:
    result = CliRunner().invoke(cli, ["audit", "keygen", "ci-2027"])
    assert result.exit_code == 0
    private = result.stdout.strip()
    public = _public_of(private)
    assert f"audit:\n  public_keys:\n    ci-2027: {public}\n" in result.stderr
    assert private not in result.stderr
    found = signer_from_env(AuditSettings(public_keys={"ci-2027": public}), {KEY_VAR: private})
    assert found is not None and found.key_id == "ci-2027"


def test_commands_that_check_no_signature_do_not_import_cryptography(tmp_path: Path) -> None:
    root = make_repo(tmp_path, config_text=config_without_audit() + audit_section(False))
    code = (
        "import sys\nfrom pmcpost.cli import main\nsys.argv = ['pmcpost', 'validate']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('cryptography' in {m.split('.')[0] for m in sys.modules})"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr


# -- helpers ---------------------------------------------------------------------------------------------------


def make_content_repo_file(world: World, rel: str) -> None:
    target = world.root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(ALERT_TEXT if rel == ALERT else "", encoding="utf-8")


def last_position(world: World) -> tuple[str, int]:
    *_, (path, number, _) = iter_entries(world.config().audit_dir)
    return f"audit/{path.name}", number


def audit_witness_unsigned() -> str:
    from pmcpost.audit_witness import UNSIGNED_REQUIRED

    return UNSIGNED_REQUIRED


def test_a_second_verify_checks_only_new_entries_and_still_finds_a_forgery(signed_world: World) -> None:
    world = signed_world
    assert world.run() == 0
    assert verify(world.root)[:2] == (0, "")  # remembers how far the signatures were checked
    make_content_repo_file(world, ALERT)
    forge(world, "disaster-management/2026-12-02-flood-alert", "twitter")
    path, number = last_position(world)
    assert verify(world.root)[:2] == (1, f"{path}:{number}: {audit_witness_unsigned()}\n")
    # without the old key, entries signed with it no longer check, although they were checked before
    text = (world.root / "config.yaml").read_text(encoding="utf-8")
    (world.root / "config.yaml").write_text(text.replace(f"    ci-2026-11: {PUBLIC}\n", ""), encoding="utf-8")
    code, out, _ = verify(world.root)
    assert code == 1
    assert out.count("bad signature: signed with key 'ci-2026-11', which audit.public_keys") == number - 1


def test_the_unsigned_warning_counts_the_same_on_every_run(unsigned_world: World) -> None:
    assert unsigned_world.run(platforms=["website"]) == 0
    first = verify(unsigned_world.root)
    assert first[1].startswith("audit/") and "warning: not signed (and " in first[1]
    assert verify(unsigned_world.root) == first
