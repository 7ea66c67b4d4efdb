"""Emails: composing (plain text plus an HTML alternative, threaded per notice) and
sending over SMTP with credentials from the environment only."""

from __future__ import annotations

import email.header
import email.policy
import html
import smtplib
import ssl
from collections.abc import Callable, Mapping
from datetime import datetime
from email import _header_value_parser as header_parser
from email.headerregistry import (
    Address,
    BaseHeader,
    HeaderRegistry,
    MessageIDHeader,
    UniqueAddressHeader,
    UnstructuredHeader,
)
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any, cast

from generator.config.settings import case_url
from generator.core import times
from generator.core.errors import OutpostError, printable_line
from generator.core.model import Config, Status
from generator.core.timeline import notice_status_at
from generator.notify.plan import Message, facts, notice_url
from generator.notify.settings import PASSWORD_ENV, USERNAME_ENV, Contact, NotifySettings, Smtp
from generator.render.markup import absolute_links, absolute_targets, isolated, own_direction

Markdown = Callable[[str], str]


def _encoded_words(text: str, name: str) -> header_parser.UnstructuredTokenList:
    """TEXT as RFC 2047 encoded words only, which a mail client decodes to TEXT itself;
    the first fits on the line of the header NAME."""
    tree = header_parser.UnstructuredTokenList()
    encoded = email.header.Header(text, "utf-8", header_name=name).encode()
    for index, word in enumerate(encoded.split()):
        if index:
            tree.append(header_parser.WhiteSpaceTerminal(" ", "fws"))
        tree.append(header_parser.ValueTerminal(word, "vtext"))
    return tree


def _plain(text: str) -> bool:
    """Whether a header can carry TEXT as it is: ASCII that no client decodes."""
    return text.isascii() and "=?" not in text


def _as_typed(text: str, name: str, encode_non_ascii: bool = False
              ) -> header_parser.UnstructuredTokenList:
    """TEXT for the header NAME, as a mail client will show it: as RFC 2047 encoded words
    where it holds '=?' (Python's parser would decode the words it looks like) or, with
    ``encode_non_ascii``, where it is not plain ASCII (Python would encode it word by
    word); else as Python's unstructured text."""
    if "=?" in text or (encode_non_ascii and not _plain(text)):
        return _encoded_words(text, name)
    return header_parser.get_unstructured(text)


class _ListIdHeader(UnstructuredHeader):
    """List-Id (RFC 2919): a phrase, then the list's id in angle brackets, which must go
    as written. As unstructured text, past 78 characters (an IPv6 site's ip6.arpa id is
    83) Python folds it into RFC 2047 encoded words, an id no mail client reads.

    A phrase that is not plain ASCII is sent as encoded words only: Python encodes such
    text word by word, leaving a title's '<beta>' bare before the id (where a client
    taking the first '<...>' reads 'beta'), and it decodes encoded words a title holds."""

    @staticmethod
    def value_parser(value: str) -> header_parser.UnstructuredTokenList:
        phrase, bracket, list_id = value.rpartition("<")
        tree = _as_typed(phrase.strip(), "List-Id", encode_non_ascii=True)
        if phrase.strip():
            tree.append(header_parser.WhiteSpaceTerminal(" ", "fws"))
        # A msg-id token is never encoded: too long, it goes on a line of its own.
        tree.append(header_parser.MsgID([header_parser.ValueTerminal(bracket + list_id,
                                                                      "msg-id")]))
        return tree


class _TextHeader(UnstructuredHeader):
    """A Subject written as typed. Python's parser decodes the RFC 2047 encoded words of
    a value it is given, so a notice title holding '=?utf-8?q?=0D=0AReply-To:...?=' was
    sent as a line break, then headers and a body of its author's choosing; text holding
    '=?' is sent as encoded words, which clients decode to that text.

    So is text that is not plain ASCII: folding it, Python may leave the space between
    two words between two encoded words, where decoders drop it ('школ втечение')."""

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        kwds["parse_tree"] = cls.value_parser(value)
        kwds["decoded"] = value

    @staticmethod
    def value_parser(value: str) -> header_parser.UnstructuredTokenList:
        return _as_typed(value, "Subject", encode_non_ascii=True)


class _MailboxHeader(UniqueAddressHeader):
    """To, From or Reply-To: one mailbox. A name that is not plain ASCII is sent as
    encoded words whole, as a Subject is: folding it, Python may leave the space between
    two words between two encoded words, where decoders drop it ('округаномер')."""

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        super().parse(value, kwds)
        addresses = [address for group in kwds["groups"] for address in group.addresses]
        if len(addresses) != 1 or _plain(addresses[0].display_name):
            return
        [address] = addresses
        # The longest of the three names: the first word fits the line of each.
        tree = _encoded_words(address.display_name, "Reply-To")
        tree.append(header_parser.WhiteSpaceTerminal(" ", "fws"))
        tree.append(header_parser.get_angle_addr(f"<{address.addr_spec}>")[0])
        kwds["parse_tree"] = tree


def _policy() -> email.policy.EmailPolicy[EmailMessage]:
    """The default policy, but In-Reply-To and References (one id each here) are
    message ids: as its unstructured text, past 78 characters Python folds them
    into RFC 2047 encoded words, which no mail client threads by. So would it List-Id.
    A Subject is sent as typed, and a name in To, From or Reply-To whole.

    Bodies are 7-bit (quoted-printable or base64): smtplib declares no BODY=8BITMIME
    (RFC 6152), and text of short lines went raw as '8bit', which strict relays refuse."""
    registry = HeaderRegistry()
    # Mixins the registry joins with BaseHeader, as it does for Message-ID.
    message_id_header = cast("type[BaseHeader]", MessageIDHeader)
    registry.map_to_type("in-reply-to", message_id_header)
    registry.map_to_type("references", message_id_header)
    registry.map_to_type("list-id", cast("type[BaseHeader]", _ListIdHeader))
    registry.map_to_type("subject", cast("type[BaseHeader]", _TextHeader))
    for name in ("to", "from", "reply-to"):
        registry.map_to_type(name, cast("type[BaseHeader]", _MailboxHeader))
    return email.policy.default.clone(header_factory=registry, cte_type="7bit")


_POLICY = _policy()


def message_id(config: Config, key: str) -> str:
    """Deterministic per message: '<outpost.<notice>.<time>@<site host>>'.

    A retried send carries the same id, so mail systems can drop a duplicate.
    """
    return f"<outpost.{key.replace('/', '.')}@{_id_right(config)}>"


def _id_right(config: Config) -> str:
    """The site's host after a Message-ID's '@': an IPv6 address, whose colons a dot-atom
    may not hold, as a domain literal ('[2001:db8::1]', RFC 5322)."""
    return f"[{config.host}]" if ":" in config.host else config.host


def subject(config: Config, message: Message) -> str:
    """'[Site title] Investigating: Digicert certificate reissue'."""
    if message.is_reminder:
        assert message.notice.start is not None
        when = times.display_with_zone(message.notice.start, config.timezone)
        return f"[{config.title}] Reminder: {message.notice.title} starts {when}"
    return f"[{config.title}] {message.word}: {message.notice.title}"


def _body_markdown(config: Config, message: Message) -> str:
    if message.update is not None:
        return message.update.body
    assert message.notice.start is not None
    when = times.display_with_zone(message.notice.start, config.timezone)
    return f"This scheduled maintenance starts {when}."


def _case_prompt(config: Config, message: Message) -> tuple[str, str] | None:
    """For an incident, when the site has a Submit a case link: the words asking for a
    case even though this notice exists, as its page does (the contacts told are the
    ones who submit them), and the link for this notice. None for a maintenance."""
    notice = message.notice
    url = case_url(config.submit_case_url, notice.id, notice.title)
    if url is None or notice.is_maintenance:
        return None
    # A postmortem speaks in the state it finds: after Resolved, it is over.
    resolved = message.status is Status.RESOLVED or (
        message.status is Status.POSTMORTEM
        and notice_status_at(notice, message.at) is Status.RESOLVED)
    words = ("Still seeing a problem? Please" if resolved
             else "Experiencing this? We still encourage you to")
    return words, url


def plain_text(config: Config, message: Message, markdown: Markdown) -> str:
    """The Markdown as written, its link targets made absolute (no page to resolve
    them against in a mail client)."""
    body = absolute_targets(_body_markdown(config, message), notice_url(config, message),
                            markdown)
    lines = [f"{message.word}: {message.notice.title}"
             if not message.is_reminder else f"Reminder: {message.notice.title}", "",
             body, ""]
    lines += [f"{label}: {value}" for label, value in facts(config, message)]
    lines += ["", f"Read the notice: {notice_url(config, message)}"]
    prompt = _case_prompt(config, message)
    if prompt is not None:
        lines.append(f"{prompt[0]} submit a case: {prompt[1]}")
    lines += ["", "--", f"You receive this as a contact of {config.title} ({config.base_url})."]
    return "\n".join(lines) + "\n"


def html_text(config: Config, message: Message, markdown: Markdown) -> str:
    """The HTML alternative; its links are absolute, resolved against the notice page,
    and each block takes its direction from its own text, as on the pages."""
    esc = html.escape
    page = notice_url(config, message)
    url = esc(page, quote=True)
    lead = "Reminder" if message.is_reminder else message.word
    heading = f"{lead}: {message.notice.title}"
    rows = "".join(f'<tr><th align="left" style="padding:2px 12px 2px 0">{esc(label)}</th>'
                   f"<td>{value}</td></tr>"
                   for label, value in facts(config, message, esc, isolated))
    prompt = _case_prompt(config, message)
    case = (f'<p>{esc(prompt[0])} <a href="{esc(prompt[1], quote=True)}">submit a case</a>.'
            "</p>\n" if prompt is not None else "")
    return own_direction(
        f'<!DOCTYPE html>\n<html lang="{esc(config.language)}"><head><meta charset="utf-8">'
        f"<title>{esc(heading)}</title></head>\n"
        # As the pages' stylesheet: a long address or word breaks rather than widen a
        # phone's screen (mail clients show no stylesheet).
        '<body style="font-family:sans-serif;line-height:1.5;max-width:40em;'
        'overflow-wrap:anywhere">\n'
        f"<h1 style=\"font-size:1.3em\">{esc(lead)}: {isolated(message.notice.title)}</h1>\n"
        f"{_wrapped(absolute_links(markdown(_body_markdown(config, message)), page))}\n"
        f"<table>{rows}</table>\n"
        f'<p><a href="{url}">Read the notice</a></p>\n'
        f"{case}"
        f'<p style="color:#555;font-size:.9em">You receive this as a contact of '
        f'<a href="{esc(config.base_url, quote=True)}">{esc(config.title)}</a>.</p>\n'
        "</body></html>\n"
    )


def _wrapped(html: str) -> str:
    """Sanitized ``html`` whose code blocks wrap their long lines, as on the pages."""
    return html.replace("<pre>", '<pre style="white-space:pre-wrap">')  # no raw '<' in text


class ComposeFailed(OutpostError):
    """One email cannot be written, whatever the server: the email package refuses a
    header value holding a line break. The message is the package's words."""


def compose(config: Config, settings: NotifySettings, message: Message, contact: Contact,
            now: datetime, markdown: Markdown) -> EmailMessage:
    """One email for one contact; ComposeFailed when a header cannot hold its value."""
    assert settings.sender is not None
    title = subject(config, message)
    own_id = message_id(config, message.key)
    root = message_id(config, message.thread_key) if message.key != message.thread_key else ""
    # The title is a phrase: quoted when it holds a comma or '<' (RFC 2919), which a
    # client would otherwise read as the start of the list's id; the header encodes
    # one that is not plain ASCII.
    list_id = (formataddr((config.title, f"notify.{config.dns_name}"))
               if _plain(config.title) else f"{config.title} <notify.{config.dns_name}>")
    mail = EmailMessage(policy=_POLICY)
    try:
        mail["Subject"] = title
        mail["From"] = settings.sender
        # An Address, not formataddr's text: the header parser splits that text again at
        # a comma of an encoded (non-ASCII) name, making 'Zoë, IT' two addresses.
        mail["To"] = Address(contact.name or "", addr_spec=contact.email)
        if settings.reply_to:
            mail["Reply-To"] = settings.reply_to
        mail["Date"] = format_datetime(now)
        mail["Message-ID"] = own_id
        if root:
            mail["In-Reply-To"] = root
            mail["References"] = root
        mail["Auto-Submitted"] = "auto-generated"
        mail["X-Auto-Response-Suppress"] = "All"
        mail["List-Id"] = list_id
    except ValueError as exc:  # a line break in a value (check refuses one in a title)
        raise ComposeFailed(str(exc)) from None
    mail.set_content(plain_text(config, message, markdown))
    mail.add_alternative(html_text(config, message, markdown), subtype="html")
    return mail


def test_message(config: Config, settings: NotifySettings, address: str,
                 now: datetime) -> EmailMessage:
    """The message ``outpost notify --test ADDRESS`` sends."""
    assert settings.sender is not None
    mail = EmailMessage(policy=_POLICY)
    mail["Subject"] = f"[{config.title}] Test message"
    mail["From"] = settings.sender
    mail["To"] = address
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = message_id(config, f"test/{times.utc_stamp(now, seconds=True)}")
    mail["Auto-Submitted"] = "auto-generated"
    text = (f"This is a test message from {config.title} ({config.base_url}).\n"
            "If you can read it, Outpost can send email notifications.\n")
    mail.set_content(text)
    mail.add_alternative(f"<p>{html.escape(text)}</p>\n", subtype="html")
    return mail


def _text(reply: bytes | str) -> str:
    """A server's reply as one printable line: smtplib joins a multi-line reply's lines
    with newlines, and a run prints one line per delivery."""
    return printable_line(reply.decode("utf-8", "replace") if isinstance(reply, bytes)
                          else str(reply))


def _timed_out(exc: BaseException) -> bool:
    """smtplib reports a read that timed out as a closed connection; the cause tells."""
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


class SendFailed(OutpostError):
    """One email was not accepted; the message says why, without credentials."""


class SmtpSender:
    """One SMTP connection, opened on first use and reopened after a failure; once a
    connection cannot be opened, or the server stops answering, no further email is
    tried in this run: each attempt would fail the same way, a timeout each."""

    def __init__(self, smtp: Smtp, environ: Mapping[str, str]) -> None:
        self.smtp = smtp
        self.username = environ.get(USERNAME_ENV) or None
        self.password = environ.get(PASSWORD_ENV) or None
        if bool(self.username) != bool(self.password):
            raise OutpostError(f"set both {USERNAME_ENV} and {PASSWORD_ENV}, or neither")
        self._client: smtplib.SMTP | None = None
        self._refused = ""  # an answer every email would get: the server is not asked again
        self._unreachable = ""  # why this run stopped trying the server, once it did
        # A plain session's server took the connection and said nothing within the
        # timeout: hung, or a port that waits for a TLS handshake before its first word.
        self._no_greeting = False

    @property
    def where(self) -> str:
        return f"{self.smtp.host}:{self.smtp.effective_port}"

    def _connect(self) -> smtplib.SMTP:
        smtp, context = self.smtp, ssl.create_default_context()
        client: smtplib.SMTP
        if smtp.security == "tls":
            client = smtplib.SMTP_SSL(smtp.address, smtp.effective_port, timeout=smtp.timeout,
                                      context=context)
        else:
            try:
                client = smtplib.SMTP(smtp.address, smtp.effective_port, timeout=smtp.timeout)
            except smtplib.SMTPServerDisconnected as exc:
                self._no_greeting = _timed_out(exc)  # connected, and no greeting came
                raise
        try:
            if smtp.security == "starttls":
                client.ehlo_or_helo_if_needed()
                if not client.has_extn("starttls"):  # a relay's port 25, say
                    self._refused = (
                        f"{self.where} offers no STARTTLS, which 'security: starttls' needs: "
                        "under notify.smtp in outpost.yaml, set the port where it offers it "
                        "(usually 587), or 'security: tls' for a port with TLS from the "
                        "start (usually 465)")
                    raise SendFailed(self._refused)
                client.starttls(context=context)
            if self.username and self.password:
                client.ehlo_or_helo_if_needed()
                if (smtp.security == "none" and client.has_extn("starttls")
                        and not client.has_extn("auth")):
                    raise self._needs_starttls("offers a login only after STARTTLS")
                client.login(self.username, self.password)
        except smtplib.SMTPAuthenticationError as exc:
            client.close()
            self._refused = (f"{self.where} refused the login ({exc.smtp_code} "
                             f"{_text(exc.smtp_error)}): check {USERNAME_ENV} "
                             f"and {PASSWORD_ENV}")
            raise SendFailed(self._refused) from None
        except Exception:
            client.close()
            raise
        return client

    def send(self, mail: EmailMessage) -> None:
        """Deliver one email or raise SendFailed."""
        if self._refused:
            raise SendFailed(self._refused)  # the same answer: don't knock again
        if self._unreachable:
            raise SendFailed(f"not sent: {self.where} failed earlier in this run "
                             f"({self._unreachable}); the next run tries again")
        # A session that carried mail may have been ended by the server since (an idle
        # timeout, a per-session limit): it took nothing more, so a new one sends.
        if self._client is not None and not self._answers():
            self._reset(keep=False)
        reused = self._client is not None
        if self._client is None:
            try:
                self._client = self._connect()
            except (smtplib.SMTPException, OSError) as exc:
                raise self._stop(exc) from None
        try:
            refused = self._client.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            answer = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            if reused and exc.smtp_code == 421 and isinstance(exc, smtplib.SMTPSenderRefused):
                # '421 Too many messages' at MAIL: nothing of this email was sent yet.
                self._reset(keep=False)
                self.send(mail)
                return
            if exc.smtp_code == 530:  # RFC 3207, 4954: TLS or a login first, for any email
                refusal = self._refused_session(answer)
                if refusal:
                    self._reset(keep=False)
                    raise refusal from None
            self._reset(keep=exc.smtp_code != 421)
            raise SendFailed(f"{self.where} answered {answer}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset(keep=True)
            code, reply = next(iter(exc.recipients.values()))
            # A 5xx answers every run alike ('User unknown'): 'retried on the next run'
            # alone left every scheduled run failing with no word of what to change.
            fix = ("; a permanent refusal: correct or remove this address in "
                   "notify.contacts (each run tries it again)" if 500 <= code < 600 else "")
            raise SendFailed(f"{self.where} refused the recipient: {code} "
                             f"{_text(reply)}{fix}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self._reset(keep=False)
            if _timed_out(exc):
                raise self._stop(exc) from None
            # A dropped session: the next email tries a new connection.
            raise SendFailed(f"{self.where}: {exc or type(exc).__name__}") from None
        if refused:
            raise SendFailed(f"{self.where} refused {', '.join(refused)}")

    def _answers(self) -> bool:
        """Whether the open session still answers (NOOP); a server that stopped answering
        is not tried again, as after a send."""
        assert self._client is not None
        try:
            return self._client.noop()[0] == 250
        except (smtplib.SMTPException, OSError) as exc:
            if _timed_out(exc):
                self._reset(keep=False)
                raise self._stop(exc) from None
            return False

    def _refused_session(self, answer: str) -> SendFailed | None:
        """A 530 this run's settings caused, and that names the fix; None for others."""
        if "STARTTLS" in answer.upper() and self.smtp.security == "none":
            return self._needs_starttls(f"refuses mail before STARTTLS ({answer})")
        if not self.username:
            self._refused = (f"{self.where} wants a login ({answer}): set {USERNAME_ENV} "
                             f"and {PASSWORD_ENV}")
            return SendFailed(self._refused)
        return None

    def _needs_starttls(self, what: str) -> SendFailed:
        """The server wants the TLS that 'security: none' leaves out: each email would
        get the same answer, and the fix is in outpost.yaml."""
        self._refused = (f"{self.where} {what}, which 'security: none' leaves out: set "
                         "'security: starttls' under notify.smtp in outpost.yaml")
        return SendFailed(self._refused)

    def _stop(self, exc: smtplib.SMTPException | OSError) -> SendFailed:
        """No session could be opened, or the server stopped answering: remember why,
        so that the run's other emails fail at once instead of waiting a timeout each."""
        if self._no_greeting:  # as 'port: 465' under the default starttls
            self._unreachable = (f"no answer within {self.smtp.timeout:g} s; a port with TLS "
                                 "from the start (usually 465) says nothing until it gets "
                                 "it: if this is one, set 'security: tls' under notify.smtp "
                                 "in outpost.yaml")
        elif _timed_out(exc):
            self._unreachable = f"no answer within {self.smtp.timeout:g} s"
        elif (isinstance(exc, ssl.SSLError) and exc.reason == "WRONG_VERSION_NUMBER"
              and self.smtp.security == "tls"):  # a port that greets in plain text (587, 25)
            self._unreachable = ("answered in plain text, not the TLS 'security: tls' expects: "
                                 "set 'security: starttls' under notify.smtp in outpost.yaml")
        elif isinstance(exc, smtplib.SMTPResponseException):
            self._unreachable = f"answered {exc.smtp_code} {_text(exc.smtp_error)}"
        else:
            self._unreachable = str(exc) or type(exc).__name__
        return SendFailed(f"{self.where}: {self._unreachable}")

    def _reset(self, keep: bool) -> None:
        """After a refusal the session may continue (RSET); after anything else, reconnect."""
        if self._client is None:
            return
        if keep:
            try:
                self._client.rset()
                return
            except (smtplib.SMTPException, OSError):
                pass
        try:
            self._client.close()
        finally:
            self._client = None

    def abort(self) -> None:
        """Hang up without QUIT: after an interrupted command the server would answer
        that command first, a timeout away if it is slow."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.quit()
            except (smtplib.SMTPException, OSError):
                self._client.close()
            self._client = None
