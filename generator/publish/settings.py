"""The ``publish:`` section of outpost.yaml: a list of named targets, each type with its
own declared fields. Credentials never live here: secret-looking keys are refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from generator.config import schema as s
from generator.config import yamlnodes as yn
from generator.core.errors import InputError

TYPES = ("dir", "git", "s3")

_SECRET_KEY = re.compile(r"secret|password|passwd|token|credential|access_key|private_key"
                         r"|api_key|auth", re.IGNORECASE)
SECRET_HINT = ("credentials never go in outpost.yaml; set them in the environment or a "
               "standard credential chain (AWS_* variables or profiles, a git credential "
               "helper)")


@dataclass(frozen=True)
class TargetSettings:
    """One validated entry of ``publish:``; ``options`` holds the type's own fields."""

    name: str
    type: str
    url: str | None
    retries: int
    options: tuple[tuple[str, Any], ...]
    line: int = 0
    key_lines: tuple[tuple[str, int], ...] = ()  # each key's line in outpost.yaml

    def option(self, key: str) -> Any:
        return dict(self.options).get(key)

    def line_of(self, key: str) -> int:
        """The line of ``key`` in outpost.yaml, else of the entry."""
        return dict(self.key_lines).get(key, self.line)


def _no_userinfo(parser: s.Parser) -> s.Parser:
    """A URL may not carry credentials; the message never repeats the value."""

    def parse(node: yn.Node, path: str = "") -> Any:
        if isinstance(node, yn.Scalar):
            text = node.text.strip()
            try:
                parts = urlsplit(text)
                git_user = parts.username == "git" and parts.password is None
            except ValueError:
                git_user = False
            secret = s.credential_in(text.replace("git@", "", 1) if git_user else text)
            if secret:
                raise s.Invalid([(node.line, f"'{path}': remove the user name or token "
                                             f"from the URL: {SECRET_HINT}")])
        return parser(node, path)

    return parse


def _state_safe_prefix(node: yn.Node, path: str = "") -> str:
    value = s.scalar(node).strip().strip("/")
    if value and not re.fullmatch(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*", value):
        raise s.Expected("a key prefix such as 'status' (letters, digits, '.', '_', '-', '/')")
    if {".", ".."} & set(value.split("/")):
        # S3 keeps such a key as written, but a browser reads '/./' and '/../' out of the
        # address it asks for: no reader could reach a page published under it.
        raise InputError(f"a key prefix may not hold '.' or '..' between slashes, which "
                           f"browsers read out of an address, so no reader could reach the "
                           f"site: received '{value}'")
    return value + "/" if value else ""


def _matching(pattern: str, expected: str) -> s.Parser:
    """Text that matches ``pattern`` whole, else the problem says ``expected``."""
    compiled = re.compile(pattern)

    def parse(node: yn.Node, path: str = "") -> str:
        value = s.text(node)
        if not compiled.fullmatch(value):
            raise s.Expected(expected)
        return value

    return parse


# A bucket's name as S3 takes it (its client refuses others at publish time), or an
# access point's ARN.
_bucket = _matching(r"[A-Za-z0-9._-]{1,255}|arn:\S+",
                    "a bucket's name alone, such as 'status-example-org' (letters, digits, "
                    "'.', '-', '_'; no 's3://' or '/')")
# A region's code as the S3 client takes it (a host name's label: it refuses others
# before any request): AWS's 'us-east-1', R2's 'auto', a MinIO server's own name.
_region = _matching(r"(?![0-9]+$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)",
                    "a region code such as 'us-east-1' (letters, digits and hyphens, not the "
                    "console's name 'US East (N. Virginia)'; R2 takes 'auto')")


# A branch name git takes (git check-ref-format --branch), in the characters allowed
# here: parts between single slashes, none starting with '.' or ending in '.lock', no
# '..', and neither a '-' first nor a '.' last. git refuses the others when fetching
# ('invalid refspec'), after check passed them.
_BRANCH = re.compile(r"(?!-)(?!.*\.\.)(?:(?!\.)[A-Za-z0-9._-]+(?<!\.lock)/)*"
                     r"(?!\.)[A-Za-z0-9._-]*[A-Za-z0-9_-](?<!\.lock)")


def _branch(node: yn.Node, path: str = "") -> str:
    value = s.text(node)
    # 'HEAD' git reads as the checked-out commit: pushed as a branch, every 'HEAD' in
    # the repository it went to is ambiguous.
    if not _BRANCH.fullmatch(value) or value == "HEAD":
        raise s.Expected("a branch name such as 'gh-pages'")
    return value


COMMON: tuple[s.Field, ...] = (
    s.Field("name", s.slug, "id", "The target's name, used by `outpost publish NAME`.",
            required=True, example="pages"),
    s.Field("type", s.choice(*TYPES), "dir | git | s3", "What kind of host this is.",
            required=True, example="git"),
    s.Field("url", s.optional(_no_userinfo(s.base_url)), "URL", "The public URL this "
            "target serves the site at (no query, fragment or page's name); `outpost verify` "
            "reads it back from there. Without it, verify reads through the target itself "
            "(folder, git, S3 API)."),
    s.Field("retries", s.integer(0, 10), "number", "How many times a transient failure "
            "(connection refused, a 5xx, a push another publish raced) is retried, with back-off.",
            default=3),
)

TYPE_FIELDS: dict[str, tuple[s.Field, ...]] = {
    "dir": (
        s.Field("path", s.text, "path", "Folder to publish into, relative to the repository "
                "or absolute, and not the repository itself nor inside its notices/, templates/, "
                "site/, .outpost-cache/ or .git (check says so). Releases go in "
                "PATH/releases/; serve PATH/current.",
                required=True, example="/srv/status"),
        s.Field("keep", s.integer(1, 100), "number", "How many releases to keep, the "
                "current one included.", default=3),
    ),
    "git": (
        s.Field("remote", _no_userinfo(s.text), "URL, path or remote name", "Where to push: "
                "a git URL, a local path, or the name of a remote of the repository.",
                required=True, example="https://github.com/example/status.git"),
        s.Field("branch", _branch, "branch", "The branch that holds the site.",
                default="gh-pages"),
        s.Field("cname", s.optional(s.host_name), "host name", "Writes a CNAME file (GitHub "
                "Pages custom domain)."),
        s.Field("nojekyll", s.boolean, "true | false", "Writes an empty .nojekyll file so "
                "GitHub Pages serves the files as they are.", default=False),
        s.Field("state_branch", _branch, "branch", "The branch that holds Outpost's state "
                "(not served).", default="outpost-state"),
    ),
    "s3": (
        s.Field("bucket", _bucket, "bucket name", "The bucket.", required=True,
                example="status-example-org"),
        s.Field("prefix", _state_safe_prefix, "key prefix", "Publish under this prefix. The "
                "prefix belongs to Outpost: objects under it that the build lacks are "
                "deleted.", default=""),
        s.Field("region", s.optional(_region), "region", "The bucket's region code, such "
                "as us-east-1 (R2: auto; default: the standard AWS chain, e.g. AWS_REGION)."),
        s.Field("endpoint_url", s.optional(_no_userinfo(s.http_url)), "URL", "An "
                "S3-compatible endpoint (MinIO, R2, Ceph...); default AWS."),
        s.Field("jobs", s.integer(1, 64), "number", "How many uploads run at once (the "
                "order between groups is kept).", default=8),
    ),
}


def _secret_problems(node: yn.Mapping, prefix: str) -> list[tuple[int, str]]:
    return [(line, f"'{prefix}{key}': remove this key: {SECRET_HINT}")
            for key, line in node.key_lines.items() if _SECRET_KEY.search(key)]


def _target(node: yn.Node, path: str = "") -> TargetSettings:
    if not isinstance(node, yn.Mapping):
        raise s.Invalid([(node.line, f"Config value '{path}': expected a mapping with "
                                     "name, type and the type's settings")])
    prefix = f"{path}."
    secrets = _secret_problems(node, prefix)
    kind_node = node.entries.get("type")
    kind = None
    if isinstance(kind_node, yn.Scalar):
        kind = kind_node.text.strip().lower()
    fields = COMMON + TYPE_FIELDS.get(kind or "", ())
    hidden = {key for key in node.key_lines if _SECRET_KEY.search(key)}
    if kind not in TYPE_FIELDS:  # the type is reported: its keys are not unknown ones
        hidden |= {f.name for type_fields in TYPE_FIELDS.values() for f in type_fields}
    visible = yn.Mapping({k: v for k, v in node.entries.items() if k not in hidden},
                         {k: v for k, v in node.key_lines.items() if k not in hidden},
                         node.line)

    def build(**values: Any) -> TargetSettings:
        common = {f.name for f in COMMON}
        return TargetSettings(
            name=values["name"], type=values["type"], url=values["url"],
            retries=values["retries"],
            options=tuple((k, v) for k, v in values.items() if k not in common),
            line=node.line, key_lines=tuple(visible.key_lines.items()))

    try:
        result: TargetSettings = s.parse_record(
            visible, s.Record(fields, build, noun="Config value"), path)
    except s.Invalid as exc:
        raise s.Invalid(secrets + exc.problems, exc.partial) from None
    if secrets:
        raise s.Invalid(secrets, result)
    shared = _shared_branch(result, prefix)
    if shared:
        raise s.Invalid([shared], result)
    return result


def _shared_branch(target: TargetSettings, prefix: str) -> tuple[int, str] | None:
    """The problem of a git target whose site and state records share one branch: each
    publish makes the site's branch hold the site alone, so the records would be served,
    then deleted (and notify would send everything again)."""
    branch = target.option("branch")
    if target.type != "git" or branch != target.option("state_branch"):
        return None
    if "state_branch" in dict(target.key_lines):
        return (target.line_of("state_branch"),
                f"Config value '{prefix}state_branch': '{branch}' is the branch the site is "
                "published to, which holds the site alone (state records there would be "
                "served, then deleted by the next publish): use another branch")
    return (target.line_of("branch"),
            f"Config value '{prefix}branch': '{branch}' is the state_branch (default "
            "'outpost-state'), where Outpost keeps its state records: use another branch "
            "for the site")


def _targets(node: yn.Node, path: str = "") -> tuple[TargetSettings, ...]:
    """The targets, each name once (checked among the names that parsed, whatever else
    is wrong)."""
    problems: list[tuple[int, str]] = []
    try:
        targets: Any = s.list_of(_target, each="name: pages")(node, path)
    except s.Invalid as exc:
        problems, targets = list(exc.problems), exc.partial
    if targets is s.BROKEN or not targets:
        if problems:
            raise s.Invalid(problems)
        return ()
    problems += s.repeated(s.items_of(node), targets, "name", "publish target name")
    if problems:
        raise s.Invalid(problems, targets)
    return tuple(targets)


PUBLISH_FIELD = s.Field(
    "publish", _targets, "list of targets",
    "Where `outpost publish` sends the site: each entry has name, type (dir, git, s3), "
    "optional url and retries, and the type's settings. The first is the primary target.",
    default=())
