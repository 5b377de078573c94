"""Messages in Marathi through the gettext catalog: chosen by PMCPOST_LANG or a Marathi locale, English by
default, and the committed catalog complete, compiled and shipped with the package."""

from __future__ import annotations

import fnmatch
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo

from pmcpost.cli import cli
from pmcpost.i18n import LOCALE_DIR, language

ROOT = Path(__file__).resolve().parent.parent
PO = LOCALE_DIR / "mr" / "LC_MESSAGES" / "pmcpost.po"
MO = PO.with_suffix(".mo")
P = GOOD_PATH
UNAPPROVED = GOOD_ANNOUNCEMENT.replace("approved_by: priya.shinde\n", "")
LOCALE_VARS = ("PMCPOST_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def validate(root: Path, **env: str) -> list[str]:
    environ: dict[str, str | None] = dict.fromkeys(LOCALE_VARS)
    environ.update(env, NO_COLOR="1")
    result = CliRunner().invoke(cli, ["--root", str(root), "validate"], env=environ)
    return [*result.stdout.splitlines(), *result.stderr.splitlines()]


MISSING_APPROVAL_MR = (
    f"{P}:1:1: error: आवश्यक की 'approved_by' नाही: धोरणानुसार दुसऱ्या व्यक्तीची मंजुरी आवश्यक आहे (विभागाचे दुसरे "
    "समन्वयक किंवा कक्षाचे सदस्य); त्यांना तुमची पुल रिक्वेस्ट तपासण्याची विनंती करा, आणि मंजुरी देणारी व्यक्ती "
    "approved_by: <त्यांचा id> जोडेल"
)
MISSING_APPROVAL_EN = (
    f"{P}:1:1: error: missing required key 'approved_by': policy requires a second person's approval (the "
    "department's other coordinator or a cell member); ask them to review your pull request, and the one who "
    "approves adds approved_by: <their id>"
)


@pytest.mark.parametrize(
    "env",
    [{"PMCPOST_LANG": "mr"}, {"LANG": "mr_IN.UTF-8"}, {"LC_ALL": "mr_IN", "LANG": "en_US.UTF-8"}],
    ids=["PMCPOST_LANG", "LANG", "LC_ALL"],
)
def test_marathi_is_asked_for(tmp_path: Path, env: dict[str, str]) -> None:
    root = make_repo(tmp_path, {P: UNAPPROVED})
    assert validate(root, **env) == [
        MISSING_APPROVAL_MR,
        "1 फाइल आणि config.yaml मध्ये 1 त्रुटी, 0 इशारे; त्रुटी दुरुस्त होईपर्यंत ती फाइल प्रसिद्ध होत नाही",
    ]


@pytest.mark.parametrize(
    "env",
    [{}, {"LANG": "en_IN.UTF-8"}, {"PMCPOST_LANG": "en", "LANG": "mr_IN.UTF-8"}, {"LANG": "C.UTF-8"}],
    ids=["nothing set", "English locale", "PMCPOST_LANG wins", "C locale"],
)
def test_english_stays_the_default(tmp_path: Path, env: dict[str, str]) -> None:
    root = make_repo(tmp_path, {P: UNAPPROVED})
    assert validate(root, **env) == [
        MISSING_APPROVAL_EN,
        "1 error, 0 warnings in 1 file and config.yaml; a file with errors is not published until they are fixed",
    ]


def test_a_slip_is_explained_in_marathi_with_its_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT.replace("hashtags: [PMCWater]", "hashtags: [#PMCWater]")})
    assert validate(root, PMCPOST_LANG="mr")[:3] == [
        f"{P}:11:12: error: YAML मध्ये '#' पासून टिप्पणी सुरू होते, त्यामुळे या ओळीचा पुढील भाग वाचला जात नाही: "
        "हॅशटॅग '#' शिवाय लिहा, उदा. hashtags: [PMCWater]",
        "    hashtags: [#PMCWater]",
        "               ^",
    ]


def test_new_explains_in_marathi_and_the_file_reads_the_same(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    args = ["--root", str(root), "new", "roads", "--slug", "potholes", "--date", "2026-12-20"]
    english = CliRunner().invoke(cli, args, env=dict.fromkeys(LOCALE_VARS))
    assert english.exit_code == 0, english.output
    path = root / "content/roads/2026-12-20-potholes.yaml"
    en_text = path.read_text(encoding="utf-8")
    path.unlink()
    marathi = CliRunner().invoke(cli, args, env={**dict.fromkeys(LOCALE_VARS), "PMCPOST_LANG": "mr"})
    assert marathi.exit_code == 0, marathi.output
    mr_text = path.read_text(encoding="utf-8")
    assert "# पथ विभाग (Road Department) यांची notice प्रकारची घोषणा.\n" in mr_text
    assert "# ऐच्छिक: हॅशटॅग, '#' शिवाय.\nhashtags: [PMCRoads]\n" in mr_text
    assert "# मंजुरी हा दुसऱ्या व्यक्तीचा निर्णय आहे" in mr_text
    # Only the comments differ: the same keys and values, line for line.
    keys = re.compile(r"^[^#\n].*$", re.M)
    assert keys.findall(mr_text) == keys.findall(en_text)


def test_language_reads_the_environment_in_posix_order() -> None:
    assert language({}) == "en"
    assert language({"LANG": "mr_IN.UTF-8"}) == "mr"
    assert language({"LC_MESSAGES": "en_GB", "LANG": "mr_IN"}) == "en"
    assert language({"LC_ALL": "mr", "LC_MESSAGES": "en_GB"}) == "mr"
    assert language({"PMCPOST_LANG": "en", "LC_ALL": "mr"}) == "en"
    assert language({"PMCPOST_LANG": "MR"}) == "mr"


def test_every_message_in_the_source_is_translated() -> None:
    extracted = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT / "pmcpost"), keywords={"tr": None, "N_": None}, method_map=[("**.py", "python")]
        )
    }
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    assert sorted(extracted - translated) == []


def test_each_translation_keeps_the_fields_of_its_message() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    field = re.compile(r"\{[a-z_]+(?:![rs])?\}")
    for m in catalog:
        if isinstance(m.id, str) and m.id and isinstance(m.string, str):
            assert sorted(set(field.findall(m.string))) == sorted(set(field.findall(m.id))), m.id


def test_the_committed_compiled_catalog_matches_its_source() -> None:
    with PO.open("rb") as fh:
        source = read_po(fh)
    compiled = read_mo(io.BytesIO(MO.read_bytes()))
    assert {m.id: m.string for m in compiled if m.id} == {m.id: m.string for m in source if m.id}


def test_the_package_ships_the_compiled_catalog() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    listed = re.search(r"^\[tool\.setuptools\.package-data\]\npmcpost = \[(.*)\]$", pyproject, re.M)
    assert listed is not None
    package_data = re.findall(r'"([^"]+)"', listed.group(1))
    shipped = MO.relative_to(ROOT / "pmcpost").as_posix()
    assert any(fnmatch.fnmatch(shipped, pattern) for pattern in package_data)
