"""The publish: section of outpost.yaml: declared fields per type, secrets refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.app import TARGET_KINDS, schema
from generator.core.errors import ProblemsFound
from generator.publish.base import targets_from_config
from generator.publish.folder import FolderTarget
from generator.publish.git import GitTarget
from tests.conftest import MINIMAL_CONFIG, Run

HINT = ("credentials never go in outpost.yaml; set them in the environment or a standard "
        "credential chain (AWS_* variables or profiles, a git credential helper)")


def problems(publish_yaml: str) -> list[str]:
    with pytest.raises(ProblemsFound) as caught:
        schema().parse(MINIMAL_CONFIG + publish_yaml)
    return [str(p) for p in caught.value.problems]


def test_valid_targets_in_order(tmp_path: Path) -> None:
    config = schema().parse(MINIMAL_CONFIG + """\
publish:
  - name: pages
    type: git
    remote: https://github.com/example/status.git
    cname: status.example.org
    nojekyll: true
  - name: mirror
    type: s3
    bucket: status-example
    prefix: /site/
    endpoint_url: https://s3.example.net
    url: https://mirror.example.net/site/
  - name: local
    type: dir
    path: www
""")
    targets = config.extra("publish")
    assert [t.name for t in targets] == ["pages", "mirror", "local"]
    assert targets[0].option("branch") == "gh-pages" and targets[0].option("nojekyll") is True
    assert targets[1].option("prefix") == "site/" and targets[1].retries == 3
    assert targets[2].option("keep") == 3
    built = targets_from_config(config, tmp_path, TARGET_KINDS, ["local"])
    assert isinstance(built[0], FolderTarget) and built[0].path == tmp_path / "www"
    primary = targets_from_config(config, tmp_path, TARGET_KINDS)[0]
    assert isinstance(primary, GitTarget)  # primary first


def test_secret_keys_are_refused_without_echoing_them() -> None:
    found = problems("""\
publish:
  - name: mirror
    type: s3
    bucket: b
    aws_secret_access_key: wJalrXUtnFEMIK7MDENG
    Password: hunter2
""")
    assert found == [
        f"outpost.yaml:13: 'publish[0].aws_secret_access_key': remove this key: {HINT}",
        f"outpost.yaml:14: 'publish[0].Password': remove this key: {HINT}",
    ]
    assert not any("wJalr" in p or "hunter2" in p for p in found)


def test_tokens_in_urls_are_refused_without_echoing_them() -> None:
    found = problems("""\
publish:
  - name: pages
    type: git
    remote: https://x-access-token:ghp_abc123@github.com/example/status.git
  - name: mirror
    type: s3
    bucket: b
    endpoint_url: https://key:secret@s3.example.net
""")
    assert found == [
        f"outpost.yaml:12: 'publish[0].remote': remove the user name or token from the URL: "
        f"{HINT}",
        f"outpost.yaml:16: 'publish[1].endpoint_url': remove the user name or token from the "
        f"URL: {HINT}",
    ]


def test_git_ssh_user_is_allowed() -> None:
    config = schema().parse(MINIMAL_CONFIG + """\
publish:
  - {name: pages, type: git, remote: "ssh://git@github.com/example/status.git"}
  - {name: pages2, type: git, remote: "git@github.com:example/status.git"}
""")
    assert len(config.extra("publish")) == 2


def test_every_problem_with_its_line() -> None:
    assert problems("""\
publish:
  - name: Pages
    type: ftp
  - name: local
    type: dir
    keep: 0
    bucket: b
  - name: local
    type: git
    remote: ../x
    branch: "a..b"
  - just text
""") == [
        "outpost.yaml:10: Config value 'publish[0].name': expected an id of lowercase "
        "letters, digits and hyphens, received 'Pages'",
        "outpost.yaml:11: Config value 'publish[0].type': expected one of dir, git, s3, "
        "received 'ftp'",
        "outpost.yaml:12: missing required key 'publish[1].path'",
        "outpost.yaml:14: Config value 'publish[1].keep': expected a whole number from 1 to "
        "100, received '0'",
        "outpost.yaml:15: unknown key 'publish[1].bucket' (known keys: keep, name, path, "
        "retries, type, url)",
        "outpost.yaml:16: duplicate publish target name 'local'",
        "outpost.yaml:19: Config value 'publish[2].branch': expected a branch name such as "
        "'gh-pages', received 'a..b'",
        "outpost.yaml:20: Config value 'publish[3]': expected a mapping with name, type and "
        "the type's settings",
    ]


def test_a_target_url_is_a_base_url() -> None:
    assert problems("""\
publish:
  - {name: a, type: dir, path: x, url: "https://mirror.example.net/?v=1"}
  - {name: b, type: s3, bucket: b, endpoint_url: "https://s3..example.net"}
""") == [
        "outpost.yaml:10: Config value 'publish[0].url': a base URL may not hold a query "
        "('?...') or a fragment ('#...'): every link is made by adding a path to it",
        "outpost.yaml:11: Config value 'publish[1].endpoint_url': 's3..example.net' is not a "
        "host name: use letters, digits and hyphens between dots (such as "
        "'status.example.org'), or an IP address",
    ]


def test_a_bucket_is_its_name_alone() -> None:
    """S3's client refuses these at publish time with its own pattern; check names them."""
    hint = ("expected a bucket's name alone, such as 'status-example-org' (letters, digits, "
            "'.', '-', '_'; no 's3://' or '/')")
    assert problems("""\
publish:
  - {name: a, type: s3, bucket: "s3://status-example-org"}
  - {name: b, type: s3, bucket: "status-example-org/site"}
  - {name: c, type: s3, bucket: "status example"}
  - {name: d, type: s3, bucket: "Legacy_Bucket.1"}
  - {name: e, type: s3, bucket: "arn:aws:s3:us-east-1:123456789012:accesspoint/status"}
""") == [
        f"outpost.yaml:10: Config value 'publish[0].bucket': {hint}, received "
        "'s3://status-example-org'",
        f"outpost.yaml:11: Config value 'publish[1].bucket': {hint}, received "
        "'status-example-org/site'",
        f"outpost.yaml:12: Config value 'publish[2].bucket': {hint}, received "
        "'status example'",
    ]


def test_a_prefix_holds_no_dot_segment() -> None:
    """S3 keeps '../site/index.html' as written, but a browser asks for '/site/index.html'
    (and the state beside the prefix, '.outpost/../site/state/', would read as public)."""
    why = ("a key prefix may not hold '.' or '..' between slashes, which browsers read out "
           "of an address, so no reader could reach the site")
    assert problems("""\
publish:
  - {name: a, type: s3, bucket: b, prefix: "../site"}
  - {name: b, type: s3, bucket: b, prefix: "status/./2026/"}
  - {name: c, type: s3, bucket: b, prefix: "/.."}
  - {name: d, type: s3, bucket: b, prefix: "v1.2/..status"}
""") == [
        f"outpost.yaml:10: Config value 'publish[0].prefix': {why}: received '../site'",
        f"outpost.yaml:11: Config value 'publish[1].prefix': {why}: received 'status/./2026'",
        f"outpost.yaml:12: Config value 'publish[2].prefix': {why}: received '..'",
    ]


def test_cname_is_a_host_name_alone() -> None:
    """GitHub Pages reads the CNAME file as a bare host name: a URL pasted there (as
    base_url and url are written) would be published and break the custom domain."""
    hint = "expected a host name such as 'status.example.org' (no 'https://', path or port)"
    assert problems("""\
publish:
  - {name: a, type: git, remote: x, cname: "https://status.example.org/"}
  - {name: b, type: git, remote: x, cname: "status.example.org/"}
  - {name: c, type: git, remote: x, cname: "status.example.org:8080"}
  - {name: d, type: git, remote: x, cname: "status example.org"}
  - {name: e, type: git, remote: x, cname: "status..example.org"}
  - {name: f, type: git, remote: x, cname: "STATUS.example.org."}
""") == [
        f"outpost.yaml:10: Config value 'publish[0].cname': {hint}, received "
        "'https://status.example.org/'",
        f"outpost.yaml:11: Config value 'publish[1].cname': {hint}, received "
        "'status.example.org/'",
        f"outpost.yaml:12: Config value 'publish[2].cname': {hint}, received "
        "'status.example.org:8080'",
        f"outpost.yaml:13: Config value 'publish[3].cname': {hint}, received "
        "'status example.org'",
        "outpost.yaml:14: Config value 'publish[4].cname': 'status..example.org' is not a "
        "host name: use letters, digits and hyphens between dots (such as "
        "'status.example.org'), or an IP address",
    ]


def test_a_branch_is_one_git_takes() -> None:
    """Names git refuses failed every publish with 'git fetch: fatal: invalid refspec', and
    'HEAD' was pushed as a branch that made HEAD ambiguous where it went."""
    names = [".hidden", "site/.old", "pages.", "site//2026", "old.lock/site", "HEAD"]
    targets = "".join(f"  - {{name: t{n}, type: git, remote: x, branch: '{name}'}}\n"
                      for n, name in enumerate(names))
    assert problems("publish:\n" + targets) == [
        f"outpost.yaml:{10 + n}: Config value 'publish[{n}].branch': expected a branch name "
        f"such as 'gh-pages', received '{name}'" for n, name in enumerate(names)]
    good = "publish:\n  - {name: a, type: git, remote: x, branch: release/v1.2_site-a}\n"
    assert schema().parse(MINIMAL_CONFIG + good).extra("publish")[0].option(
        "branch") == "release/v1.2_site-a"


def test_state_branch_is_not_the_site_branch() -> None:
    """Each publish makes the site's branch hold exactly the site: state records there
    were served, then deleted by the next publish, and notify sent everything again."""
    why = ("the branch the site is published to, which holds the site alone (state "
           "records there would be served, then deleted by the next publish): use "
           "another branch")
    assert problems("""\
publish:
  - name: a
    type: git
    remote: x
    state_branch: gh-pages
  - {name: b, type: git, remote: x, branch: outpost-state}
  - {name: c, type: git, remote: x, branch: site, state_branch: state}
""") == [
        f"outpost.yaml:13: Config value 'publish[0].state_branch': 'gh-pages' is {why}",
        "outpost.yaml:14: Config value 'publish[1].branch': 'outpost-state' is the "
        "state_branch (default 'outpost-state'), where Outpost keeps its state records: "
        "use another branch for the site",
    ]


def test_a_broken_type_hides_no_other_problem_and_adds_none() -> None:
    assert problems("""\
publish:
  - name: a
    type: ftp
    path: x
    retries: many
  - name: a
    type: dir
    path: y
""") == [
        "outpost.yaml:11: Config value 'publish[0].type': expected one of dir, git, s3, "
        "received 'ftp'",
        "outpost.yaml:13: Config value 'publish[0].retries': expected a whole number from 0 "
        "to 10, received 'many'",
        "outpost.yaml:14: duplicate publish target name 'a'",
    ]


def test_duplicate_names() -> None:
    assert problems("""\
publish:
  - {name: a, type: dir, path: x}
  - {name: a, type: dir, path: y}
""") == ["outpost.yaml:11: duplicate publish target name 'a'"]


def test_check_command_reports_publish_problems(empty_repo: Path, run: Run) -> None:
    (empty_repo / "outpost.yaml").write_text(MINIMAL_CONFIG + "publish:\n  - name: x\n")
    result = run(empty_repo, "check")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "outpost.yaml:10: missing required key 'publish[0].type'",
        "1 problem found.",
    ]


@pytest.mark.parametrize(("publish_yaml", "line", "received"), [
    ("publish: pages\n", 9, "'pages'"),
    ("publish:\n  name: pages\n  type: git\n", 10, "a mapping"),
])
def test_publish_that_is_not_a_list_says_so_at_its_line(publish_yaml: str, line: int,
                                                          received: str) -> None:
    assert problems(publish_yaml) == [
        f"outpost.yaml:{line}: Config value 'publish': expected a list of targets, each starting "
        f"with '- ' on a line of its own (such as '- name: pages'), received {received}"]
