"""SMTP capture server for development and tests, with an HTTP API to read what it caught.

Run: ``python -m vigie_stack.mailsink --smtp-port 1025 --http-port 8025 --dir .vigie/mail``

Every message accepted over SMTP is stored as ``<dir>/<arrival-ns>-<uuid>.eml`` (file names
sort by arrival). The server adds two trace headers on top, as a real MTA adds
``Return-Path``: ``X-Mailsink-Envelope-From`` and ``X-Mailsink-Envelope-To``, since the
envelope (e.g. Bcc recipients) is not in the message itself. Any AUTH is accepted, so an
app configured with credentials can send here; there is no TLS.

HTTP API (JSON, loopback only):

- ``GET /api/messages``: oldest first, ``[{id, from, to, subject, date, received, size}]``;
  ``to`` lists the envelope recipients, ``from`` is the From header.
- ``GET /api/messages/{id}``: the same plus ``envelope_from``, ``headers`` (name -> first
  value), ``text``, ``html`` (None when absent) and ``raw``.
- ``DELETE /api/messages``: delete all, answers ``{"deleted": n}``;
  ``DELETE /api/messages/{id}`` deletes one.
- ``GET /``: an HTML list for a person, newest first, each message readable at
  ``/messages/{id}``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import email
import email.policy
import html
import json
import os
import re
import signal
import sys
import threading
import time
import uuid
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

ID_RE = re.compile(r"^\d{20}-[0-9a-f]{32}$")  # also keeps ids from naming other files
ENVELOPE_FROM = "X-Mailsink-Envelope-From"
ENVELOPE_TO = "X-Mailsink-Envelope-To"


class MailStore:
    """The captured messages: one .eml file each in a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # HTTP threads and the SMTP loop share the folder
        # Each message's summary, parsed once: a saved message never changes, and tests poll the
        # listing while hundreds are captured (parsing them all at each poll took seconds).
        self._summaries: dict[str, dict[str, Any]] = {}

    def save(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> str:
        msg_id = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
        trace = f"{ENVELOPE_FROM}: {mail_from}\r\n{ENVELOPE_TO}: {', '.join(rcpt_tos)}\r\n"
        tmp = self.directory / f".{msg_id}.tmp"
        tmp.write_bytes(trace.encode() + content)
        # Renamed in place once whole: a reader never sees half a message.
        tmp.replace(self._path(msg_id))
        return msg_id

    def _path(self, msg_id: str) -> Path:
        return self.directory / f"{msg_id}.eml"

    def ids(self) -> list[str]:
        return sorted(path.stem for path in self.directory.glob("*.eml"))

    def summaries(self) -> list[dict[str, Any]]:
        """The summary of every message, oldest first."""
        found = []
        for msg_id in self.ids():
            cached = self._summaries.get(msg_id)
            if cached is None:
                raw = self.raw(msg_id)
                if raw is None:  # deleted meanwhile
                    continue
                cached = self._summaries[msg_id] = summary(msg_id, raw)
            found.append(cached)
        return found

    def raw(self, msg_id: str) -> bytes | None:
        if not ID_RE.match(msg_id):
            return None
        try:
            return self._path(msg_id).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, msg_id: str) -> bool:
        if not ID_RE.match(msg_id):
            return False
        with self._lock:
            self._summaries.pop(msg_id, None)
            try:
                self._path(msg_id).unlink()
            except FileNotFoundError:
                return False
        return True

    def clear(self) -> int:
        with self._lock:
            ids = self.ids()
            for msg_id in ids:
                self._path(msg_id).unlink(missing_ok=True)
            self._summaries.clear()
        return len(ids)


def _parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)  # guaranteed by policy.default
    return msg


def _header(msg: EmailMessage, name: str) -> str | None:
    value = msg.get(name)
    return None if value is None else str(value)


def _received(msg_id: str) -> str:
    stamp = dt.datetime.fromtimestamp(int(msg_id[:20]) / 1e9, tz=dt.UTC)
    return stamp.isoformat(timespec="milliseconds")


def summary(msg_id: str, raw: bytes) -> dict[str, Any]:
    msg = _parse(raw)
    rcpts = _header(msg, ENVELOPE_TO) or ""
    return {
        "id": msg_id,
        "from": _header(msg, "From"),
        "to": [addr.strip() for addr in rcpts.split(",") if addr.strip()],
        "subject": _header(msg, "Subject"),
        "date": _header(msg, "Date"),
        "received": _received(msg_id),
        "size": len(raw),
    }


def _body(msg: EmailMessage, subtype: str) -> str | None:
    part = msg.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    try:
        content = str(part.get_content())
    except (LookupError, ValueError):  # unknown charset or broken encoding
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            return None
        content = payload.decode(errors="replace")
    # SMTP carries CRLF; tests and people expect plain newlines in a body.
    return content.replace("\r\n", "\n")


def detail(msg_id: str, raw: bytes) -> dict[str, Any]:
    msg = _parse(raw)
    headers: dict[str, str] = {}
    for name, value in msg.items():
        headers.setdefault(name, str(value))
    return {
        **summary(msg_id, raw),
        "envelope_from": _header(msg, ENVELOPE_FROM),
        "headers": headers,
        "text": _body(msg, "plain"),
        "html": _body(msg, "html"),
        "raw": raw.decode(errors="replace"),
    }


class CaptureHandler:
    """aiosmtpd handler: accept every message and store it."""

    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        msg_id = self.store.save(envelope.mail_from or "", list(envelope.rcpt_tos), content)
        print(f"mailsink: stored {msg_id} for {len(envelope.rcpt_tos)} recipient(s)", flush=True)
        return "250 Message accepted for delivery"


def _accept_any_login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    # A sink, not a relay: whatever credentials the app is configured with are fine.
    return AuthResult(success=True)


# ---------------------------------------------------------------- HTTP


def _page(title: str, body: str, refresh: bool = False) -> bytes:
    style = "body{font-family:sans-serif;margin:2em}td,th{padding:.2em .8em;text-align:left}"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        + ("<meta http-equiv='refresh' content='5'>" if refresh else "")
        + f"<title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{body}</body></html>"
    ).encode()


def index_page(store: MailStore) -> bytes:
    rows = []
    for info in reversed(store.summaries()):
        msg_id = info["id"]
        cells = [info["received"], info["from"] or "", ", ".join(info["to"]), info["subject"] or ""]
        tds = "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells)
        rows.append(f"<tr>{tds}<td><a href='/messages/{msg_id}'>read</a></td></tr>")
    table = (
        "<table><tr><th>received (UTC)</th><th>from</th><th>to</th><th>subject</th><th></th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>No message yet.</p>"
    )
    # Refreshes itself: a person watching the page sees mail arrive.
    return _page("Vigie mail sink", f"<h1>Vigie mail sink</h1>{table}", refresh=True)


def message_page(msg_id: str, raw: bytes) -> bytes:
    info = detail(msg_id, raw)
    heads = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>"
        for name, value in info["headers"].items()
    )
    parts = [f"<p><a href='/'>all messages</a> · <a href='/api/messages/{msg_id}'>JSON</a></p>"]
    parts.append(f"<h1>{html.escape(info['subject'] or '(no subject)')}</h1><table>{heads}</table>")
    if info["text"] is not None:
        parts.append(f"<h2>Text</h2><pre>{html.escape(info['text'])}</pre>")
    if info["html"] is not None:
        # sandbox without allow-scripts: the mail's HTML is shown, never run.
        srcdoc = html.escape(info["html"], quote=True)
        frame = f"<iframe sandbox srcdoc=\"{srcdoc}\" width='100%' height='600'></iframe>"
        parts.append(f"<h2>HTML</h2>{frame}")
    return _page(info["subject"] or msg_id, "".join(parts))


def make_http_handler(store: MailStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "VigieMailSink/1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # readiness probes would flood the log; errors still go to log_error

        def _send(self, code: int, body: bytes, ctype: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, code: int, data: Any) -> None:
            body = json.dumps(data, ensure_ascii=False).encode()
            self._send(code, body, "application/json; charset=utf-8")

        def _not_found(self) -> None:
            self._json(404, {"error": "not found"})

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/") or "/"
            if path == "/":
                self._send(200, index_page(store), "text/html; charset=utf-8")
            elif path == "/api/messages":
                self._json(200, store.summaries())
            elif path.startswith("/api/messages/"):
                msg_id = path.removeprefix("/api/messages/")
                raw = store.raw(msg_id)
                if raw is None:
                    self._not_found()
                else:
                    self._json(200, detail(msg_id, raw))
            elif path.startswith("/messages/"):
                msg_id = path.removeprefix("/messages/")
                raw = store.raw(msg_id)
                if raw is None:
                    self._not_found()
                else:
                    self._send(200, message_page(msg_id, raw), "text/html; charset=utf-8")
            else:
                self._not_found()

        def do_DELETE(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/api/messages":
                self._json(200, {"deleted": store.clear()})
            elif store.delete(path.removeprefix("/api/messages/")):
                self._json(200, {"deleted": 1})
            else:
                self._not_found()

    return Handler


# ---------------------------------------------------------------- main


async def serve(host: str, smtp_port: int, http_port: int, directory: Path) -> None:
    store = MailStore(directory)
    loop = asyncio.get_running_loop()
    handler = CaptureHandler(store)

    def smtp_factory() -> SMTP:
        return SMTP(
            handler,
            enable_SMTPUTF8=True,
            hostname="vigie-mailsink",
            auth_require_tls=False,
            authenticator=_accept_any_login,
            loop=loop,
        )

    smtp_server = await loop.create_server(smtp_factory, host, smtp_port)
    httpd = ThreadingHTTPServer((host, http_port), make_http_handler(store))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="mailsink-http", daemon=True)
    thread.start()
    print(
        f"mailsink: SMTP on {host}:{smtp_port}, HTTP on {host}:{http_port}, storing in {directory}",
        flush=True,
    )

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("mailsink: stopping", flush=True)
    httpd.shutdown()
    httpd.server_close()
    smtp_server.close()
    await smtp_server.wait_closed()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vigie_stack.mailsink",
        description="SMTP capture server with an HTTP API to read what it caught.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    default_dir = Path(os.environ.get("VIGIE_STACK_DIR") or ".vigie") / "mail"
    parser.add_argument("--dir", type=Path, default=default_dir)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.smtp_port, args.http_port, args.dir.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
