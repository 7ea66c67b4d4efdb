"""Real servers on loopback for the notification tests: SMTP (aiosmtpd) and HTTP.

Each server takes a script: what to do with the 1st, 2nd, ... request it gets
('ok' once the script runs out). Only requests it accepted count as delivered.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


class _LoopbackController(Controller):  # type: ignore[misc]
    """aiosmtpd's Controller on port 0: learn the real port before its self-check."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class Mail:
    rcpt_tos: list[str]
    mail_from: str
    message: EmailMessage
    raw: bytes = b""  # as it came over the wire
    mail_options: list[str] = field(default_factory=list)  # MAIL FROM's, 'BODY=8BITMIME'

    @property
    def to(self) -> str:
        return self.rcpt_tos[0]

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None and body.get_content_subtype() == subtype
        content: str = body.get_content()
        return content.replace("\r\n", "\n")


@dataclass
class MailHandler:
    script: list[str] = field(default_factory=list)  # ok | 550 | 451 | drop | block
    received: list[Mail] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)  # a 'block' began
    release: threading.Event = field(default_factory=threading.Event)
    count: int = 0
    sessions: int = 0  # EHLOs: one per connection
    # a per-session limit: after this many emails a session gets '421' at MAIL, or
    # (session_end='close') is hung up on without a word after the last
    session_limit: int | None = None
    session_end: str = "421"
    session_mails: dict[int, int] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> the RCPT answer

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope,
                          hostname: str, responses: list[str]) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        done = self.session_mails.get(id(session), 0)
        if self.session_limit is not None and done >= self.session_limit:
            return "421 4.7.0 Too many messages in this session"
        self.session_mails[id(session)] = done + 1
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        action = self.script[self.count - 1] if self.count <= len(self.script) else "ok"
        if action == "550":
            return "550 5.1.1 Mailbox unavailable"
        if action == "451":
            return "451 4.3.0 Try again later"
        if action == "drop":
            assert server.transport is not None
            server.transport.abort()
            return "250 never seen"
        if action == "block":
            self.arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Gave up"
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Mail(list(envelope.rcpt_tos), str(envelope.mail_from), message,
                                  raw, list(envelope.mail_options)))
        last = self.session_mails.get(id(session)) == self.session_limit
        if self.session_end == "close" and last:
            assert server.transport is not None  # hang up once this reply is out
            asyncio.get_running_loop().call_soon(server.transport.close)
        return "250 OK"


def _authenticate(handler: MailHandler) -> Any:
    def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
              auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        pair = (auth_data.login.decode(), auth_data.password.decode())
        handler.logins.append(pair)
        return AuthResult(success=pair == ("mailer", "s3cret pass"), handled=False)

    return check


@dataclass
class MailServer:
    handler: MailHandler
    port: int

    @property
    def received(self) -> list[Mail]:
        return self.handler.received


def mail_server(script: list[str] | None = None, auth: bool = False,
                host: str = "127.0.0.1", starttls_first: bool = False) -> Iterator[MailServer]:
    """``starttls_first``: the server offers STARTTLS and refuses mail (and a login) before
    it. It holds no certificate: a client with 'security: none' never gets that far."""
    handler = MailHandler(script=list(script or []))
    kwargs: dict[str, Any] = {}
    if auth:
        kwargs = {"authenticator": _authenticate(handler), "auth_require_tls": starttls_first,
                  "auth_required": True}
    if starttls_first:
        kwargs.update(tls_context=ssl.create_default_context(ssl.Purpose.CLIENT_AUTH),
                      require_starttls=True)
    controller = _LoopbackController(handler, hostname=host, port=0, **kwargs)
    controller.start()
    try:
        yield MailServer(handler, controller.port)
    finally:
        handler.release.set()
        controller.stop()


@dataclass
class DeadServer:
    """A mail server that is there and useless: 'silent' accepts connections and never
    says a word (a hung server, or a firewall that swallows the traffic); 'closes'
    hangs up at once; 'refused': nothing listens on the port."""

    port: int
    connections: int = 0


def dead_server(mode: str) -> Iterator[DeadServer]:
    listener = socket.create_server(("127.0.0.1", 0))
    server = DeadServer(listener.getsockname()[1])
    if mode == "refused":
        listener.close()
        yield server
        return
    listener.settimeout(0.05)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            server.connections += 1
            if mode == "closes":
                connection.close()
            else:
                held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for connection in held:
            connection.close()


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class HookState:
    # path -> ok|500|hang|drip|trickle|302|404|429, the last with ':<Retry-After>'; any
    # code with '!<text>' answers that text as text/plain
    script: dict[str, list[str]] = field(default_factory=dict)
    received: list[Post] = field(default_factory=list)
    hung_up: threading.Event = field(default_factory=threading.Event)  # a 'trickle' ended
    attempts: list[str] = field(default_factory=list)
    hang_seconds: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _HookHandler(BaseHTTPRequestHandler):
    state: HookState

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        state = self.state
        with state.lock:
            state.attempts.append(self.path)
            queue = state.script.get(self.path, [])
            action = queue.pop(0) if queue else "ok"
        if action == "hang":
            time.sleep(state.hang_seconds)  # the client gives up; this one is not counted
            return
        if action == "trickle":  # headers a byte at a time until the client hangs up
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Padding: ")
            deadline = time.monotonic() + 10
            try:
                while time.monotonic() < deadline:
                    self.wfile.write(b".")
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                state.hung_up.set()
            return
        if action == "drip":  # an answer a byte at a time, each well within the timeout
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            try:
                for byte in b"X-Padding: " + b"." * 40:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:  # the client hung up
                pass
            return
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        action, _, said = action.partition("!")  # '404!no_such_hook': a text body
        action, _, retry_after = action.partition(":")  # '429:30': Retry-After 30
        code = {"ok": 200, "500": 500, "302": 302, "404": 404, "429": 429}[action]
        if code == 200:
            with state.lock:
                state.received.append(Post(self.path, dict(self.headers.items()),
                                           json.loads(data)))
        self.send_response(code)
        if code == 302:
            self.send_header("Location", "/elsewhere")
        if retry_after:
            self.send_header("Retry-After", retry_after)
        body = said.encode() if said else b"ok"
        if said:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class HookServer:
    state: HookState
    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def posts(self, path: str) -> list[Post]:
        return [p for p in self.state.received if p.path == path]


def hook_server() -> Iterator[HookServer]:
    state = HookState()
    handler = type("Handler", (_HookHandler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HookServer(state, server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
