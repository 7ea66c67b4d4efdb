"""The ``notify:`` section of outpost.yaml: declared fields, checked with line numbers.

Light on purpose: generator.config.settings imports it to register the section, so it
must not import generator.config.settings (or anything heavy) itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from generator.config import schema as s
from generator.config import yamlnodes as yn
from generator.core.errors import InputError, unknown_component
from generator.core.model import MAX_NAME, length_problem
from generator.core.times import NotATime, ZoneAbbreviation, parse_time

SECTION = "notify"
USERNAME_ENV = "OUTPOST_SMTP_USERNAME"
PASSWORD_ENV = "OUTPOST_SMTP_PASSWORD"
_SECRET_KEYS = ("username", "user", "login", "password", "pass", "passwd", "secret", "token",
                "api_key", "apikey", "key", "auth", "credentials")
_DURATION = re.compile(r"(?:(?P<d>[0-9]+)d)?(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ADDRESS = re.compile(r"[^@\s<>\",;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


@dataclass(frozen=True)
class Horizon:
    """Only updates at or after this point notify: a fixed time or a span before now."""

    text: str
    line: int
    span: timedelta | None  # set for durations such as '2d'

    def resolve(self, now: datetime, zone: ZoneInfo) -> datetime:
        if self.span is not None:
            return now - self.span
        return parse_time(self.text, zone)


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int | None
    security: str  # starttls | tls | none
    timeout: float

    @property
    def effective_port(self) -> int:
        return self.port or {"starttls": 587, "tls": 465, "none": 25}[self.security]

    @property
    def address(self) -> str:
        """The host to connect to: an IPv6 address without the brackets it is written in."""
        return self.host[1:-1] if self.host.startswith("[") else self.host


@dataclass(frozen=True)
class Contact:
    email: str
    name: str | None
    components: tuple[str, ...]
    types: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class Webhook:
    name: str
    url: str | None
    url_env: str | None
    format: str  # statuspage | slack
    components: tuple[str, ...]
    types: tuple[str, ...]
    timeout: float
    retries: int
    backoff: float
    line: int = 0


@dataclass(frozen=True)
class NotifySettings:
    since: Horizon
    sender: str | None
    reply_to: str | None
    remind_before: timedelta | None
    smtp: Smtp | None
    contacts: tuple[Contact, ...]
    webhooks: tuple[Webhook, ...]


MAX_DURATION_DAYS = 3650  # ten years: any longer reaches past the calendar's ends


def parse_duration(text: str) -> timedelta | None:
    """'90m', '2h', '1d12h' -> timedelta; None when ``text`` is not a duration, InputError
    when it is longer than MAX_DURATION_DAYS."""
    match = _DURATION.fullmatch(text.strip())
    if not match or not any(match.groups()):
        return None
    too_long = any(len(part) > 9 for part in match.groups() if part)  # before int()
    days, hours, minutes = (0, 0, 0) if too_long else (
        int(match[k] or 0) for k in ("d", "h", "m"))
    if too_long or (days * 24 + hours) * 60 + minutes > MAX_DURATION_DAYS * 24 * 60:
        raise InputError(f"a duration may be at most {MAX_DURATION_DAYS} days; received "
                         f"'{text.strip()}'")
    return timedelta(days=days, hours=hours, minutes=minutes)


def _horizon(node: yn.Node, path: str = "") -> Horizon:
    text = s.text(node)
    span = parse_duration(text)
    if span is None:
        try:  # the shape only (the site zone is checked with the other settings)
            parse_time(text, ZoneInfo("UTC"))
        except NotATime:  # a time's own problem (its offset, say) is reported as it is
            raise s.Expected("a time such as '2026-11-01 00:00' or a duration such as "
                             "'2d', '12h' or '90m'") from None
        except ZoneAbbreviation:  # named there, with the offset it has in the site zone
            pass
    return Horizon(text, node.line, span)


def _duration(node: yn.Node, path: str = "") -> timedelta | None:
    text = s.text(node)
    if text.lower() in ("none", "off"):
        return None
    span = parse_duration(text)
    if span is None or not span:
        raise s.Expected("a duration such as '1h', '90m' or '1d', or 'off'")
    return span


def _seconds(low: float, high: float) -> s.Parser:
    return s.InRange(low, high, "a number of seconds", whole=False)


def _mailbox(value: str) -> str | None:
    """The one address in ``value`` ('ops@example.org', 'Ops <ops@example.org>') as the
    email package reads it when sending, or None: it reads 'a:b@…' as a group (mail goes
    to b@…) and 'a(b)@…' with a comment (to a@…), and cannot send a non-ASCII one."""
    # Imported here: 12 ms every command would pay.
    from email.errors import ObsoleteHeaderDefect
    from email.policy import default

    try:
        header = default.header_factory("To", value)
    except Exception:  # its parser raises assorted errors on some text: 'x@', 'a@['
        return None
    # 'Example Inc. <…>' is obsolete syntax (a '.' in the name), read and sent as written.
    broken = [d for d in header.defects if not isinstance(d, ObsoleteHeaderDefect)]
    if broken or len(header.groups) != 1 or header.groups[0].display_name:
        return None
    [mailbox] = header.groups[0].addresses
    address: str = mailbox.addr_spec
    return address if address.isascii() and _ADDRESS.fullmatch(address) else None


def _ascii_domain(value: str) -> str:
    """For an address whose domain is not ASCII ('ops@exämple.org'), the hint to write
    it as mail systems read it ('ops@xn--exmple-cua.org'); else ''."""
    found = re.search(r"([^\s<>@]+)@([^\s<>@]+)", value)
    if found is None or found.group(2).isascii() or not found.group(1).isascii():
        return ""
    try:
        domain = found.group(2).encode("idna").decode("ascii")
        # Python's codec is IDNA 2003, which changes some letters ('straße.de' to
        # 'strasse.de', another domain; a soft hyphen to nothing) where registries and
        # mail systems follow IDNA 2008: hinted only when it is the same name.
        if domain.encode("ascii").decode("idna") != unicodedata.normalize(
                "NFC", found.group(2)).lower():
            return ""
    except UnicodeError:
        return ""
    written = value[:found.start(2)] + domain + value[found.end(2):]
    return f"write the domain in its ASCII form: '{written}'"


def _address(node: yn.Node, path: str = "") -> str:
    """A header's address, its name's tab a space, as in every one-line name, and that
    name (before '<', unquoted) at most MAX_NAME characters: it is in every email. Measured
    before the email package reads the address, whose time grows faster than its length."""
    value = s.spaced(s.text(node))
    name = value.rpartition("<")[0].strip().strip('"')
    if problem := length_problem(name, MAX_NAME, "name in the address"):
        raise InputError(problem)
    if "\n" in value or _mailbox(value) is None:
        raise s.Expected("an email address such as 'ops@example.org' or "
                         "'Status <status@example.org>'",
                         _ascii_domain(value) or _quote_hint(value, name))
    return value


def _quote_hint(value: str, name: str) -> str:
    """For a name holding a character an address reads as its own ('Zoe, IT Desk': the
    comma parts two addresses), the address with the name in double quotes, if that
    one is read."""
    if not name or value.lstrip().startswith('"') or not any(c in name for c in ',;:@()[]'):
        return ""
    quoted = f'"{name}" <{value.rpartition("<")[2]}'
    if _mailbox(quoted) is None:
        return ""
    return f"put the name in double quotes, inside single ones: '{quoted}'"


def is_bare_address(value: str) -> bool:
    """'ops@example.org' alone: no name, one address, one Outpost can send to."""
    return _mailbox(value) == value


def _bare_address(node: yn.Node, path: str = "") -> str:
    value = s.text(node)
    if not is_bare_address(value):
        raise s.Expected("an email address such as 'ops@example.org'", _ascii_domain(value))
    return value


def _refused(hint: str) -> Callable[[str], str | None]:
    """For a Record: an undeclared key named like a credential is refused with ``hint``."""

    def refuse(key: str) -> str | None:
        if key.lower() not in _SECRET_KEYS:
            return None
        return f"credentials are never read from outpost.yaml, which is public; {hint}"

    return refuse


def _with_line(spec: s.Record) -> s.Parser:
    def parse(node: yn.Node, path: str = "") -> Any:
        return replace(s.parse_record(node, spec, path), line=node.line)

    return parse


def _webhook_url(node: yn.Node, path: str = "") -> str | None:
    if s._is_blank(node):
        return None
    text = s.scalar(node).strip()
    secret = s.credential_in(text)
    if secret:
        raise s.Invalid([(node.line, f"'{path}': the URL holds {secret}; outpost.yaml is "
                                     "public, so set the URL in an environment variable and "
                                     "write 'url_env: NAME' instead")])
    if s.secret_webhook_host(text):
        raise s.Invalid([(node.line, f"'{path}': this webhook URL is itself a secret; "
                                     "outpost.yaml is public, so set it in an environment "
                                     "variable and write 'url_env: NAME' instead")])
    return s.http_url(node)


def _host_name(node: yn.Node, path: str = "") -> str:
    """A host name or address only: a user name, password or port is refused unrepeated."""
    value = s.text(node)
    if re.search(r"[@/:\s]", value) and not re.fullmatch(r"\[[0-9A-Fa-f:.]+\]", value):
        raise s.Invalid([(node.line, f"'{path}': give only the host name, such as "
                                     f"'smtp.example.org' (the port goes in 'port'; "
                                     f"{CREDENTIALS_HINT})")])
    return value


def _env_name(node: yn.Node, path: str = "") -> str | None:
    if s._is_blank(node):
        return None
    value = s.text(node)
    if not _ENV_NAME.fullmatch(value):
        raise s.Expected("an environment variable name such as 'OUTPOST_SLACK_WEBHOOK'")
    return value


CREDENTIALS_HINT = (f"set {USERNAME_ENV} and {PASSWORD_ENV} in the environment (CI secrets) "
                    "instead")
_ENV_HINT = "put secrets in environment variables"
_TYPES = s.list_of(s.choice("incident", "maintenance"))

SMTP = s.Record(
    fields=(
        s.Field("host", _host_name, "host name", "The SMTP server.", required=True,
                example="smtp.example.org"),
        s.Field("port", s.optional(s.integer(1, 65535)), "number",
                "Default: 587 for starttls, 465 for tls, 25 for none."),
        s.Field("security", s.choice("starttls", "tls", "none"), "starttls | tls | none",
                "STARTTLS on a plain connection, TLS from the start, or none (tests only).",
                default="starttls"),
        s.Field("timeout", _seconds(1, 600), "seconds", "Network timeout per command.",
                default=30.0),
    ),
    build=Smtp,
    noun="Config value",
    refuse=_refused(CREDENTIALS_HINT),
)


def _contact_name(node: yn.Node, path: str = "") -> str:
    """One line that mail headers carry as it is: Python's email package reads '=?...?='
    in a name as encoded text, even in an address it is given, so a name holding
    '=?utf-8?q?x=0D=0AX-Evil:_1?=' wrote a line break and a header of its own."""
    value = s.line(node, path)
    if "=?" in value:
        raise InputError("must not hold '=?' (mail programs read it as encoded text, "
                         "which can hide a line break in the email's header)")
    if problem := length_problem(value, MAX_NAME, "name"):  # as a component's name
        raise InputError(problem)
    return value


CONTACT = s.Record(
    fields=(
        s.Field("email", _bare_address, "email address", "Where to send.", required=True),
        s.Field("name", s.optional(_contact_name), "text",
                "The name beside the address in the To header of every email the contact "
                "gets (the contact reads it), at most 100 characters; reports name the "
                "address alone."),
        s.Field("components", s.list_of(s.slug), "list of component ids",
                "Only notices affecting one of these (or no component at all).", default=()),
        s.Field("types", _TYPES, "list of incident | maintenance", "Only these notice types.",
                default=()),
    ),
    build=Contact,
    noun="Config value",
    refuse=_refused(_ENV_HINT),
)

WEBHOOK = s.Record(
    fields=(
        s.Field("name", s.slug, "id", "Names the webhook in reports, the sent record and "
                "--test.", required=True),
        s.Field("url", _webhook_url, "URL", "Where to POST (when it holds no secret)."),
        s.Field("url_env", _env_name, "variable name", "Environment variable holding the URL "
                "(for Slack and other secret URLs)."),
        s.Field("format", s.choice("statuspage", "slack"), "statuspage | slack",
                "Statuspage's incident webhook JSON, or a Slack incoming-webhook message.",
                default="statuspage"),
        s.Field("components", s.list_of(s.slug), "list of component ids",
                "Only notices affecting one of these (or no component at all).", default=()),
        s.Field("types", _TYPES, "list of incident | maintenance", "Only these notice types.",
                default=()),
        s.Field("timeout", _seconds(0.1, 120), "seconds", "Per attempt.", default=10.0),
        s.Field("retries", s.integer(0, 10), "number", "Further attempts after a failure.",
                default=2),
        s.Field("backoff", _seconds(0, 300), "seconds", "Wait before the first retry; it "
                "doubles for each further one.", default=2.0),
    ),
    build=Webhook,
    noun="Config value",
    refuse=_refused(_ENV_HINT),
)


NOTIFY = s.Record(
    fields=(
        s.Field("since", _horizon, "time or duration", "The horizon: only updates at or "
                "after this time notify ('2026-11-01 00:00'), or only those younger than this "
                f"('2d', at most {MAX_DURATION_DAYS} days). Older ones are never sent.",
                required=True, example="2026-11-01 00:00"),
        s.Field("from", s.optional(_address), "email address", "The From address of emails "
                "('status@example.org', or 'IT Status <status@example.org>' with a name of at "
                "most 100 characters); required when there are contacts.", attr="sender"),
        s.Field("reply_to", s.optional(_address), "email address", "Reply-To of emails, "
                "written as from is."),
        s.Field("remind_before", _duration, "duration", "Remind contacts this long before a "
                f"maintenance starts (at most {MAX_DURATION_DAYS} days); 'off' for no "
                "reminders.", default=timedelta(hours=1)),
        s.Field("smtp", s.optional(s.record(SMTP)), "mapping",
                "host, port, security (starttls | tls | none), timeout."),
        s.Field("contacts", s.list_of(_with_line(CONTACT), each="email: it-team@example.org"),
                "list of contacts", "Email recipients: email, optional name, components and "
                "types.", default=()),
        s.Field("webhooks", s.list_of(_with_line(WEBHOOK), each="name: chat"),
                "list of webhooks", "name, url or url_env, "
                "format, components, types, timeout, retries, backoff.", default=()),
    ),
    build=NotifySettings,
    noun="Config value",
    refuse=_refused(CREDENTIALS_HINT),
)


def _parse_section(node: yn.Node, path: str = "") -> NotifySettings | None:
    if s._is_blank(node):
        return None
    settings: NotifySettings = s.parse_record(node, NOTIFY, path)
    return settings


FIELD = s.Field(SECTION, _parse_section, "mapping", "Email and webhook notifications: see "
                "'Notifications'.")


def check_section(values: dict[str, Any], node: yn.Mapping, prefix: str
                  ) -> list[tuple[int, str]]:
    """Checks needing the rest of outpost.yaml (component ids, the zone) or several keys
    of the section. Each runs when what it reads parsed, whatever else is broken."""
    settings = values.get(SECTION)
    section = node.entries.get(SECTION)
    if settings is None and SECTION in node.key_lines:
        # 'notify:' with its body commented out: the publish workflow sees the key and
        # runs 'outpost notify', which found no section, and failed every run.
        return [(node.key_lines[SECTION], f"'{SECTION}' is empty: give it 'since' and "
                 "contacts or webhooks, or remove the key too to send nothing")]
    if settings is None or settings is s.BROKEN or not isinstance(section, yn.Mapping):
        return []
    problems: list[tuple[int, str]] = []
    contacts = _parsed_items(s.value_of(settings, "contacts"))
    webhooks = _parsed_items(s.value_of(settings, "webhooks"))
    known = _component_ids(values.get("components"))
    if known is not None:
        for kind, items in (("contacts", contacts), ("webhooks", webhooks)):
            for index, item in items:
                for component in _parsed(s.value_of(item, "components")):
                    if component not in known:
                        where = _id_line(section, kind, index, component, item.line)
                        problems.append((where, f"'{SECTION}.{kind}[{index}].components': "
                                         + unknown_component(component, sorted(known),
                                                             "declared")))
    for index, hook in webhooks:
        url, url_env = s.value_of(hook, "url"), s.value_of(hook, "url_env")
        if s.BROKEN not in (url, url_env) and (url is None) == (url_env is None):
            problems.append((hook.line, f"'{SECTION}.webhooks[{index}]': give exactly one of "
                                        "'url' or 'url_env'"))
    problems += _repeated(webhooks, "webhooks", "name", "duplicate webhook name '{}'")
    problems += _repeated(contacts, "contacts", "email", "duplicate contact '{}'", str.lower)
    line = node.key_lines.get(SECTION, section.line)
    if s.value_of(settings, "contacts") not in ((), s.BROKEN):
        if s.value_of(settings, "smtp") is None:
            # Written but left empty (a sample uncommented by half): named at its line.
            written = section.key_lines.get("smtp")
            problems.append((written or line, f"'{SECTION}.smtp' is "
                             f"{'empty: it is ' if written else ''}required when there are "
                             "contacts (host, port, security)"))
        if s.value_of(settings, "sender") is None:
            problems.append((line, f"'{SECTION}.from' is required when there are contacts"))
    since, zone = s.value_of(settings, "since"), values.get("timezone")
    if isinstance(since, Horizon) and since.span is None and isinstance(zone, ZoneInfo):
        try:
            parse_time(since.text, zone)
        except InputError as exc:
            problems.append((since.line, f"'{SECTION}.since': {exc}"))
    return problems


def _id_line(section: yn.Mapping, kind: str, index: int, component: str, default: int
             ) -> int:
    """The line of ``component`` in the ``components`` of item ``index`` of ``kind``
    (its own line in a list written one id a line, else the key's), else ``default``."""
    listed = section.entries.get(kind)
    if not isinstance(listed, yn.Sequence) or index >= len(listed.items):
        return default
    item = listed.items[index]
    if not isinstance(item, yn.Mapping) or "components" not in item.key_lines:
        return default
    ids = item.entries["components"]
    if isinstance(ids, yn.Sequence):
        return next((each.line for each in ids.items
                     if isinstance(each, yn.Scalar) and each.text.strip() == component),
                    item.key_lines["components"])
    return item.key_lines["components"]


def _parsed_items(items: Any) -> list[tuple[int, Any]]:
    """(index, item) of a list's items that parsed, wholly or in part."""
    if items is s.BROKEN:
        return []
    return [(index, item) for index, item in enumerate(items) if item is not s.BROKEN]


def _parsed(values: Any) -> list[Any]:
    """A list's values that parsed."""
    return [] if values is s.BROKEN else [v for v in values if v is not s.BROKEN]


def _component_ids(components: Any) -> set[str] | None:
    """The declared component ids; None when one of them did not parse (an id that
    seems unknown may be that one)."""
    if components is s.BROKEN:
        return None
    ids = {s.value_of(component, "id") for component in components or ()}
    return None if s.BROKEN in ids else ids


def _repeated(items: list[tuple[int, Any]], kind: str, key: str, message: str,
              fold: Callable[[str], str] = str) -> list[tuple[int, str]]:
    """A problem for each item whose ``key`` (folded) an earlier item has."""
    again = [items[found] for found in s.repeats([item for _, item in items], key, fold)]
    return [(item.line, f"'{SECTION}.{kind}[{index}]': {message.format(s.value_of(item, key))}")
            for index, item in again]
