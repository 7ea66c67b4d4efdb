"""outpost.yaml: the declared settings schema, validated strictly, all problems at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from generator.config import schema as s
from generator.config import yamlnodes as yn
from generator.core.errors import InputError, Problem, ProblemsFound, problems_in
from generator.core.times import load_zone
from generator.notify.settings import FIELD as NOTIFY_FIELD
from generator.notify.settings import check_section as check_notify
from generator.publish.settings import PUBLISH_FIELD

CONFIG_FILE = "outpost.yaml"


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    description: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Config:
    title: str
    base_url: str  # always ends with '/'
    timezone: ZoneInfo
    home_url: str | None = None
    submit_case_url: str | None = None
    description: str | None = None
    components: tuple[Component, ...] = ()
    mirrors: tuple[str, ...] = ()
    feed_items: int = 100
    closed_recent: int = 50
    language: str = "en"
    extras: tuple[tuple[str, Any], ...] = ()  # settings owned by plug-in sections

    @property
    def host(self) -> str:
        """The site's host name, as feeds, calendars and emails name the site."""
        return urlsplit(self.base_url).hostname or "outpost.invalid"

    @property
    def base_path(self) -> str:
        """The path the site is served under: '/', or '/status/' for a subpath."""
        return "/" + self.base_url.split("://", 1)[1].split("/", 1)[1]

    def component(self, component_id: str) -> Component | None:
        return next((c for c in self.components if c.id == component_id), None)

    def extra(self, name: str) -> Any:
        return dict(self.extras).get(name)


def _zone(node: yn.Node, path: str = "") -> ZoneInfo:
    try:
        return load_zone(s.text(node))
    except InputError:
        raise s.Expected("an IANA time zone such as 'America/Chicago'") from None


def _base_url(node: yn.Node, path: str = "") -> str:
    url = s.http_url(node)
    return url if url.endswith("/") else url + "/"


COMPONENT = s.Record(
    fields=(
        s.Field("id", s.slug, "id", "Stable id used in notices and URLs.", required=True,
                example="customer-sites"),
        s.Field("name", s.text, "text", "Name shown to readers.", required=True,
                example="Customer sites"),
        s.Field("description", s.optional(s.text), "text", "One line shown under the name."),
        s.Field("group", s.optional(s.text), "text", "Components with the same group are "
                "listed together under that heading."),
    ),
    build=Component,
    noun="Config value",
)

SETTINGS: tuple[s.Field, ...] = (
    s.Field("title", s.text, "text", "Site title, shown in the header and feeds.",
            required=True, example="Example Support Notifications"),
    s.Field("base_url", _base_url, "URL", "Public URL the site is served from; a subpath "
            "such as https://example.org/status/ works.", required=True,
            example="https://status.example.org/"),
    s.Field("timezone", _zone, "IANA zone", "Zone for times written without an offset and for "
            "every time shown. Abbreviations (CDT/CST) are derived from it.", required=True,
            example="America/Chicago"),
    s.Field("home_url", s.optional(s.http_url), "URL", "The Home link back to the main portal."),
    s.Field("submit_case_url", s.optional(s.http_url), "URL",
            "The 'Submit a case' link shown on open notices."),
    s.Field("description", s.optional(s.text), "text", "One sentence under the title."),
    s.Field("components", s.list_of(s.record(COMPONENT)), "list of components",
            "The systems notices can affect: each has id, name, and optional description and "
            "group.", default=()),
    s.Field("mirrors", s.list_of(s.http_url), "list of URLs", "Other base URLs serving the "
            "same site; the embed script tries base_url, then these in order.", default=()),
    s.Field("feed_items", s.integer(1, 10000), "number", "How many recent updates the feeds "
            "hold.", default=100),
    s.Field("closed_recent", s.integer(1, 500), "number", "How many notices the Closed "
            "notifications page lists before linking to one page per year.", default=50),
    s.Field("language", s.text, "text", "The pages' language tag.", default="en"),
)

# Sections owned by other features (publishing, notifications) register here:
# name -> Field whose parsed value lands in Config.extras.
SECTIONS: dict[str, s.Field] = {}
SECTIONS["publish"] = PUBLISH_FIELD  # issue 6: generator/publish/
SECTIONS["notify"] = NOTIFY_FIELD  # issue 7: generator/notify/
# Checks of a section that need other settings (component ids, the zone), run
# after every field parsed: (values, node, prefix) -> [(line, message)].
SECTION_CHECKS: dict[str, s.ExtraCheck] = {"notify": check_notify}


def _check_components(values: dict[str, Any], node: yn.Mapping, prefix: str
                      ) -> list[tuple[int, str]]:
    seen: set[str] = set()
    problems = []
    components_node = node.entries.get("components")
    for index, component in enumerate(values["components"]):
        if component.id in seen:
            line = components_node.line if components_node else node.line
            if isinstance(components_node, yn.Sequence):
                line = components_node.items[index].line
            problems.append((line, f"duplicate component id '{component.id}'"))
        seen.add(component.id)
    for section_check in SECTION_CHECKS.values():
        problems.extend(section_check(values, node, prefix))
    return problems


def _build(**values: Any) -> Config:
    extras = tuple((name, values.pop(name)) for name in SECTIONS)
    return Config(**values, extras=extras)


def config_record() -> s.Record:
    return s.Record(fields=SETTINGS + tuple(SECTIONS.values()), build=_build,
                    noun="Config value", extra_check=_check_components)


def parse_config(text: str, path: str = CONFIG_FILE) -> Config:
    """Parse outpost.yaml text; raise ProblemsFound listing every problem."""
    try:
        node = yn.parse(text)
        return s.parse_record(node, config_record())  # type: ignore[no-any-return]
    except yn.YamlError as exc:
        raise ProblemsFound(problems_in(path, [(exc.line, exc.message)])) from None
    except s.Invalid as exc:
        raise exc.found_in(path) from None


def load_config(root: Path) -> Config:
    """Read and validate ``root/outpost.yaml``."""
    path = root / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProblemsFound([Problem(CONFIG_FILE, 1, f"no {CONFIG_FILE} in {root} "
                                     "(run 'outpost init' to create one)")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProblemsFound([Problem(CONFIG_FILE, line, "file is not valid UTF-8")]) from None
    return parse_config(text)
