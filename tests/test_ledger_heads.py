"""The public witness: every publish run appends the audit log's head to the website's ledger-heads.json and its
Accountability page, and `audit verify --against FILE_OR_URL` finds a head the log no longer holds."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import ipaddress
import json
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from emulator.graph import GraphEmulator
from emulator.xapi import XApiEmulator
from test_site import check_accessible, text_of
from world import ALERT, ALERT_TEXT, CAMP, ROADS, World, make_content_repo, make_world

from pmcpost.audit import canonical
from pmcpost.audit_witness import fetch, local_head_file
from pmcpost.cli import cli
from pmcpost.errors import AuditError

HEADS = "public/ledger-heads.json"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with XApiEmulator() as x, GraphEmulator() as graph:
        yield make_world(make_content_repo(tmp_path / "repo", (ROADS, CAMP)), twitter=x, facebook=graph)


def log_lines(world: World) -> list[bytes]:
    return [line for p in sorted((world.root / "audit").glob("*.jsonl")) for line in p.read_bytes().splitlines()]


def heads(world: World) -> list[dict[str, object]]:
    data = json.loads((world.root / HEADS).read_bytes())
    assert data["format"] == 1
    return list(data["heads"])


def verify(world: World, against: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--root", str(world.root), "audit", "verify", "--against", against])
    return result.exit_code, result.stdout, result.stderr


def add_alert(world: World) -> None:
    (world.root / ALERT).parent.mkdir(parents=True, exist_ok=True)
    (world.root / ALERT).write_text(ALERT_TEXT, encoding="utf-8")


def expected_head(world: World) -> dict[str, object]:
    lines = log_lines(world)
    return {
        "entries": len(lines),
        "sha256": hashlib.sha256(lines[-1]).hexdigest(),
        "time": json.loads(lines[-1])["time"],
    }


def test_each_run_that_wrote_entries_appends_its_head_and_keeps_the_older_ones(world: World) -> None:
    assert world.run() == 0
    lines = log_lines(world)
    first = {
        "entries": len(lines),
        "sha256": hashlib.sha256(lines[-1]).hexdigest(),
        "time": json.loads(lines[-1])["time"],
    }
    assert heads(world) == [first]
    assert world.run() == 0  # nothing due: no entry, no head
    assert heads(world) == [first]
    add_alert(world)
    assert world.run() == 0
    lines = log_lines(world)
    second = {
        "entries": len(lines),
        "sha256": hashlib.sha256(lines[-1]).hexdigest(),
        "time": json.loads(lines[-1])["time"],
    }
    assert heads(world) == [first, second]


def test_the_accountability_page_has_a_line_per_head(world: World) -> None:
    assert world.run() == 0
    add_alert(world)
    assert world.run() == 0
    page = check_accessible((world.root / "public" / "accountability.html").read_bytes())
    items = page.findall(".//main//ol/li")
    assert [item.find("code").text for item in items] == [h["sha256"] for h in heads(world)]
    assert [item.find("time").get("datetime") for item in items] == [
        str(h["time"]).replace("Z", "+00:00") for h in heads(world)
    ]
    assert f"{heads(world)[0]['entries']} entries" in text_of(items[0])
    index = check_accessible((world.root / "public" / "index.html").read_bytes())
    assert "accountability.html" in {a.get("href") for a in index.findall(".//footer//a")}


def test_a_damaged_record_is_not_overwritten_and_the_run_says_so(world: World) -> None:
    assert world.run() == 0
    (world.root / HEADS).write_text("{ lost", encoding="utf-8")
    add_alert(world)
    assert world.run() == 1
    assert (world.root / HEADS).read_text(encoding="utf-8") == "{ lost"


def test_verify_against_a_copy_of_the_record(world: World, tmp_path: Path) -> None:
    assert world.run() == 0
    add_alert(world)
    assert world.run() == 0
    copy = tmp_path / "ledger-heads.json"
    copy.write_bytes((world.root / HEADS).read_bytes())  # what a citizen saved from the site
    code, out, err = verify(world, str(copy))
    assert (code, out) == (0, "")
    assert err.endswith("; 2 published heads found\n")


def drop_local_record(world: World) -> None:
    record = local_head_file(world.root / "audit")
    assert record is not None
    record.unlink()  # so that only the public witness speaks


def test_a_cut_tail_misses_a_published_head(world: World, tmp_path: Path) -> None:
    assert world.run() == 0
    add_alert(world)
    assert world.run() == 0
    copy = tmp_path / "ledger-heads.json"
    copy.write_bytes((world.root / HEADS).read_bytes())
    second = heads(world)[1]
    month = sorted((world.root / "audit").glob("*.jsonl"))[-1]
    kept = month.read_bytes().splitlines(keepends=True)[:-3]
    month.write_bytes(b"".join(kept))  # the chain of what is left is whole
    drop_local_record(world)
    code, out, _ = verify(world, str(copy))
    entries = len(log_lines(world))
    assert (code, out) == (
        1,
        f"audit:0: {copy} lists a head at entry {second['entries']} (time {second['time']}, sha256 "
        f"{second['sha256']}), but the log has only {entries} entries: entries were cut off\n",
    )


def test_a_rewritten_log_does_not_match_a_published_head(world: World, tmp_path: Path) -> None:
    assert world.run() == 0
    first = heads(world)[0]
    month = sorted((world.root / "audit").glob("*.jsonl"))[-1]
    entries = [json.loads(line) for line in month.read_bytes().splitlines()]
    entries[0]["actor"] = {"user": "someone else"}
    prev, out = "0" * 64, b""
    for e in entries:  # the chain recomputed: verify alone would say intact
        e["prev"] = prev
        line = canonical(e)
        out, prev = out + line + b"\n", hashlib.sha256(line).hexdigest()
    month.write_bytes(out)
    drop_local_record(world)
    record = str(world.root / HEADS)
    code, text, _ = verify(world, record)
    assert (code, text) == (
        1,
        f"audit/{month.name}:{first['entries']}: entry {first['entries']} is not the one {record} lists (time "
        f"{first['time']}, sha256 {first['sha256']}): the log was rewritten at or before this line\n",
    )


# -- over https ----------------------------------------------------------------------------------------------


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class Site:
    """A static https server on 127.0.0.1 serving ``files`` (path -> bytes); ``/slow`` never answers."""

    def __init__(self, tmp_path: Path, files: dict[str, bytes]) -> None:
        cert, key = self_signed(tmp_path)
        self.cert = cert
        release = self.release = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/slow":
                    release.wait(10)
                    return
                body = files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def https_site(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    assert world.run() == 0
    served = Site(tmp_path, {"/ledger-heads.json": (world.root / HEADS).read_bytes(), "/big": b" " * 5000})
    monkeypatch.setenv("SSL_CERT_FILE", str(served.cert))  # trust the test certificate, as a system CA would be
    yield served
    served.close()


def test_verify_against_the_site_over_https(world: World, https_site: Site) -> None:
    code, out, err = verify(world, f"{https_site.url}/ledger-heads.json")
    assert (code, out) == (0, "")
    assert err.endswith("; 1 published head found\n")
    month = sorted((world.root / "audit").glob("*.jsonl"))[-1]
    month.write_bytes(b"".join(month.read_bytes().splitlines(keepends=True)[:-1]))
    drop_local_record(world)
    code, out, _ = verify(world, f"{https_site.url}/ledger-heads.json")
    assert code == 1
    assert out.startswith(f"audit:0: {https_site.url}/ledger-heads.json lists a head at entry ")


def test_fetching_is_https_only_with_a_size_cap_and_a_timeout(world: World, https_site: Site) -> None:
    plain = https_site.url.replace("https://", "http://")
    code, _, err = verify(world, f"{plain}/ledger-heads.json")
    assert code == 2
    assert err == f"pmcpost: error: --against takes a file or an https:// address, not '{plain}/ledger-heads.json'\n"
    with pytest.raises(AuditError) as big:
        fetch(f"{https_site.url}/big", timeout=5, max_bytes=1000)
    assert str(big.value) == f"{https_site.url}/big is larger than 0 MB: not a ledger-heads.json"
    with pytest.raises(AuditError) as slow:
        fetch(f"{https_site.url}/slow", timeout=0.3, max_bytes=1000)
    assert str(slow.value) == f"cannot fetch {https_site.url}/slow: The read operation timed out"
    code, _, err = verify(world, f"{https_site.url}/missing.json")
    assert (code, err) == (
        1,
        f"pmcpost: error: cannot fetch {https_site.url}/missing.json: the server answered 404 Not Found\n",
    )


def test_audit_verify_imports_no_network_code_without_against(tmp_path: Path) -> None:
    code = (
        "import sys\nimport pmcpost.audit_witness, pmcpost.cli\n"
        "print(sorted(m for m in sys.modules if m.startswith(('urllib.request', 'http.client', 'ssl'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_retraction_publishes_the_new_head_too(world: World) -> None:
    from pmcpost import retraction

    assert world.run() == 0
    before = len(log_lines(world))
    code = retraction.run(
        world.config(),
        "health/2026-12-02-eye-camp",
        platforms=["website"],
        reason="Postponed",
        assume_yes=True,
        wait=0,
        environ=world.env,
    )
    assert code == 0
    assert len(log_lines(world)) > before
    assert [h["entries"] for h in heads(world)] == [before, len(log_lines(world))]
