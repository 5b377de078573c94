"""config.yaml: finding it, reading it with positions, and the typed settings every command works from."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pmcpost import unsafe_text, yamlnodes
from pmcpost.diagnostics import Diagnostic, has_errors
from pmcpost.errors import ConfigError, RepositoryNotFound
from pmcpost.platforms.spec import Option
from pmcpost.yamlnodes import Node, Reader

CONFIG_NAME = "config.yaml"
MAX_CONFIG_BYTES = 2 * 1024 * 1024

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PERSON_ID_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GITHUB_RE = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")
ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
REPOSITORY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")

KINDS = ("alert", "notice", "scheme", "project", "event")


def reserved_slugs() -> dict[str, str]:
    """Department names a platform keeps for itself (the website's folders), with that platform's name."""
    from pmcpost.platforms.registry import descriptions

    return {slug: spec.display_name for spec in descriptions() for slug in spec.reserved_departments}


# What each platform understands (its default API address, credentials and options) is its description:
# pmcpost.platforms.registry.description(name).
COMMON_PLATFORM_KEYS = {"enabled", "api_url", "credentials", "daily_quota", "timeout"}
# The largest sensible value of each number in config.yaml: anything larger is a typo, and some (a timeout
# or a number of days) would overflow where they are used.
MAX_DAILY_QUOTA = 100_000  # posts a day on one platform
MAX_TIMEOUT = 600  # seconds to wait for a platform's answer: a publish job runs every 15 minutes
MAX_DORMANCY_DAYS = 3_650  # ten years
MAX_MEDIA_BYTES = 1024**3  # 1 GiB; the platforms take far less


@dataclass(frozen=True)
class Person:
    """A coordinator or a cell member: someone who can be answerable for a post."""

    id: str
    name: str
    email: str
    github: str | None = None


@dataclass(frozen=True)
class Department:
    slug: str
    name: Mapping[str, str]
    coordinators: tuple[Person, ...]
    hashtags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Organisation:
    name: Mapping[str, str]
    short_name: Mapping[str, str]
    website: str
    timezone: str
    languages: tuple[str, ...]

    @functools.cached_property
    def tz(self) -> ZoneInfo:  # asked for every time read in every file
        return ZoneInfo(self.timezone)

    @property
    def primary_language(self) -> str:
        return self.languages[0]


@dataclass(frozen=True)
class PlatformConfig:
    """One platform's settings; ``credentials`` maps a role to the *name* of an environment variable."""

    name: str
    enabled: bool
    api_url: str
    credentials: Mapping[str, str]
    options: Mapping[str, Any] = field(default_factory=dict)
    daily_quota: int | None = None
    timeout: float = 20.0


@dataclass(frozen=True)
class Policy:
    approval_required: bool = True
    default_platforms: tuple[str, ...] = ()  # read_config fills in the enabled platforms
    dormancy_days: int = 14
    freeze: bool = False
    freeze_file: str = "FREEZE"
    max_media_bytes: int = 5 * 1024 * 1024
    approval_proof: str = "none"  # or "github-review": an approving review on the pull request (pmcpost.forge)
    long_thread_warning: int = 3  # preview warns when a thread has more posts than this


APPROVAL_PROOFS = ("none", "github-review")


@dataclass(frozen=True)
class GithubSettings:
    """``github:``: the repository on GitHub, for review proofs and dormancy issues (pmcpost.forge)."""

    repository: str = ""  # owner/name; empty: $GITHUB_REPOSITORY (set in GitHub Actions)
    api_url: str = "https://api.github.com"  # PMCPOST_GITHUB_API_URL overrides it
    token_env: str = "GITHUB_TOKEN"  # the variable holding the token (the job's GITHUB_TOKEN)
    dormancy_label: str = "pmcpost-dormant"  # the label of the issues `report --dormant --file-issues` files


@dataclass(frozen=True)
class Paths:
    content: str = "content"
    templates: str = "templates"
    audit: str = "audit"


@dataclass(frozen=True)
class AuditSettings:
    """``audit:``: signing the entries the publishing job writes (see pmcpost.audit_sign)."""

    signing_key_env: str = "PMCPOST_AUDIT_SIGNING_KEY"  # the variable holding the private key (a CI secret)
    public_keys: Mapping[str, str] = field(default_factory=dict)  # key id -> base64 Ed25519 public key
    require_signatures: bool = False
    unsigned_before: str = ""  # UTC, as the log writes times: older entries may be unsigned


@dataclass(frozen=True)
class Config:
    """Everything config.yaml says, checked; ``root`` is the repository folder that holds it."""

    root: Path
    organisation: Organisation
    cell_name: Mapping[str, str]
    cell_members: tuple[Person, ...]
    departments: Mapping[str, Department]
    platforms: Mapping[str, PlatformConfig]
    policy: Policy
    paths: Paths
    audit: AuditSettings = AuditSettings()
    github: GithubSettings = GithubSettings()

    @property
    def path(self) -> Path:
        return self.root / CONFIG_NAME

    @functools.cached_property
    def content_dir(self) -> Path:
        return self.root / self.paths.content

    @functools.cached_property
    def templates_dir(self) -> Path:
        return self.root / self.paths.templates

    @functools.cached_property
    def audit_dir(self) -> Path:
        return self.root / self.paths.audit

    @functools.cached_property
    def people(self) -> dict[str, Person]:
        """Every coordinator and cell member by id (the first registration of an id wins)."""
        # Looked up for every announcement and audit entry: build the index once.
        people: dict[str, Person] = {}
        for p in (*(c for d in self.departments.values() for c in d.coordinators), *self.cell_members):
            people.setdefault(p.id, p)
        return people

    def person(self, person_id: str) -> Person | None:
        return self.people.get(person_id)

    def person_ref(self, person_id: str | None) -> dict[str, str] | None:
        """A person as the audit log and previews name them: ``{"id", "name"}`` (the id when unregistered)."""
        if person_id is None:
            return None
        p = self.person(person_id)
        return {"id": person_id, "name": p.name if p else person_id}

    @functools.cached_property
    def _approvers(self) -> dict[str, frozenset[str]]:
        cell = {p.id for p in self.cell_members}
        return {slug: frozenset(cell | {p.id for p in d.coordinators}) for slug, d in self.departments.items()}

    def approvers_for(self, department: str) -> frozenset[str]:
        """Who may approve a department's post: its coordinators and every cell member."""
        return self._approvers.get(department) or frozenset(p.id for p in self.cell_members)

    def enabled_platforms(self) -> list[str]:
        return [name for name, p in self.platforms.items() if p.enabled]

    def freeze_active(self) -> bool:
        return self.policy.freeze or (self.root / self.policy.freeze_file).exists()


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding config.yaml, as git finds .git."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise RepositoryNotFound(
        f"no {CONFIG_NAME} in {start.name or start} or any folder above it; "
        "run pmcpost inside a content repository or pass --root DIR"
    )


def load_config(root: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and check ``root/config.yaml``; raise ConfigError carrying every problem found."""
    environ = os.environ if environ is None else environ
    config, diagnostics = read_config(root, environ)
    if config is None or has_errors(diagnostics):
        raise ConfigError(f"{CONFIG_NAME} has problems", diagnostics)
    from pmcpost.credentials import remember_configured

    # Known from now on, so no error message, log or crash log can show them.
    remember_configured((var for p in config.platforms.values() for var in p.credentials.values()), environ)
    return config


def read_config(root: Path, environ: Mapping[str, str]) -> tuple[Config | None, list[Diagnostic]]:
    path = root / CONFIG_NAME
    label = CONFIG_NAME
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Diagnostic(label, 0, 0, "error", f"cannot read: {exc.strerror}")]
    loaded = yamlnodes.load(data, label, max_bytes=MAX_CONFIG_BYTES, what="config file")
    if loaded.root is None:
        return None, loaded.diagnostics
    reader = Reader(label, data)  # the source, to show the line of a slip
    unsafe_text.check_config(reader, loaded.root, data)
    config = _ConfigReader(reader, root, environ).read(loaded.root)
    return config, loaded.diagnostics + reader.diagnostics


class _ConfigReader:
    def __init__(self, reader: Reader, root: Path, environ: Mapping[str, str]) -> None:
        self.r = reader
        self.root = root
        self.environ = environ
        self.people: dict[str, tuple[Person, Node]] = {}
        self.languages: tuple[str, ...] = ("mr", "en")

    def read(self, root: Node) -> Config | None:
        r = self.r
        top = r.mapping(root, "config.yaml")
        if top is None:
            return None
        r.check_keys(
            top,
            {"organisation", "cell", "departments", "platforms", "policy", "paths", "audit", "github"},
            ("organisation", "departments", "platforms"),
            "config.yaml",
            root,
        )
        org = self.organisation(top["organisation"][1]) if "organisation" in top else None
        cell_name: Mapping[str, str] = {}
        members: tuple[Person, ...] = ()
        if "cell" in top:
            cell_name, members = self.cell(top["cell"][1])
        departments = self.departments(top["departments"][1]) if "departments" in top else {}
        platforms = self.platforms(top["platforms"][1]) if "platforms" in top else {}
        policy = (
            self.policy(top["policy"][1], platforms)
            if "policy" in top
            else Policy(default_platforms=tuple(n for n, p in platforms.items() if p.enabled))
        )
        paths = self.paths(top["paths"][1]) if "paths" in top else Paths()
        audit = self.audit(top["audit"][1]) if "audit" in top else AuditSettings()
        github = self.github(top["github"][1] if "github" in top else None, root)
        if org is None or r.failed:
            return None
        return Config(self.root, org, cell_name, members, departments, platforms, policy, paths, audit, github)

    # -- sections --------------------------------------------------------------------------------
    def names(self, node: Node, what: str, languages: tuple[str, ...] | None = None) -> dict[str, str]:
        languages = languages or self.languages
        entries = self.r.mapping(node, what)
        if entries is None:
            return {}
        self.r.check_keys(entries, languages, languages, what, node)
        out = {}
        for lang, (_, value) in entries.items():
            text = self.r.string(value, f"{what}.{lang}")
            if text is not None:
                out[lang] = text
        return out

    def organisation(self, node: Node) -> Organisation | None:
        r = self.r
        e = r.mapping(node, "organisation")
        if e is None:
            return None
        r.check_keys(
            e,
            {"name", "short_name", "website", "timezone", "languages"},
            ("name", "timezone", "languages"),
            "organisation",
            node,
        )
        if "languages" in e:
            langs = r.string_list(e["languages"][1], "organisation.languages") or []
            for lnode, lang in langs:
                if not LANG_RE.match(lang):
                    r.error(lnode, f"language {lang!r} must be a two- or three-letter code such as 'mr'")
            if langs:
                self.languages = tuple(lang for _, lang in langs)
            else:
                r.error(e["languages"][1], "organisation.languages must name at least one language")
        tz = "Asia/Kolkata"
        if "timezone" in e:
            value = r.string(e["timezone"][1], "organisation.timezone")
            if value is not None:
                try:
                    ZoneInfo(value)
                    tz = value
                except (ZoneInfoNotFoundError, ValueError):
                    r.error(e["timezone"][1], f"unknown timezone {value!r} (for Pune use 'Asia/Kolkata')")
        name = self.names(e["name"][1], "organisation.name") if "name" in e else {}
        short = self.names(e["short_name"][1], "organisation.short_name") if "short_name" in e else name
        website = ""
        if "website" in e:
            website = self.https_url(e["website"][1], "organisation.website") or ""
        return Organisation(name, short, website, tz, self.languages)

    def https_url(self, node: Node, what: str) -> str | None:
        value = self.r.string(node, what)
        if value is None:
            return None
        if not re.match(r"^https://[^\s/]+\.[^\s]+$", value):
            self.r.error(node, f"{what} must be an https:// address, found {value!r}")
            return None
        return value

    def person(self, node: Node, what: str) -> Person | None:
        r = self.r
        e = r.mapping(node, what)
        if e is None:
            return None
        r.check_keys(e, {"id", "name", "email", "github"}, ("id", "name", "email"), what, node)
        pid = r.string(e["id"][1], f"{what}.id") if "id" in e else None
        name = r.string(e["name"][1], f"{what}.name") if "name" in e else None
        email = r.string(e["email"][1], f"{what}.email") if "email" in e else None
        github = r.string(e["github"][1], f"{what}.github") if "github" in e else None
        if pid is not None and not PERSON_ID_RE.match(pid):
            r.error(e["id"][1], f"{what}.id {pid!r} must be lower-case letters, digits, '.', '-' or '_'")
            pid = None
        if email is not None and not EMAIL_RE.match(email):
            r.error(e["email"][1], f"{what}.email {email!r} is not an email address")
        if github is not None:
            if not GITHUB_RE.match(github):
                r.error(e["github"][1], f"{what}.github {github!r} is not a GitHub user name")
            github = github.lstrip("@")
        if pid is None or name is None or email is None:
            return None
        person = Person(pid, name, email, github)
        if pid in self.people:
            earlier, earlier_node = self.people[pid]
            if earlier != person:
                r.error(
                    e["id"][1],
                    f"person id {pid!r} is already used for someone else at line "
                    f"{earlier_node.start_mark.line + 1}; ids must be unique",
                )
        else:
            self.people[pid] = (person, e["id"][1])
        return person

    def cell(self, node: Node) -> tuple[Mapping[str, str], tuple[Person, ...]]:
        r = self.r
        e = r.mapping(node, "cell")
        if e is None:
            return {}, ()
        r.check_keys(e, {"name", "members"}, ("name", "members"), "cell", node)
        name = self.names(e["name"][1], "cell.name") if "name" in e else {}
        members: list[Person] = []
        if "members" in e:
            for i, item in enumerate(r.sequence(e["members"][1], "cell.members") or []):
                p = self.person(item, f"cell.members[{i}]")
                if p:
                    members.append(p)
        return name, tuple(members)

    def departments(self, node: Node) -> dict[str, Department]:
        r = self.r
        e = r.mapping(node, "departments")
        if e is None:
            return {}
        if not e:
            r.error(node, "departments must register at least one department")
        out = {}
        reserved = reserved_slugs()
        for slug, (key_node, value) in e.items():
            what = f"departments.{slug}"
            if not SLUG_RE.match(slug):
                r.error(
                    key_node,
                    f"department {slug!r} must be lower-case words joined by '-', "
                    "as its folder under content/ is named",
                )
                continue
            if slug in reserved:
                owner = reserved[slug]
                kept = ", ".join(name for name, who in reserved.items() if who == owner)
                r.error(
                    key_node,
                    f"department {slug!r} has the name of a folder {owner} keeps for itself ({kept}); "
                    "choose another name",
                )
                continue
            d = r.mapping(value, what)
            if d is None:
                continue
            r.check_keys(d, {"name", "coordinators", "hashtags"}, ("name", "coordinators"), what, value)
            name = self.names(d["name"][1], f"{what}.name") if "name" in d else {}
            coordinators: list[Person] = []
            if "coordinators" in d:
                items = r.sequence(d["coordinators"][1], f"{what}.coordinators") or []
                for i, item in enumerate(items):
                    p = self.person(item, f"{what}.coordinators[{i}]")
                    if p:
                        coordinators.append(p)
                if len(items) != 2 and isinstance(d["coordinators"][1], yamlnodes.SequenceNode):
                    r.error(d["coordinators"][1], f"{what} must name exactly two coordinators, found {len(items)}")
                elif len(coordinators) == 2 and _same_person(*coordinators):
                    r.error(items[1], f"{what} names the same person twice; a department needs two coordinators")
            hashtags: list[str] = []
            if "hashtags" in d:
                for hnode, tag in r.string_list(d["hashtags"][1], f"{what}.hashtags") or []:
                    norm = normalise_hashtag(tag)
                    if norm is None:
                        r.error(hnode, f"hashtag {tag!r} must be letters, digits or '_' (without '#')")
                    else:
                        hashtags.append(norm)
            out[slug] = Department(slug, name, tuple(coordinators), tuple(hashtags))
        return out

    def platforms(self, node: Node) -> dict[str, PlatformConfig]:
        from pmcpost.platforms.registry import available_platforms, description

        r = self.r
        e = r.mapping(node, "platforms")
        if e is None:
            return {}
        out = {}
        for name, (key_node, value) in e.items():
            what = f"platforms.{name}"
            if name not in available_platforms():
                r.error(key_node, f"unknown platform {name!r} (known: {', '.join(sorted(available_platforms()))})")
                continue
            spec = description(name)
            p = r.mapping(value, what)
            if p is None:
                continue
            r.check_keys(p, COMMON_PLATFORM_KEYS | set(spec.options), ("enabled",), what, value)
            enabled = r.boolean(p["enabled"][1], f"{what}.enabled") if "enabled" in p else False
            api_url = spec.api_url
            if "api_url" in p:
                api_url = self.api_url(p["api_url"][1], f"{what}.api_url") or api_url
            variable = spec.api_url_variable
            env_url = self.environ.get(variable)
            if env_url and not re.match(r"^https?://[^\s/]+(:\d+)?(/[^\s]*)?$", env_url):
                r.error(key_node, f"{variable} must be an http(s):// base address, found {env_url!r}")
            elif env_url:
                api_url = env_url.rstrip("/")
            credentials = dict(spec.credentials)
            if "credentials" in p:
                c = r.mapping(p["credentials"][1], f"{what}.credentials")
                for role, (rnode, vnode) in (c or {}).items():
                    if role not in credentials:
                        r.error(
                            rnode,
                            f"unknown credential {role!r} for {name} (known: {', '.join(credentials) or 'none'})",
                        )
                        continue
                    var = r.string(vnode, f"{what}.credentials.{role}")
                    if var is not None and not ENV_NAME_RE.match(var):
                        r.error(
                            vnode,
                            f"{what}.credentials.{role} must name an environment variable "
                            f"(such as {spec.credentials[role]}), not hold a secret",
                        )
                    elif var is not None:
                        credentials[role] = var
            quota = None
            if "daily_quota" in p:
                quota = r.integer(p["daily_quota"][1], f"{what}.daily_quota", minimum=0, maximum=MAX_DAILY_QUOTA)
            timeout = 20.0
            if "timeout" in p:
                t = r.integer(p["timeout"][1], f"{what}.timeout", minimum=1, maximum=MAX_TIMEOUT)
                timeout = float(t) if t else timeout
            options = self.platform_options(p, spec.options, what)
            for key, option in spec.options.items():
                if option.required_when_enabled and enabled and key not in options:
                    r.error(value, f"{what} needs {key}, {option.description}")
            out[name] = PlatformConfig(name, bool(enabled), api_url, credentials, options, quota, timeout)
        return out

    def platform_options(
        self, p: Mapping[str, tuple[Node, Node]], known: Mapping[str, Option], what: str
    ) -> dict[str, Any]:
        """A platform's own settings, read and checked as its description says."""
        r = self.r
        options: dict[str, Any] = {}
        for key, (_knode, vnode) in p.items():
            option = known.get(key)
            if key in COMMON_PLATFORM_KEYS or option is None:
                continue
            v: Any
            if option.type is bool:
                v = r.boolean(vnode, f"{what}.{key}")
            elif option.type is int:
                v = r.integer(vnode, f"{what}.{key}", minimum=option.minimum, maximum=option.maximum)
            else:
                v = r.string(vnode, f"{what}.{key}")
            if v is None:
                continue
            if option.choices and v not in option.choices:
                r.error(vnode, f"{what}.{key} must be one of {', '.join(option.choices)}")
            elif option.pattern and not re.match(option.pattern, str(v)):
                r.error(vnode, f"{what}.{key} must look like {option.example!r}")
            elif option.folder and not self.inside_repository(vnode, f"{what}.{key}", str(v)):
                pass
            else:
                options[key] = v
        return options

    def api_url(self, node: Node, what: str) -> str | None:
        value = self.r.string(node, what)
        if value is None:
            return None
        if not re.match(r"^https?://[^\s/]+(:\d+)?(/[^\s]*)?$", value):
            self.r.error(node, f"{what} must be an http(s):// base address, found {value!r}")
            return None
        return value.rstrip("/")

    def policy(self, node: Node, platforms: dict[str, PlatformConfig]) -> Policy:
        r = self.r
        e = r.mapping(node, "policy")
        if e is None:
            return Policy()
        r.check_keys(
            e,
            {
                "approval_required",
                "default_platforms",
                "dormancy_days",
                "freeze",
                "freeze_file",
                "max_media_bytes",
                "approval_proof",
                "long_thread_warning",
            },
            (),
            "policy",
            node,
        )
        kwargs: dict[str, Any] = {}
        if "approval_required" in e:
            kwargs["approval_required"] = r.boolean(e["approval_required"][1], "policy.approval_required")
        if "freeze" in e:
            kwargs["freeze"] = r.boolean(e["freeze"][1], "policy.freeze")
        if "freeze_file" in e:
            kwargs["freeze_file"] = r.string(e["freeze_file"][1], "policy.freeze_file")
        if "dormancy_days" in e:
            kwargs["dormancy_days"] = r.integer(
                e["dormancy_days"][1], "policy.dormancy_days", minimum=1, maximum=MAX_DORMANCY_DAYS
            )
        if "max_media_bytes" in e:
            kwargs["max_media_bytes"] = r.integer(
                e["max_media_bytes"][1], "policy.max_media_bytes", minimum=1, maximum=MAX_MEDIA_BYTES
            )
        if "long_thread_warning" in e:
            kwargs["long_thread_warning"] = r.integer(
                e["long_thread_warning"][1], "policy.long_thread_warning", minimum=1, maximum=100
            )
        if "approval_proof" in e:
            proof = r.string(e["approval_proof"][1], "policy.approval_proof")
            if proof is not None and proof not in APPROVAL_PROOFS:
                r.error(
                    e["approval_proof"][1],
                    f"policy.approval_proof must be one of {', '.join(APPROVAL_PROOFS)}, found {proof!r}",
                )
            elif proof is not None:
                kwargs["approval_proof"] = proof
        if "default_platforms" in e:
            names = []
            for pnode, pname in r.string_list(e["default_platforms"][1], "policy.default_platforms") or []:
                if pname not in platforms:
                    r.error(pnode, f"default platform {pname!r} is not configured under platforms")
                else:
                    names.append(pname)
            kwargs["default_platforms"] = tuple(names)
        else:
            kwargs["default_platforms"] = tuple(n for n, p in platforms.items() if p.enabled)
        return Policy(**{k: v for k, v in kwargs.items() if v is not None})

    def paths(self, node: Node) -> Paths:
        r = self.r
        e = r.mapping(node, "paths")
        if e is None:
            return Paths()
        r.check_keys(e, {"content", "templates", "audit"}, (), "paths", node)
        kwargs = {}
        for key, (_, value) in e.items():
            if key not in ("content", "templates", "audit"):
                continue
            v = r.string(value, f"paths.{key}")
            if v is None:
                continue
            if Path(v).is_absolute() or ".." in Path(v).parts:
                r.error(value, f"paths.{key} must be a folder inside the repository, found {v!r}")
                continue
            kwargs[key] = v
        return Paths(**kwargs)

    def inside_repository(self, node: Node, what: str, value: str) -> bool:
        """Whether ``value`` names a folder inside the repository (not the repository itself, nor .git), also
        once symbolic links are followed: pmcpost writes there, so it must never be elsewhere."""
        parts = Path(value).parts
        problem = None
        if Path(value).is_absolute() or ".." in parts:
            problem = "must be a folder inside the repository"
        elif not parts or all(part == "." for part in parts):
            problem = "must be a folder inside the repository, not the repository itself"
        elif parts[0] == ".git":
            problem = "must not be inside .git"
        else:
            try:
                real_root = self.root.resolve()
                inside = (self.root / value).resolve().is_relative_to(real_root)
                inside = inside and (self.root / value).resolve() != real_root
            except (OSError, RuntimeError):  # a symlink loop
                inside = False
            if not inside:
                problem = "must be a folder inside the repository (it leads outside through a symbolic link)"
        if problem:
            self.r.error(node, f"{what} {problem}, found {value!r}")
        return problem is None

    def audit(self, node: Node) -> AuditSettings:
        from pmcpost.audit_sign import KEY_ID_RE, decode_key

        r = self.r
        e = r.mapping(node, "audit")
        if e is None:
            return AuditSettings()
        r.check_keys(e, {"signing_key_env", "public_keys", "require_signatures", "unsigned_before"}, (), "audit", node)
        kwargs: dict[str, Any] = {}
        if "signing_key_env" in e:
            var = r.string(e["signing_key_env"][1], "audit.signing_key_env")
            if var is not None and not ENV_NAME_RE.match(var):
                r.error(
                    e["signing_key_env"][1],
                    "audit.signing_key_env must name an environment variable (such as PMCPOST_AUDIT_SIGNING_KEY), "
                    "not hold a key",
                )
            elif var is not None:
                kwargs["signing_key_env"] = var
        if "public_keys" in e:
            keys: dict[str, str] = {}
            for key_id, (key_node, value) in (r.mapping(e["public_keys"][1], "audit.public_keys") or {}).items():
                text = r.string(value, f"audit.public_keys.{key_id}")
                if not KEY_ID_RE.match(key_id):
                    r.error(key_node, f"key id {key_id!r} must be lower-case letters, digits, '.', '-' or '_'")
                elif text is not None and decode_key(text) is None:
                    r.error(value, f"audit.public_keys.{key_id} is not an Ed25519 public key (32 bytes, base64)")
                elif text is not None:
                    keys[key_id] = text.strip()
            kwargs["public_keys"] = keys
        if "require_signatures" in e:
            kwargs["require_signatures"] = r.boolean(e["require_signatures"][1], "audit.require_signatures")
        if "unsigned_before" in e:
            text = r.scalar_text(e["unsigned_before"][1], "audit.unsigned_before")
            stamp = _utc_stamp(text) if text is not None else None
            if text is not None and stamp is None:
                r.error(
                    e["unsigned_before"][1],
                    f"audit.unsigned_before must be a UTC time such as '2026-12-01T00:00:00Z', found {text!r}",
                )
            elif stamp is not None:
                kwargs["unsigned_before"] = stamp
        settings = AuditSettings(**{k: v for k, v in kwargs.items() if v is not None})
        if settings.require_signatures and not settings.public_keys:
            r.error(e["require_signatures"][1], "audit.require_signatures needs at least one key in audit.public_keys")
        return settings

    def github(self, node: Node | None, top: Node) -> GithubSettings:
        """``github:`` (optional); PMCPOST_GITHUB_API_URL overrides its api_url, as for the platforms."""
        r = self.r
        kwargs: dict[str, Any] = {}
        e = r.mapping(node, "github") if node is not None else None
        if e is not None:
            r.check_keys(e, {"repository", "api_url", "token_env", "dormancy_label"}, (), "github", node)
            if "repository" in e:
                repo = r.string(e["repository"][1], "github.repository")
                if repo is not None and not REPOSITORY_RE.match(repo):
                    r.error(e["repository"][1], f"github.repository must be owner/name, found {repo!r}")
                elif repo is not None:
                    kwargs["repository"] = repo
            if "api_url" in e:
                kwargs["api_url"] = self.api_url(e["api_url"][1], "github.api_url")
            if "token_env" in e:
                var = r.string(e["token_env"][1], "github.token_env")
                if var is not None and not ENV_NAME_RE.match(var):
                    r.error(
                        e["token_env"][1], "github.token_env must name an environment variable (such as GITHUB_TOKEN)"
                    )
                elif var is not None:
                    kwargs["token_env"] = var
            if "dormancy_label" in e:
                kwargs["dormancy_label"] = r.string(e["dormancy_label"][1], "github.dormancy_label")
        env_url = self.environ.get("PMCPOST_GITHUB_API_URL")
        if env_url:
            if not re.match(r"^https?://[^\s/]+(:\d+)?(/[^\s]*)?$", env_url):
                r.error(node or top, f"PMCPOST_GITHUB_API_URL must be an http(s):// base address, found {env_url!r}")
            else:
                kwargs["api_url"] = env_url.rstrip("/")
        return GithubSettings(**{k: v for k, v in kwargs.items() if v is not None})


def _utc_stamp(text: str) -> str | None:
    """'2026-12-01', '2026-12-01T10:00Z' or '2026-12-01T10:00:00Z' as the audit log writes times, or None."""
    from datetime import datetime, timezone

    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            moment = datetime.strptime(text.strip(), fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return None


def _same_person(a: Person, b: Person) -> bool:
    """Same id, email address or GitHub account: one person, who would approve their own posts."""
    return (
        a.id == b.id
        or a.email.casefold() == b.email.casefold()
        or (a.github is not None and b.github is not None and a.github.casefold() == b.github.casefold())
    )


@functools.cache
def _hashtag_word() -> Any:
    import regex  # its \w includes combining marks, so Marathi hashtags such as पुणे are words

    return regex.compile(r"\w+")  # compiled once: this runs for every hashtag of every file


def normalise_hashtag(tag: str) -> str | None:
    """'#PuneWater ' -> 'PuneWater'; None when unusable as a hashtag (spaces, punctuation, digits only)."""
    import unicodedata

    tag = unicodedata.normalize("NFC", tag.strip()).lstrip("#")
    if not tag or not _hashtag_word().fullmatch(tag) or tag.isdigit():
        return None
    return tag
