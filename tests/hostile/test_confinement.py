"""Hostile input: paths that lead out of the repository (media, the website's output folder, templates) and
department names that would overwrite the website's own folders. Each is refused with a clean message, and
nothing is copied, posted or written outside the repository."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, clock_at, make_repo, real_config_text, tiny_png

from pmcpost import site
from pmcpost.cli import cli
from pmcpost.config import load_config, reserved_slugs
from pmcpost.errors import ConfigError, TemplateError
from pmcpost.platforms.website import WebsitePlatform
from pmcpost.render import Renderer
from pmcpost.validate import load_all

P = GOOD_PATH
ALT = "    alt: {mr: नकाशा, en: Map}\n"
SECRET_IMAGE = tiny_png(2, 2)


def invoke(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def with_media(path: str) -> str:
    return GOOD_ANNOUNCEMENT + f"media:\n  - path: {path}\n" + ALT


def outside_secret(tmp_path: Path) -> Path:
    """An image next to the repository (where a runner keeps other checkouts, keys, ...)."""
    secret = tmp_path / "outside" / "secret.png"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(SECRET_IMAGE)
    return secret


def files_holding(folder: Path, data: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.read_bytes() == data] if folder.exists() else []


# -- media ---------------------------------------------------------------------------------------------


def media_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Three ways of naming the outside image from an announcement: (repository, path as written)."""
    cases = {}
    for name in ("absolute", "dotdot", "linked-folder"):
        root = make_repo(tmp_path / name / "repo")
        outside_secret(tmp_path / name)
        if name == "absolute":
            written = f"{root}/../outside/secret.png"
        elif name == "dotdot":
            written = "content/../../outside/secret.png"
        else:
            # Outside content/ (where every link is refused anyway), so only the media check can catch it.
            (root / "assets").mkdir(parents=True, exist_ok=True)
            (root / "assets" / "images").symlink_to(tmp_path / name / "outside")
            written = "assets/images/secret.png"
        (root / P).parent.mkdir(parents=True, exist_ok=True)
        (root / P).write_text(with_media(written), encoding="utf-8")
        cases[name] = (root, written)
    return cases


@pytest.mark.parametrize("case", ["absolute", "dotdot", "linked-folder"])
def test_media_leading_outside_is_refused_by_validate(tmp_path: Path, case: str) -> None:
    root, written = media_cases(tmp_path)[case]
    code, out, _err = invoke(root, "validate", "--format", "text")
    assert (code, out) == (
        1,
        f"{P}:15:11: error: media[0].path {written!r} is outside the repository; keep images in it\n",
    )


@pytest.mark.parametrize("case", ["absolute", "dotdot", "linked-folder"])
def test_media_leading_outside_is_never_copied_or_posted(tmp_path: Path, case: str) -> None:
    root, _ = media_cases(tmp_path)[case]
    with clock_at("2026-12-02 10:00"):
        code, _out, err = invoke(root, "publish", "--yes", "--platform", "website")
    assert code == 1
    assert "media[0].path" in err and "those files are left out" in err
    assert files_holding(root, SECRET_IMAGE) == []  # not in public/media/, nor anywhere else in the repository
    assert not (root / "audit").exists() or "posted" not in "".join(
        p.read_text(encoding="utf-8") for p in (root / "audit").glob("*.jsonl")
    )


def test_media_inside_the_repository_through_a_link_still_works(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"content/water-supply/images/map.png": tiny_png()})
    (root / "assets").mkdir()
    (root / "assets" / "maps").symlink_to(root / "content" / "water-supply" / "images")
    (root / P).write_text(with_media("assets/maps/map.png"), encoding="utf-8")
    loaded = load_all(load_config(root, environ={}))
    assert [d for d in loaded.diagnostics if d.severity == "error"] == []
    assert [m.path for m in loaded.announcements[0].media] == ["content/water-supply/images/map.png"]


# -- the website's output folder -------------------------------------------------------------------------


def config_with_output(output: str) -> str:
    text = real_config_text()
    assert "\n    output: public\n" in text
    return text.replace("\n    output: public\n", f"\n    output: {output!r}\n", 1)


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        ("../outside", "must be a folder inside the repository"),
        ("/var/www/site", "must be a folder inside the repository"),
        ("public/../../outside", "must be a folder inside the repository"),
        (".", "must be a folder inside the repository, not the repository itself"),
        (".git/site", "must not be inside .git"),
        ("www", "must be a folder inside the repository (it leads outside through a symbolic link)"),
    ],
)
def test_website_output_outside_the_repository_is_a_config_error(tmp_path: Path, output: str, problem: str) -> None:
    root = make_repo(tmp_path / "repo", config_text=config_with_output(output))
    (tmp_path / "elsewhere").mkdir()
    (root / "www").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ConfigError) as caught:
        load_config(root, environ={})
    [line] = [str(d) for d in caught.value.diagnostics]
    assert re.fullmatch(
        rf"config\.yaml:\d+:\d+: error: platforms\.website\.output {re.escape(problem)}, found "
        + re.escape(repr(output)),
        line,
    ), line
    with clock_at("2026-12-02 10:00"):
        code, _, err = invoke(root, "publish", "--yes")
    assert code == 1 and "fix config.yaml" in err
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "repo"]


def test_website_output_inside_the_repository_is_fine(tmp_path: Path) -> None:
    root = make_repo(tmp_path, config_text=config_with_output("site/public"))
    config = load_config(root, environ={})
    assert config.platforms["website"].options["output"] == "site/public"


# -- templates ----------------------------------------------------------------------------------------------


def write_secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret-environ"
    secret.write_text("PMCPOST_FACEBOOK_PAGE_TOKEN=EAAleaked\n", encoding="utf-8")
    return secret


@pytest.mark.parametrize("target", ["outside", "git-config", "proc"])
def test_include_of_a_link_leading_out_of_templates_is_refused(tmp_path: Path, target: str) -> None:
    root = make_repo(tmp_path / "repo", {P: GOOD_ANNOUNCEMENT})
    leaked = write_secret_file(tmp_path)
    if target == "proc":
        if not Path("/proc/self/environ").exists():
            pytest.skip("no /proc on this system")
        leaked = Path("/proc/self/environ")
    if target == "git-config":
        (root / ".git").mkdir()
        (root / ".git" / "config").write_text("[remote]\n  url = https://token:EAAleaked@example.org\n")
        leaked = root / ".git" / "config"
    templates = root / "templates"
    templates.mkdir()
    (templates / "leak.txt").symlink_to(Path("../.git/config") if target == "git-config" else leaked)
    (templates / "facebook.j2").write_text("{{ text[lang] }}\n{% include 'leak.txt' %}\n", encoding="utf-8")
    config = load_config(root, environ={})
    [announcement] = load_all(config).announcements
    with pytest.raises(TemplateError) as caught:
        Renderer(config).render(announcement, "facebook")
    assert str(caught.value) == (
        "templates/facebook.j2:2: template 'leak.txt' is a link to a file outside the templates folder; refused "
        "(rendering water-supply/2026-12-01-shutdown for facebook)"
    )
    code, out, err = invoke(root, "validate")
    assert code == 1 and "EAAleaked" not in out + err
    assert out == (
        "templates/facebook.j2:2: error: template 'leak.txt' is a link to a file outside the templates folder; "
        "refused (rendering water-supply/2026-12-01-shutdown for facebook)\n"
    )


def test_a_platform_template_that_is_a_link_out_is_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {P: GOOD_ANNOUNCEMENT})
    (root / "templates").mkdir()
    (root / "templates" / "twitter.j2").symlink_to(write_secret_file(tmp_path))
    config = load_config(root, environ={})
    [announcement] = load_all(config).announcements
    with pytest.raises(TemplateError) as caught:
        Renderer(config).render(announcement, "twitter")
    assert str(caught.value) == (
        "templates/twitter.j2: template 'twitter.j2' is a link to a file outside the templates folder; refused"
    )


def test_a_linked_templates_folder_leading_out_is_refused(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {P: GOOD_ANNOUNCEMENT})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "twitter.j2").write_text("{{ text[lang] }} leaked\n", encoding="utf-8")
    (root / "templates").symlink_to(elsewhere)
    config = load_config(root, environ={})
    [announcement] = load_all(config).announcements
    with pytest.raises(TemplateError, match="is a link to a file outside the templates folder"):
        Renderer(config).render(announcement, "twitter")


def test_website_page_template_linked_out_fails_the_post_and_writes_nothing_outside(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {P: GOOD_ANNOUNCEMENT})
    (root / "templates" / "website").mkdir(parents=True)
    (root / "templates" / "website" / "index.html").symlink_to(write_secret_file(tmp_path))
    with clock_at("2026-12-02 10:00"):
        code, out, err = invoke(root, "publish", "--yes", "--platform", "website")
    assert code == 1
    assert "template 'index.html' is a link to a file outside the templates folder; refused" in out
    assert "EAAleaked" not in out + err
    assert files_holding(root / "public", b"PMCPOST_FACEBOOK_PAGE_TOKEN=EAAleaked\n") == []
    written = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    assert "EAAleaked" not in "".join(p.read_text(errors="replace") for p in written)


def test_links_inside_the_templates_folder_still_work(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT, "templates/parts/footer.txt": "-- PMC\n"})
    (root / "templates" / "footer.txt").symlink_to(Path("parts/footer.txt"))
    (root / "templates" / "facebook.j2").write_text("{{ text[lang] }}\n{% include 'footer.txt' %}\n")
    config = load_config(root, environ={})
    [announcement] = load_all(config).announcements
    assert Renderer(config).render(announcement, "facebook").parts[0].text.endswith("-- PMC")


# -- department names that are the website's own folders ---------------------------------------------------


@pytest.mark.parametrize("slug", ["feeds", "media", "assets"])
def test_a_department_named_like_a_site_folder_is_refused(tmp_path: Path, slug: str) -> None:
    text = real_config_text().replace("\n  water-supply:\n", f"\n  {slug}:\n", 1)
    root = make_repo(tmp_path, config_text=text)
    with pytest.raises(ConfigError) as caught:
        load_config(root, environ={})
    assert [d.message for d in caught.value.diagnostics] == [
        f"department {slug!r} has the name of a folder the website keeps for itself (feeds, media, assets); "
        "choose another name"
    ]


def test_every_top_level_folder_the_site_writes_is_reserved(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path, {P: with_media("content/water-supply/map.png"), "content/water-supply/map.png": tiny_png()}
    )
    config = load_config(root, environ={})
    website = WebsitePlatform(config.platforms["website"], config, {})
    [announcement] = load_all(config).announcements
    from pmcpost.render import Renderer as R

    website.post(R(config).render(announcement, "website"), 0, None)
    top = {p.name for p in (root / "public").iterdir() if p.is_dir()}
    departments = set(config.departments)
    assert top - departments == {site.FEEDS_DIR, site.MEDIA_DIR}  # the records live outside (website-records/)
    assert {site.FEEDS_DIR, site.MEDIA_DIR} <= set(reserved_slugs())
    assert os.path.isfile(root / "public" / "index.html")


# -- folders pmcpost writes into, replaced by a committed link ------------------------------------------------


@pytest.mark.parametrize("folder", ["handover", "website-records"])
def test_a_written_folder_that_is_a_link_out_of_the_repository_is_never_written_or_emptied(
    tmp_path: Path, folder: str
) -> None:
    """A pull request that replaces handover/ or website-records/ by a link to another folder of the runner
    (keys, other checkouts) must not make publish write there, or remove what is there."""
    from test_handover_record import with_whatsapp
    from world import CAMP, ROADS, emulated_world

    outside = tmp_path / "outside"
    (outside / "whatsapp" / "health" / "2026-12-02-eye-camp").mkdir(parents=True)
    keep = outside / "whatsapp" / "health" / "2026-12-02-eye-camp" / "post.txt"
    keep.write_text("someone else's file\n", encoding="utf-8")
    (outside / "precious.txt").write_text("keep me\n", encoding="utf-8")
    before = files_in(outside)
    with emulated_world(tmp_path / "repo", (ROADS, CAMP), config_edit=with_whatsapp) as world:
        (world.root / folder).symlink_to(outside, target_is_directory=True)
        with clock_at("2026-12-02 10:00"):
            if folder == "handover":  # config.yaml names it: refused there, with its place, before anything runs
                with pytest.raises(ConfigError) as caught:
                    world.run()
                problems = caught.value.diagnostics
                assert problems and all("leads outside through a symbolic link" in d.message for d in problems)
                assert world.emulators["twitter"].seen_posts() == []
            else:  # a folder of its own: the website fails, the other platforms post
                assert world.run() == 1
                assert len(world.emulators["twitter"].seen_posts()) > 0
        assert files_in(outside) == before
        assert keep.read_text(encoding="utf-8") == "someone else's file\n"


def files_in(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
