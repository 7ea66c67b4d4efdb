"""Declared schemas for YAML mappings: each field once, with its type, default and
help; parsing reports every problem at once as (line, message)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from generator.config import yamlnodes as yn
from generator.core.errors import (
    InputError,
    OutpostError,
    ProblemsFound,
    close_to,
    cut_quote,
    did_you_mean,
    misleading_character,
    problems_in,
)
from generator.core.model import ID_PATTERN, MAX_URL, length_problem

T = TypeVar("T")


class _Broken:
    def __repr__(self) -> str:
        return "BROKEN"


BROKEN: Any = _Broken()
"""The value of a key that did not parse, as checks across keys see it: a check that
needs it is skipped (its own problem is reported already)."""


@dataclass(frozen=True)
class Partial:
    """A mapping that was not built because of problems: the values of its keys that
    parsed (BROKEN for the others), so that checks across keys still run."""

    values: dict[str, Any]
    line: int


def value_of(item: Any, name: str) -> Any:
    """Key ``name`` of a parsed mapping, built or Partial; BROKEN when it did not parse."""
    if isinstance(item, Partial):
        return item.values.get(name, BROKEN)
    return getattr(item, name, BROKEN)


class Invalid(OutpostError):
    """One or more problems of one input, each (line, message); ``found_in`` names the
    file. Shown on its own, it lists them by line. ``partial`` is what parsed despite
    them: a Partial mapping, a list holding BROKEN or Partial items, or BROKEN."""

    def __init__(self, problems: list[tuple[int, str]], partial: Any = BROKEN) -> None:
        super().__init__("\n".join(f"line {line}: {message}" for line, message in problems))
        self.problems = problems
        self.partial = partial

    def __reduce__(self) -> tuple[type[Invalid], tuple[list[tuple[int, str]]]]:
        return type(self), (self.problems,)

    def found_in(self, path: str, outcome: str = "") -> ProblemsFound:
        """Every problem as ``path:line: message``, for the user."""
        return ProblemsFound(problems_in(path, self.problems), outcome)


class Expected(InputError):
    """A value has the wrong shape; the message says what was expected, and ``hint``
    (said after the value received) what was probably meant."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class NotAList(Expected):
    """A value that is not a list where a list is declared. ``form`` starts one item of
    a list of mappings (such as 'name: pages'), shown so the dashes are not missed;
    ``kind`` says what the list holds (parse_record gives the field's)."""

    def __init__(self, form: str = "", kind: str = "list") -> None:
        how = (f", each starting with '- ' on a line of its own (such as '- {form}')"
               if form else "")
        super().__init__(f"a {kind}{how}")
        self.form = form


Parser = Callable[[yn.Node, str], Any]
"""Parses a node; the second argument is the key path, for messages."""


@dataclass(frozen=True)
class Field:
    """One key of a mapping. ``kind`` and ``help`` feed the generated settings reference."""

    name: str
    parse: Parser
    kind: str
    help: str
    required: bool = False
    default: Any = None
    example: str | None = None
    attr: str | None = None  # dataclass field name when it differs from the key

    @property
    def target(self) -> str:
        return self.attr or self.name


ExtraCheck = Callable[[dict[str, Any], yn.Mapping, str], list[tuple[int, str]]]
"""Checks across keys: given every key's value (BROKEN where it did not parse, lists
with BROKEN or Partial items), the mapping and its key prefix; run even when some key
has a problem, so it skips only what depends on a broken value."""


@dataclass(frozen=True)
class Record:
    """A mapping with declared fields, built into ``build(**values)``.

    ``noun`` starts value messages: "Config value 'x': expected ..., received ...".
    ``refuse`` words the problem of an undeclared key that must not be there (a
    credential), in place of "unknown key"; None leaves it unknown.
    """

    fields: Sequence[Field]
    build: Callable[..., Any]
    noun: str = ""
    extra_check: ExtraCheck | None = field(default=None)
    refuse: Callable[[str], str | None] | None = field(default=None)


def _is_blank(node: yn.Node) -> bool:
    return isinstance(node, yn.Scalar) and (node.plain_null or not node.text.strip())


def scalar(node: yn.Node, path: str = "") -> str:
    if not isinstance(node, yn.Scalar) or node.plain_null:
        raise Expected("text")
    return node.text


def text(node: yn.Node, path: str = "") -> str:
    value = scalar(node).strip()
    if not value:
        raise Expected("non-empty text")
    return value


# A run of spaces and tabs, taken whole so a long one is read in linear time.
_BLANKS = re.compile(r"[ \t]++")


def spaced(value: str) -> str:
    """``value`` with each run of spaces and tabs holding a tab written as one space: a tab
    pasted into a title or a name shows as a space on pages, which collapse it, but
    <title>, feed titles, calendars and mail subjects carry it raw."""
    if "\t" not in value:
        return value
    return _BLANKS.sub(lambda run: " " if "\t" in run.group() else run.group(), value)


def line(node: yn.Node, path: str = "") -> str:
    """Non-empty text on one line (titles and names reach mail headers and calendars),
    a tab in it read as a space."""
    value = spaced(text(node, path))
    if yn.LINE_BREAKS.search(value):
        unseen = yn.unseen_line_break(value)
        raise InputError(f"must be a single line{unseen}" if unseen
                         else "must be a single line (it holds a line break)")
    hidden = yn.hidden_character(value) or yn.blank_text(value)
    if hidden:
        raise InputError(hidden)
    return value


def optional(parser: Parser) -> Parser:
    """Blank (nothing, '~', null or '') means None."""

    def parse(node: yn.Node, path: str = "") -> Any:
        return None if _is_blank(node) else parser(node, path)

    return parse


# Secrets in outpost.yaml (which is public): a URL's user info, a query parameter named
# like a credential, or a token in a well-known format anywhere in a value.
_SECRET_PARAM = re.compile(r"token|secret|pass|pwd|key|sig|auth|credential|^code$", re.I)
_TOKEN = re.compile(r"gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}"
                    r"|xox[abposr]-[\w-]{10,}|AKIA[0-9A-Z]{16}|sk_live_\w{10,}")
# Services whose webhook URL is itself the credential, matched on the parsed host name.
SECRET_WEBHOOK_HOSTS = ("hooks.slack.com", "discord.com", "discordapp.com",
                        "webhook.office.com", "outlook.office.com", "outlook.office365.com",
                        "logic.azure.com", "chat.googleapis.com", "hooks.zapier.com",
                        "api.telegram.org")


def credential_in(value: str) -> str:
    """What secret ``value`` (a URL, or any text) holds, worded for a message that must
    not repeat it; '' when it holds none."""
    if _TOKEN.search(value):
        return "an access token"
    if "://" not in value:
        return ""
    try:
        parts = urlsplit(value.strip())
        query = parse_qsl(parts.query, keep_blank_values=True)
        if parts.username or parts.password:
            return "a user name or password"
    except ValueError:  # an odd port or address: say nothing of what it holds
        return ""
    for name, _ in query:
        if _SECRET_PARAM.search(name):
            return f"a credential in its query ('{name}=')"
    return ""


def secret_webhook_host(value: str) -> bool:
    """Whether ``value`` is the URL of a service whose webhook URLs are credentials."""
    try:
        host = (urlsplit(value.strip()).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    return any(host == known or host.endswith("." + known) for known in SECRET_WEBHOOK_HOSTS)


_URL_HINT = "an absolute http(s) URL such as 'https://status.example.org/'"
# Underscores too: not in public DNS names, but in the names of services on private
# networks (a container's webhook receiver, an S3-compatible store) that clients reach.
_DNS_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_HOST_AND_PORT = re.compile(r"(?P<host>\[[^\]]*\]|[^:]*)(?::(?P<port>[^:]*))?")


def http_url(node: yn.Node, path: str = "") -> str:
    value = scalar(node).strip()
    secret = credential_in(value)
    if secret:
        raise InputError(f"the URL holds {secret}, and outpost.yaml is public: remove it "
                         "(never repeated here)")
    return checked_http_url(value)


def checked_http_url(value: str) -> str:
    """``value`` when it is an http(s) URL whatever it holds (a URL from the environment
    may hold a secret); raises InputError saying what is wrong."""
    problem = length_problem(value, MAX_URL, "URL")
    if problem:
        raise InputError(problem)
    if re.search(r"[\s\x00-\x1f\x7f\x85\u2028\u2029]", value):
        raise InputError("a URL may not hold spaces, line breaks or control characters "
                         "(write a space as %20)")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise Expected(_URL_HINT) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Expected(_URL_HINT)
    # Before parts.port, which raises ValueError for a port out of range or not a number:
    # the message names the port rather than calling the URL no URL.
    problem = _host_problem(parts.netloc)
    if problem:
        raise InputError(problem)
    try:
        parts.port  # noqa: B018 - what _host_problem let through, Python must read too
    except ValueError:
        raise Expected(_URL_HINT) from None
    return value


def host_name(node: yn.Node, path: str = "") -> str:
    """A host name alone, such as 'status.example.org' (a custom domain's): no scheme,
    path, port or space, which a URL pasted here would bring."""
    value = text(node)
    if re.search(r"[/:@?#\s]", value):
        raise Expected("a host name such as 'status.example.org' (no 'https://', path or "
                       "port)")
    problem = _host_problem(value)
    if problem:
        raise InputError(problem)
    return value


def _host_problem(netloc: str) -> str:
    """What is wrong with a URL's host and port ('' when nothing): a DNS name (ASCII
    letters, digits, hyphens and underscores between dots; an international name in
    its xn-- form),
    an IPv4 address or a bracketed IPv6 one, then an optional port from 1 to 65535."""
    found = _HOST_AND_PORT.fullmatch(netloc)
    host, port = (found["host"], found["port"]) if found else (netloc, None)
    if port and not (port.isdigit() and 1 <= int(port) <= 65535):  # '' : no port
        return f"the port in '{netloc}' must be a number from 1 to 65535"
    import ipaddress  # only here: most commands never check a URL

    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return f"'{host}' is not an IPv6 address"
        return ""
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if labels[-1].isdigit():  # browsers read a name ending in a number as an IPv4 address
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return f"'{host}' is not an IPv4 address"
        return ""
    if not name.isascii():
        # Python's codec follows IDNA 2003, which maps these four to other letters (ß to
        # ss: another domain); browsers follow IDNA 2008. No suggestion for them.
        ascii_form = ""
        if not any(char in name for char in "\u00df\u03c2\u200c\u200d"):
            with contextlib.suppress(UnicodeError):
                ascii_form = name.encode("idna").decode("ascii")
        if ascii_form:
            return (f"write the international host name '{host}' in its ASCII form, "
                    f"'{ascii_form}'")
        return (f"write the international host name '{host}' in its ASCII form "
                "('xn--...'), as your DNS provider shows it")
    if len(name) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return (f"'{host}' is not a host name: use letters, digits and hyphens between dots "
                "(such as 'status.example.org'), or an IP address")
    return ""


# A base URL's last segment naming a web page ('index.html', 'status.php').
_PAGE_FILE = re.compile(r"/([^/]+\.(?:[xs]?html?|php|aspx?|jsp))$", re.IGNORECASE)


def _dots(segment: str) -> str:
    """'.' or '..' for a segment a browser reads as one (a dot may be written '%2e', in
    either case, as URLs' rules allow), else ''."""
    plain = segment.lower().replace("%2e", ".")
    return plain if plain in (".", "..") else ""


def _resolved(segments: list[str]) -> list[str]:
    """A path's segments as a browser resolves them: no empty or '.' segment, and each
    '..' taking the one before it away."""
    kept: list[str] = []
    for segment in segments:
        if _dots(segment) == "..":
            kept = kept[:-1]
        elif segment and not _dots(segment):
            kept.append(segment)
    return kept


def base_url(node: yn.Node, path: str = "") -> str:
    """An http(s) URL that paths are added to (the site's, a mirror's): no query or
    fragment, which would end up in the middle of every link."""
    value = http_url(node, path)
    if "?" in value or "#" in value:
        raise InputError("a base URL may not hold a query ('?...') or a fragment ('#...'): "
                         "every link is made by adding a path to it")
    parts = urlsplit(value)
    slash = re.search("%2f", parts.path, re.IGNORECASE)
    # An encoded '/' is taken as one to say what to write; a host may do either.
    segments = re.sub("%2f", "/", parts.path, flags=re.IGNORECASE).split("/")[1:]
    encoded = next((segment for segment in segments
                    if _dots(segment) and segment not in (".", "..")), None)
    if slash or any(_dots(segment) for segment in segments) or "" in segments[:-1]:
        # Links made by adding a path would not be the ones a browser resolves them to
        # (feed ids, canonical links), and a client may read '//' as a host.
        kept = _resolved(segments)
        if kept and _PAGE_FILE.search(f"/{kept[-1]}"):  # a page's name goes too (below)
            kept = kept[:-1]
        written = "".join(f"{segment}/" for segment in kept)
        folder = f"'{parts.scheme}://{parts.netloc}/{written}'"
        if slash:
            raise InputError(f"a base URL's path may not hold '{slash.group()}', an encoded "
                             f"'/' that some hosts read as '/' and others do not: write "
                             f"{folder}")
        if encoded is not None:
            raise InputError(f"a base URL's path may not hold '{encoded}', which browsers "
                             f"read as '{_dots(encoded)}': every link is made by adding a "
                             f"path to it: write {folder}")
        raise InputError("a base URL's path may not hold '//', '/./' or '/../': every link "
                         f"is made by adding a path to it: write {folder}")
    page = _PAGE_FILE.search(parts.path)
    if page:
        # Made into '.../index.html/' and added to, every link would lead nowhere.
        folder = value[:len(value) - len(page.group(1))]
        raise InputError(f"a base URL names the folder the site is served from, not a page "
                         f"in it ('{page.group(1)}'): write '{folder}'")
    # RFC 3986 leaves these out of every URL; raw, they would make Atom ids that are not
    # URIs and end Slack's '<url|text>' links early. (A link to another site may hold
    # '{id}', which Outpost fills in, so only base URLs are held to this.)
    if re.search(r'[<>"{}|\\^`]', value):
        raise InputError('a URL may not hold <, >, ", {, }, |, \\, ^ or ` (percent-encode '
                         "them, such as %7C for |)")
    broken = re.search(r"%(?![0-9A-Fa-f]{2})..?", value)
    if broken:  # a feed reader or a mail client may refuse the links, or read them apart
        raise InputError(f"a URL's '%' starts an escape of two hex digits (such as %20), "
                         f"and '{broken.group()}' is none: write '%25' for a '%' itself")
    return value


@dataclass(frozen=True)
class InRange:
    """A number from ``low`` to ``high`` (``what``: its words in check's message, such as
    'a whole number'); the settings reference shows the range it declares."""

    low: float
    high: float
    what: str = "a whole number"
    whole: bool = True

    def __call__(self, node: yn.Node, path: str = "") -> float:
        value = scalar(node).strip()
        form = r"[0-9]+" if self.whole else r"[0-9]+(\.[0-9]+)?"
        if not re.fullmatch(form, value) or not self.low <= float(value) <= self.high:
            raise Expected(f"{self.what} from {number_text(self.low)} to "
                           f"{number_text(self.high)}")
        return int(value) if self.whole else float(value)


def number_text(number: float) -> str:
    """A bound as messages write it: 100000, 0.1."""
    return str(number) if isinstance(number, int) else f"{number:g}"


def integer(low: int, high: int) -> Parser:
    return InRange(low, high)


def boolean(node: yn.Node, path: str = "") -> bool:
    value = scalar(node).strip()
    if value not in ("true", "false"):
        raise Expected("true or false")
    return value == "true"


def choice(*options: str) -> Parser:
    def parse(node: yn.Node, path: str = "") -> str:
        value = scalar(node).strip().lower()
        if value not in options:
            raise Expected("one of " + ", ".join(options), did_you_mean(close_to(value, options)))
        return value

    return parse


MAX_ID_LENGTH = 100
"""An id names a folder of the site (components/<id>/): file systems stop at 255 bytes."""


def slug(node: yn.Node, path: str = "") -> str:
    value = scalar(node).strip()
    if not ID_PATTERN.fullmatch(value):
        raise Expected("an id of lowercase letters, digits and hyphens")
    if len(value) > MAX_ID_LENGTH:
        raise Expected(f"an id of at most {MAX_ID_LENGTH} characters")
    return value


def list_of(item: Parser, each: str = "") -> Parser:
    """A YAML list, each item parsed. A single value is taken as a list of one, unless
    the items are mappings: ``each`` then starts one (such as 'name: pages'), for the
    message about a value that is not a list (it would only fail as an item)."""

    def parse(node: yn.Node, path: str = "") -> tuple[Any, ...]:
        if _is_blank(node):
            return ()
        if isinstance(node, yn.Mapping) or (each and not isinstance(node, yn.Sequence)):
            raise NotAList(each)
        values: list[Any] = []
        problems: list[tuple[int, str]] = []
        for index, child in enumerate(items_of(node)):
            try:
                values.append(item(child, f"{path}[{index}]"))
            except Invalid as exc:
                problems.extend(exc.problems)
                values.append(exc.partial)
            except InputError as exc:
                problems.append((child.line, f"'{path}[{index}]': {expected(exc, child)}"))
                values.append(BROKEN)
        if problems:
            raise Invalid(problems, tuple(values))
        return tuple(values)

    return parse


def items_of(node: yn.Node) -> tuple[yn.Node, ...]:
    """The items of a list as ``list_of`` reads it: a single value is a list of one."""
    return tuple(node.items) if isinstance(node, yn.Sequence) else (node,)


def repeats(values: Sequence[Any], key: str, fold: Callable[[Any], Any] = str) -> list[int]:
    """The index of each value whose ``key`` (folded) an earlier value has; values
    whose ``key`` did not parse are passed over."""
    seen: set[Any] = set()
    found = []
    for index, value in enumerate(values):
        name = value_of(value, key)
        if name is BROKEN:
            continue
        if fold(name) in seen:
            found.append(index)
        seen.add(fold(name))
    return found


def repeated(items: Sequence[yn.Node], values: Sequence[Any], key: str, what: str
             ) -> list[tuple[int, str]]:
    """A problem at each item whose ``key`` repeats an earlier one's ("duplicate
    ``what`` 'x'")."""
    return [(items[index].line, f"duplicate {what} '{value_of(values[index], key)}'")
            for index in repeats(values, key)]


def record(spec: Record) -> Parser:
    """A nested mapping; its messages name keys by their full path."""

    def parse(node: yn.Node, path: str = "") -> Any:
        return parse_record(node, spec, path)

    return parse


def expected(exc: InputError, node: yn.Node) -> str:
    if isinstance(exc, Expected):
        received = yn.describe(node)
        hint = f": {exc.hint}" if exc.hint else ""
        if isinstance(node, yn.Scalar) and credential_in(node.text):
            received, hint = "a value that holds a credential (not shown)", ""
        elif isinstance(node, yn.Scalar):  # 'major' with a zero-width space looks right
            misleading = misleading_character(node.text)
            received, hint = received + misleading, hint if not misleading else ""
        return f"expected {exc}, received {received}{hint}"
    return str(exc)


def parse_record(node: yn.Node | None, spec: Record, path: str = "") -> Any:
    """Check every field of a mapping; raise Invalid with all problems, or build it."""
    prefix = f"{path}." if path else ""
    noun = f"{spec.noun} " if spec.noun else ""
    if node is None:
        node = yn.Mapping({}, {}, 1)
    if not isinstance(node, yn.Mapping):
        where = f"{noun}'{path}': " if path else ""
        raise Invalid([(node.line, f"{where}expected a mapping of keys to values, received "
                                   f"{yn.describe(node)}")])
    problems: list[tuple[int, str]] = []
    known = {f.name: f for f in spec.fields}
    for key, line in node.key_lines.items():
        if key not in known:
            refused = spec.refuse(key) if spec.refuse is not None else None
            hint = "known keys: " + ", ".join(sorted(known))
            # 'CNAME' is 'cname' in other capitals: that one alone is meant.
            close = [key.lower()] if key.lower() in known else close_to(key, known)
            if guess := did_you_mean(close):
                hint = f"{guess} {hint}"
            written = cut_quote(f"{prefix}{key}")
            problems.append((line, f"'{written}': {refused}" if refused else
                             f"unknown key '{written}' ({hint}){misleading_character(key)}"))
    values: dict[str, Any] = {}
    for item in spec.fields:
        child = node.entries.get(item.name)
        key = f"{prefix}{item.name}"
        if child is None or (item.required and _is_blank(child)):
            if item.required and child is None:
                problems.append((node.line, f"missing required key '{key}'"))
            elif item.required and child is not None:
                problems.append((child.line, f"required key '{key}' is empty: give it a "
                                             "value"))
            values[item.target] = BROKEN if item.required else item.default
            continue
        try:
            values[item.target] = item.parse(child, key)
        except Invalid as exc:
            problems.extend(exc.problems)
            values[item.target] = exc.partial
        except InputError as exc:
            if isinstance(exc, NotAList) and item.kind.startswith("list"):
                exc = NotAList(exc.form, item.kind)  # what the list holds: 'of targets'
            problems.append((child.line, f"{noun}'{key}': {expected(exc, child)}"))
            values[item.target] = BROKEN
    if spec.extra_check is not None:
        problems.extend(spec.extra_check(values, node, prefix))
    if problems:
        raise Invalid(problems, Partial(values, node.line))
    return spec.build(**values)
