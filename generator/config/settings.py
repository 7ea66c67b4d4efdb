"""outpost.yaml: the declared settings schema, validated strictly, all problems at once.

The core settings are declared here; sections owned by features (``publish:``,
``notify:``) are declared in their packages and passed in as a ``Schema`` by the
composition root (generator/app.py), so this package imports none of them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from generator.config import location
from generator.config import schema as s
from generator.config import yamlnodes as yn
from generator.core.errors import (
    InputError,
    Problem,
    ProblemsFound,
    conflict_markers,
    not_utf8,
    problems_in,
    utf8,
)
from generator.core.model import (
    HOSTED_NOTE,
    MAX_COMPONENT_DESCRIPTION,
    MAX_CONTACT,
    MAX_FILE_BYTES,
    MAX_LINK_LABEL,
    MAX_NAME,
    MAX_SENTENCE,
    MAX_TITLE,
    Component,
    Config,
    length_problem,
)
from generator.core.times import FIRST_YEAR, LAST_YEAR, NotAZone, load_zone
from generator.disk import leads_outside, read_regular

CONFIG_FILE = location.CONFIG_FILE


def _zone(node: yn.Node, path: str = "") -> ZoneInfo:
    try:
        return load_zone(s.text(node))
    except NotAZone as exc:
        raise s.Expected("an IANA time zone such as 'America/Chicago'", exc.hint) from None


CASE_PLACEHOLDERS = ("{id}", "{title}")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}?|\}")


def _case_url(node: yn.Node, path: str = "") -> str:
    """An http(s) URL whose query may hold {id} and {title}, filled per notice."""
    url = s.http_url(node)
    doubled = re.search(r"\{\{\s*(id|title)\s*\}\}", url)
    if doubled:  # as in Jinja or Mustache; '{' alone was named the unknown placeholder
        raise InputError(f"'{doubled[0]}': write the placeholder with single braces, "
                         f"{{{doubled[1]}}}")
    for found in _PLACEHOLDER.findall(url):
        if found not in CASE_PLACEHOLDERS:
            raise InputError(f"unknown placeholder '{found}' (the link may hold {{id}} and "
                             "{title}, which notice pages fill in)")
    query_at = url.find("?")
    if any(0 <= url.find(p) < query_at or (query_at < 0 and p in url)
           for p in CASE_PLACEHOLDERS):
        raise InputError("{id} and {title} may only appear in the query, after '?' "
                         "(pages without a notice leave those parameters out)")
    return url


def case_url(template: str | None, notice_id: str | None = None, title: str | None = None
             ) -> str | None:
    """The Submit a case link: with a notice, {id} and {title} are filled in
    (URL-encoded); without one, query parameters holding a placeholder are left out."""
    if template is None or "?" not in template:
        return template
    base, _, query = template.partition("?")
    query, hash_mark, fragment = query.partition("#")
    kept = []
    for pair in query.split("&"):
        if any(p in pair for p in CASE_PLACEHOLDERS):
            if notice_id is None:
                continue
            pair = pair.replace("{id}", quote(notice_id, safe="")).replace(
                "{title}", quote(title or "", safe=""))
        kept.append(pair)
    kept_query = "&".join(p for p in kept if p)
    return f"{base}{'?' if kept_query else ''}{kept_query}{hash_mark}{fragment}"


def _day(node: yn.Node, path: str = "") -> date:
    value = s.scalar(node).strip()
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise s.Expected("a date such as 2024-07-30") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:  # as times are: see FIRST_YEAR
        raise s.Expected(f"a date from {FIRST_YEAR} to {LAST_YEAR}, such as 2024-07-30")
    return day


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def _language(node: yn.Node, path: str = "") -> str:
    """A BCP 47 language tag's shape: a 2- or 3-letter language, then subtags."""
    value = s.text(node)
    if not _LANGUAGE_TAG.fullmatch(value):
        raise s.Expected("a language tag such as 'en', 'en-US' or 'es-419'")
    return value


def _line_within(limit: int, what: str) -> s.Parser:
    """A line of at most ``limit`` characters; ``what`` names it in the message ('the
    group is 101 characters long, ...'), the key being named before it."""

    def parse(node: yn.Node, path: str = "") -> str:
        value = s.line(node, path)
        problem = length_problem(value, limit, what)
        if problem:
            raise InputError(problem)
        return value

    return parse


def _base_url(node: yn.Node, path: str = "") -> str:
    url = s.base_url(node)
    return url if url.endswith("/") else url + "/"


COMPONENT = s.Record(
    fields=(
        s.Field("id", s.slug, "id", "Stable id used in notices and URLs, at most 100 "
                "characters.", required=True, example="customer-sites"),
        s.Field("name", _line_within(MAX_NAME, "name"), "text", "Name shown to readers, at "
                "most 100 characters.", required=True, example="Customer sites"),
        s.Field("description",
                s.optional(_line_within(MAX_COMPONENT_DESCRIPTION, "description")), "text",
                "One line shown under the name, at most 500 characters."),
        s.Field("group", s.optional(_line_within(MAX_NAME, "group")), "text", "Components "
                "with the same group (at most 100 characters) are listed together under that "
                "heading; those without a group come first. On the Open page the group is a "
                "row (a `<details>`) that opens on its components, open while any of them is "
                "not operational."),
        s.Field("since", s.optional(_day), "date", "The first day of its history (YYYY-MM-DD, "
                "in the site zone): earlier days show as 'no data', not as operational. "
                "Without it, history starts on the day of the site's first notice."),
    ),
    build=Component,
    noun="Config value",
)

SETTINGS: tuple[s.Field, ...] = (
    s.Field("title", _line_within(MAX_TITLE, "title"), "text", "Site title, shown in the "
            "header and feeds, at most 250 characters.", required=True,
            example="Example Support Notifications"),
    s.Field("base_url", _base_url, "URL", "Public URL the site is served from; a subpath "
            "such as https://example.org/status/ works, a query, a fragment or a page's name "
            "(index.html) does not, and "
            "characters no URL holds raw (angle brackets, quotes, braces, |, backslash, caret, "
            "backtick) must be percent-encoded.",
            required=True,
            example="https://status.example.org/"),
    s.Field("timezone", _zone, "IANA zone", "Zone for times written without an offset and for "
            "every time shown. Abbreviations (CDT/CST) are derived from it. A place's zone: "
            "not a region (America), nor a name whose zone depends on the machine "
            "(localtime, posixrules, Factory, posix/..., right/...).", required=True,
            example="America/Chicago"),
    s.Field("home_url", s.optional(s.http_url), "URL", "The header's link back to the main "
            "portal (its words: home_label)."),
    s.Field("home_label", _line_within(MAX_LINK_LABEL, "label"), "text", "Words of the "
            "header link to home_url, saying where it goes, at most 100 characters.",
            default="Support portal"),
    s.Field("submit_case_url", s.optional(_case_url), "URL",
            "The 'Submit a case' link shown in every page's header and on open incidents. Its "
            "query may hold {id} and {title}: a notice's page fills them in (URL-encoded) so "
            "the case form names the notice; other pages leave those parameters out."),
    s.Field("alerts_url", s.optional(s.http_url), "URL", "Where readers sign up for email "
            "alerts, shown on the Subscribe page."),
    s.Field("alerts_contact", s.optional(_line_within(MAX_CONTACT, "contact")), "text",
            "Who readers ask for email alerts ('your district's Authorized Contact', an "
            "address; at most 250 characters), shown on the Subscribe page. "
            "Without it or alerts_url, the page says alerts go to authorized contacts."),
    s.Field("hosted_note", s.optional(_line_within(MAX_SENTENCE, "note")), "text", "The "
            "sentence on the Open page and in every footer saying the page does not depend on "
            "the systems it reports on (at most 1,000 characters), followed by links to the "
            "mirrors; an empty value leaves it out.",
            default=HOSTED_NOTE),
    s.Field("stale_after", s.integer(0, 100000), "minutes", "How old the Open page (and a "
            "component's or an open notice's page) may get before a small inline script "
            "warns readers it may be out of date (the default is "
            "the 10-minute publish schedule plus 2 hours); 0 leaves the script out.",
            default=130),
    s.Field("description", s.optional(_line_within(MAX_SENTENCE, "description")), "text",
            "One sentence under the title (and in every page's description for search "
            "engines), at most 1,000 characters."),
    s.Field("components", s.list_of(s.record(COMPONENT), each="id: customer-sites"),
            "list of components",
            "The systems notices can affect: each has id, name, and optional description and "
            "group.", default=()),
    s.Field("mirrors", s.list_of(_base_url), "list of URLs", "Other base URLs serving the "
            "same site (no query, fragment or page's name; each once, and not base_url); the "
            "embed script tries base_url, then these in order.", default=()),
    s.Field("feed_items", s.integer(1, 10000), "number", "How many recent updates the feeds "
            "hold.", default=100),
    s.Field("closed_recent", s.integer(1, 500), "number", "How many notices the Closed "
            "notifications page lists before linking to one page per year.", default=50),
    s.Field("history_days", s.integer(7, 365), "days", "How many days of daily status "
            "bars each component shows (its page and the Open page), ending today in the "
            "site zone.", default=90),
    s.Field("recent_days", s.integer(0, 90), "days", "How many days of recent history the "
            "Open page lists below the open notices, today first, one heading a day ('No "
            "notices' on quiet days); 0 leaves the section out.", default=7),
    s.Field("language", _language, "language tag", "The language the notices are written "
            "in, declared by the pages, feeds and emails (a BCP 47 tag such as en, en-US or "
            "es-419). Outpost's own words (labels, statuses, dates) stay English whatever "
            "it says; where it is not English, the pages and banners mark those words "
            "English and the site's text (titles, updates, names) as this language, so "
            "that a screen reader speaks each in its own.", default="en"),
)

def _check_components(values: dict[str, Any], node: yn.Mapping, prefix: str
                      ) -> list[tuple[int, str]]:
    """Each component id once (among the components whose id parsed)."""
    components, components_node = values["components"], node.entries.get("components")
    if components is s.BROKEN or not components or components_node is None:
        return []
    return s.repeated(s.items_of(components_node), components, "id", "component id")


def _check_mirrors(values: dict[str, Any], node: yn.Mapping) -> list[tuple[int, str]]:
    """Each mirror once, and none the base_url itself: banner.json and the embeds list
    every host to try, and the banner would wait on one that failed again."""
    mirrors, mirrors_node = values.get("mirrors"), node.entries.get("mirrors")
    if mirrors is s.BROKEN or not mirrors or mirrors_node is None:
        return []
    items, seen = s.items_of(mirrors_node), {values.get("base_url")} - {s.BROKEN}
    problems = []
    for item, mirror in zip(items, mirrors, strict=True):
        if mirror is s.BROKEN:  # its own problem is reported
            continue
        if mirror in seen:
            problems.append((item.line, (
                f"mirror '{mirror}' is the base_url itself: list only other hosts"
                if mirror == values.get("base_url")
                else f"duplicate mirror '{mirror}'")))
        seen.add(mirror)
    return problems


@dataclass(frozen=True)
class Section:
    """A top-level section of outpost.yaml owned by a feature: its field (the parsed value
    lands in ``Config.extras``) and an optional check that needs the other settings
    (component ids, the zone), run after every field parsed."""

    field: s.Field
    check: s.ExtraCheck | None = None


@dataclass(frozen=True)
class Schema:
    """The settings of outpost.yaml: the core ones plus the features' sections."""

    sections: tuple[Section, ...] = field(default=())

    @property
    def fields(self) -> tuple[s.Field, ...]:
        return SETTINGS + tuple(section.field for section in self.sections)

    def record(self) -> s.Record:
        names = [section.field.name for section in self.sections]
        checks = [section.check for section in self.sections if section.check is not None]

        def build(**values: Any) -> Config:
            extras = tuple((name, values.pop(name)) for name in names)
            return Config(**values, extras=extras)

        def check_all(values: dict[str, Any], node: yn.Mapping, prefix: str
                      ) -> list[tuple[int, str]]:
            problems = _check_components(values, node, prefix) + _check_mirrors(values, node)
            for check in checks:
                problems.extend(check(values, node, prefix))
            return problems

        return s.Record(fields=self.fields, build=build, noun="Config value",
                        extra_check=check_all)

    def parse(self, text: str, path: str = CONFIG_FILE) -> Config:
        """Parse outpost.yaml text; raise ProblemsFound listing every problem."""
        return parse_config(text, self.sections, path)

    def load(self, root: Path) -> Config:
        """Read and validate ``root/outpost.yaml``."""
        return load_config(root, self.sections)

    def from_bytes(self, raw: bytes) -> Config:
        """Validate outpost.yaml's bytes."""
        return config_from_bytes(raw, self.sections)

    @property
    def names(self) -> tuple[str, ...]:
        """The features' section names, in order."""
        return tuple(section.field.name for section in self.sections)


def parse_config(text: str, sections: Sequence[Section] = (), path: str = CONFIG_FILE
                 ) -> Config:
    """Parse outpost.yaml text; raise ProblemsFound listing every problem."""
    conflicts = conflict_markers(text)
    if conflicts:  # YAML would name the first marker only, as a key without its ':'
        raise ProblemsFound(problems_in(path, conflicts))
    refused: list[tuple[int, str]] = []  # YAML's, read past: named with the values' own
    try:
        node = yn.parse(text, aliases=True, problems=refused)
        config: Config = s.parse_record(node, Schema(tuple(sections)).record())
    except yn.YamlError as exc:
        raise ProblemsFound(problems_in(path, [*refused, (exc.line, exc.message)])) from None
    except s.Invalid as exc:
        raise ProblemsFound(problems_in(path, refused + exc.problems)) from None
    if refused:
        raise ProblemsFound(problems_in(path, refused))
    return config


def reading_digest(config: Config) -> str:
    """A digest of the settings notices are read and rendered with: all but the features'
    sections (publish, notify), so that adding a publishing target does not mean parsing
    every notice again."""
    return hashlib.sha256(repr(replace(config, extras=())).encode()).hexdigest()


def read_config(root: Path) -> bytes:
    """The bytes of ``root/outpost.yaml``; ProblemsFound when there is none, or when it
    is not a regular file (a FIFO there is never read: it would block)."""
    path = root / CONFIG_FILE
    if os.path.islink(path) and leads_outside(path, root):  # its text would be echoed
        raise ProblemsFound([Problem(CONFIG_FILE, 0, "symlink to a file outside the "
                                     "repository, not read: copy the settings into "
                                     f"{CONFIG_FILE}")])
    try:  # at most one byte past the limit, however the file grows while it is read
        raw = read_regular(path, MAX_FILE_BYTES + 1)
    except OSError:
        raw = None
    if isinstance(raw, bytes):
        if len(raw) > MAX_FILE_BYTES:
            raise ProblemsFound([Problem(CONFIG_FILE, 0, "file is larger than the limit of "
                                         f"{MAX_FILE_BYTES:,} bytes: shorten it")])
        return raw
    if not os.path.lexists(path):  # line 0: a file that does not exist has no line 1
        raise ProblemsFound([Problem(CONFIG_FILE, 0, location.missing_config(root))])
    raise ProblemsFound([Problem(CONFIG_FILE, 0, "not a regular file that can be read: "
                                                 "write the settings into a plain file")])


def config_from_bytes(raw: bytes, sections: Sequence[Section] = ()) -> Config:
    """Validate the bytes of outpost.yaml; raise ProblemsFound listing every problem."""
    try:
        text = utf8(raw)
    except UnicodeDecodeError as exc:
        raise ProblemsFound([Problem(CONFIG_FILE, *not_utf8(raw, exc))]) from None
    return parse_config(text, sections)


def load_config(root: Path, sections: Sequence[Section] = ()) -> Config:
    """Read and validate ``root/outpost.yaml``."""
    return config_from_bytes(read_config(root), sections)


def shared_component_names(root: Path, config: Config) -> list[Problem]:
    """A warning (outpost.yaml:line) for each component named as an earlier one is (case
    aside): readers see the name alone, in the line at the top of the Open page, a
    notice's components, the banner and mail, and cannot tell which one is hit."""
    first: dict[str, Component] = {}
    shared: list[tuple[int, Component, Component]] = []
    for index, component in enumerate(config.components):
        earlier = first.setdefault(component.name.casefold(), component)
        if earlier is not component:
            shared.append((index, component, earlier))
    if not shared:
        return []
    lines = _component_lines(read_config(root), "name")
    warnings = []
    for index, component, earlier in shared:
        own = (f", such as '{component.name} ({component.group})'" if component.group
               else "")
        warnings.append(Problem(
            CONFIG_FILE, lines[index] if index < len(lines) else 0,
            f"component '{component.id}' has the name of component '{earlier.id}' "
            f"('{earlier.name}'): readers see the name alone, in the line at the top of "
            f"the Open page, a notice's components, the banner and mail, and cannot tell "
            f"which one is hit: give it a name of its own{own}"))
    return warnings


def groups_in_other_capitals(root: Path, config: Config) -> list[Problem]:
    """A warning (outpost.yaml:line) for each component whose group an earlier component
    writes in other capitals: groups are told apart by their words as written, so the
    Open page lists two groups under headings alike, each with part of the components."""
    first: dict[str, Component] = {}
    split: list[tuple[int, Component, Component]] = []
    for index, component in enumerate(config.components):
        if component.group is None:
            continue
        earlier = first.setdefault(component.group.casefold(), component)
        if earlier.group != component.group:
            split.append((index, component, earlier))
    if not split:
        return []
    lines = _component_lines(read_config(root), "group")
    return [Problem(CONFIG_FILE, lines[index] if index < len(lines) else 0,
                    f"component '{component.id}' has the group '{component.group}', which "
                    f"component '{earlier.id}' writes '{earlier.group}': the Open page lists "
                    f"them as two groups headed alike: write '{earlier.group}'")
            for index, component, earlier in split]


def _component_lines(raw: bytes, key: str) -> list[int]:
    """The line of each component's ``key`` in outpost.yaml (its item's line without
    one), in order (settings that parsed)."""
    root = yn.parse(raw.decode("utf-8"), aliases=True)
    listed = root.entries.get("components") if isinstance(root, yn.Mapping) else None
    if not isinstance(listed, yn.Sequence):
        return []
    return [item.key_lines.get(key, item.line) if isinstance(item, yn.Mapping)
            else item.line for item in listed.items]
