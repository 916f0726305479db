"""A fake Telegram Bot API for tests and benchmarks.

``FakeBotAPI`` answers Bot API methods the way Telegram does for the few
methods the bot uses, and records what the bot sent. Two ways to reach it:

- ``FakeBotAPIServer``: real HTTP on loopback, for end-to-end tests; the bot is
  pointed at it through ``TELEGRAM_API_BASE_URL``.
- ``InProcessRequest``: a python-telegram-bot ``BaseRequest`` that calls it
  without sockets, for benchmarks (the figures are then the bot's own cost).

``fail`` makes the next calls of a method fail as Telegram's do: a 429 with
``parameters.retry_after`` (``flood``), a 403 for a client who blocked the bot
(``blocked``), or no answer until the client's read timeout (``HangUp``, over
HTTP only).
"""

from __future__ import annotations

import email.policy
import itertools
import json
import threading
import time
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Diag", "username": "diag_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id"}
JSON_PARAMS = {"reply_markup", "commands", "allowed_updates", "entities", "scope"}


class BotAPIError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


class HangUp(Exception):
    """The server sleeps past the client's read timeout, then closes the
    connection without answering (the call is not carried out)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def flood(retry_after: int = 1) -> BotAPIError:
    return BotAPIError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def blocked() -> BotAPIError:
    return BotAPIError(403, "Forbidden: bot was blocked by the user")


class FakeBotAPI:
    def __init__(self, token: str, record: bool = True) -> None:
        self.token = token
        self.record = record  # benchmarks turn recording off to measure the bot, not the fake
        self._lock = threading.Condition()
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self.sent: list[dict] = []  # every message the bot sent, in order
        self.edits: list[dict] = []
        self.callback_answers: list[dict] = []
        self.commands: list[dict] = []
        self.chat_commands: dict[int, list[dict]] = {}  # the menus set for one chat (BotCommandScopeChat)
        self.calls: list[str] = []
        self.markup_edits: list[dict] = []  # editMessageReplyMarkup calls that changed a keyboard
        self._markups: dict[tuple[int, int], Any] = {}  # each sent message's keyboard as it is now
        self._failures: dict[str, list[BotAPIError | HangUp]] = {}

    # --- what Telegram does wrong ----------------------------------------------

    def fail(self, method: str, failure: BotAPIError | HangUp, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` fail that way (``flood()``,
        ``blocked()``, ``HangUp(seconds)``) instead of being carried out."""
        with self._lock:
            self._failures.setdefault(method, []).extend([failure] * times)

    def heal(self) -> None:
        with self._lock:
            self._failures.clear()

    def _failure(self, method: str) -> BotAPIError | HangUp | None:
        with self._lock:
            pending = self._failures.get(method)
            return pending.pop(0) if pending else None

    # --- what a client does --------------------------------------------------

    def _user(self, user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}", "language_code": "zh-hans"}

    def _chat(self, chat_id: int, kind: str = "private") -> dict:
        chat = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = f"U{chat_id}"
        else:
            chat["title"] = "group"
        return chat

    def push(self, update: dict) -> int:
        with self._lock:
            if update.get("update_id"):  # an explicit id (a repeat): later ones still increase
                self._update_ids = itertools.count(max(update["update_id"], next(self._update_ids)) + 1)
            update = {**update, "update_id": update.get("update_id") or next(self._update_ids)}
            self._updates.append(update)
            self._lock.notify_all()
            return update["update_id"]

    def message(self, user_id: int, text: str | None = None, chat_type: str = "private", chat_id: int | None = None,
                update_id: int | None = None, **extra: Any) -> int:
        msg = {"message_id": next(self._message_ids), "date": int(time.time()),
               "chat": self._chat(chat_id or user_id, chat_type), "from": self._user(user_id), **extra}
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.push({"update_id": update_id, "message": msg})

    def contact(self, user_id: int, phone_number: str, contact_user_id: int | None = None) -> int:
        """The client presses the share-contact button (their own number,
        ``contact_user_id`` their id) or sends someone else's contact card
        (another id)."""
        card = {"phone_number": phone_number, "first_name": f"U{contact_user_id or user_id}",
                "user_id": contact_user_id or user_id}
        return self.message(user_id, None, contact=card)

    def edited(self, user_id: int, text: str) -> int:
        msg = {"message_id": next(self._message_ids), "date": int(time.time()), "edit_date": int(time.time()),
               "chat": self._chat(user_id), "from": self._user(user_id), "text": text}
        return self.push({"edited_message": msg})

    def press(self, user_id: int, message: dict, data: str) -> int:
        """Press a button of a message the bot sent."""
        query = {"id": str(next(self._message_ids)), "from": self._user(user_id), "chat_instance": "1",
                 "data": data, "message": {**message, "from": BOT_USER}}
        return self.push({"callback_query": query})

    # --- what the bot calls --------------------------------------------------

    def call(self, method: str, params: dict[str, Any], wait: bool = True) -> Any:
        if self.record:
            self.calls.append(method)
        failure = self._failure(method)
        if isinstance(failure, HangUp):
            time.sleep(failure.seconds)
            raise failure
        if failure is not None:
            raise failure
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            raise BotAPIError(404, "Not Found: method not found")
        return handler(params, wait) if method == "getUpdates" else handler(params)

    def api_getMe(self, p):
        return BOT_USER

    def api_deleteWebhook(self, p):
        return True

    def api_setMyCommands(self, p):
        scope = p.get("scope")
        if scope and scope.get("type") == "chat":
            self.chat_commands[int(scope["chat_id"])] = p.get("commands", [])
        else:
            self.commands = p.get("commands", [])
        return True

    def api_deleteMyCommands(self, p):
        scope = p.get("scope")
        if scope and scope.get("type") == "chat":
            self.chat_commands.pop(int(scope["chat_id"]), None)
        return True

    def _send_file(self, p, kind: str):
        """sendPhoto / sendDocument: the file's bytes and name are recorded."""
        file = p.get(kind)
        if not isinstance(file, dict):
            raise BotAPIError(400, f"Bad Request: there is no {kind} in the request")
        caption = p.get("caption") or ""
        if len(caption) > 1024:
            raise BotAPIError(400, "Bad Request: message caption is too long")
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": self._chat(p["chat_id"]), "from": BOT_USER, "caption": caption}
        if kind == "photo":  # Telegram answers a photo as its sizes
            message["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 370, "height": 370}]
        else:
            message["document"] = {"file_id": "d1", "file_unique_id": "u2", "file_name": file["filename"]}
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        if self.record:
            # What a test reads: the caption as the text, and the file itself.
            recorded = {**message, "text": caption, "file": {"name": file["filename"], "content": file["content"]}}
            with self._lock:
                self._markups[(p["chat_id"], message["message_id"])] = _inline(p.get("reply_markup"))
                self.sent.append(recorded)
                self._lock.notify_all()
        return message

    def api_sendPhoto(self, p):
        return self._send_file(p, "photo")

    def api_sendDocument(self, p):
        return self._send_file(p, "document")

    def api_close(self, p):
        return True

    def api_getUpdates(self, p, wait: bool):
        offset = p.get("offset") or 0
        limit = p.get("limit") or 100
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), 2.0)
        with self._lock:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while wait and not self._updates and time.monotonic() < deadline:
                self._lock.wait(max(0.0, deadline - time.monotonic()))
            return self._updates[:limit]

    def api_sendMessage(self, p):
        text = p.get("text") or ""
        if not text.strip():
            raise BotAPIError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise BotAPIError(400, "Bad Request: message is too long")
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": self._chat(p["chat_id"]), "from": BOT_USER, "text": text}
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        if self.record:
            with self._lock:
                # A message carries only an inline keyboard; a reply keyboard
                # (or its removal) belongs to the chat's typing field.
                self._markups[(p["chat_id"], message["message_id"])] = _inline(p.get("reply_markup"))
                self.sent.append(message)
                self._lock.notify_all()
        return message

    def api_editMessageText(self, p):
        edit = {"chat_id": p.get("chat_id"), "message_id": p.get("message_id"), "text": p.get("text"),
                "reply_markup": p.get("reply_markup")}
        if self.record:
            with self._lock:
                self.edits.append(edit)
                self._markups[(edit["chat_id"], edit["message_id"])] = edit["reply_markup"] or None
        return {"message_id": p.get("message_id") or 0, "date": int(time.time()),
                "chat": self._chat(p.get("chat_id") or 0), "text": p.get("text")}

    def api_editMessageReplyMarkup(self, p):
        key = (p.get("chat_id"), p.get("message_id"))
        markup = p.get("reply_markup") or None
        reply = {"message_id": key[1] or 0, "date": int(time.time()), "chat": self._chat(key[0] or 0), "text": "…"}
        if not self.record:
            return reply
        with self._lock:
            if key not in self._markups:
                raise BotAPIError(400, "Bad Request: message to edit not found")
            if self._markups[key] == markup:
                raise BotAPIError(400, "Bad Request: message is not modified: specified new message content and"
                                       " reply markup are exactly the same as a current content and reply markup"
                                       " of the message")
            self._markups[key] = markup
            self.markup_edits.append({"chat_id": key[0], "message_id": key[1], "reply_markup": markup})
        return reply

    def api_answerCallbackQuery(self, p):
        if self.record:
            self.callback_answers.append(p)
        return True

    # --- what a test reads ---------------------------------------------------

    def sent_to(self, chat_id: int) -> list[dict]:
        with self._lock:
            return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def wait_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict]:
        """Block until ``count`` messages have been sent to the chat."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                got = [m for m in self.sent if m["chat"]["id"] == chat_id]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = [m["text"][:60] for m in got]
                    raise TimeoutError(f"chat {chat_id}: {len(got)} of {count} messages: {texts}")
                self._lock.wait(left)

    def respond(self, method: str, params: dict[str, Any], wait: bool = True) -> tuple[int, bytes]:
        try:
            body = {"ok": True, "result": self.call(method, params, wait)}
            code = 200
        except BotAPIError as err:
            body = {"ok": False, "error_code": err.code, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
            code = err.code
        return code, json.dumps(body, ensure_ascii=False).encode()


def _inline(markup: dict | None) -> dict | None:
    return markup if markup and "inline_keyboard" in markup else None


def _multipart(ctype: str, data: bytes) -> dict[str, Any]:
    """A multipart/form-data body (a file upload): fields as text, files as
    {"filename", "content"}; a field naming an attached file (attach://x)
    is given that file."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {ctype}\r\n\r\n".encode() + data)
    fields: dict[str, Any] = {}
    files: dict[str, dict] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        content = part.get_payload(decode=True) or b""
        if filename is not None:
            files[name] = {"filename": filename, "content": content}
        else:
            fields[name] = content.decode()
    for key, value in list(fields.items()):
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            fields[key] = files.pop(value[9:])
    fields.update(files)
    return fields


def decode_params(raw: dict[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in INT_PARAMS:
            params[key] = int(value)
        elif key in JSON_PARAMS:
            params[key] = json.loads(value) if isinstance(value, str) else value
        else:
            params[key] = value
    return params


class FakeBotAPIServer:
    """``FakeBotAPI`` over HTTP on 127.0.0.1 (a free port), in a thread."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api
        fake = api

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                if "multipart/form-data" in ctype:
                    raw = _multipart(ctype, data)
                else:
                    body = data.decode()
                    raw = json.loads(body) if "json" in ctype and body else dict(parse_qsl(body))
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    code, payload = 401, json.dumps({"ok": False, "error_code": 401,
                                                      "description": "Unauthorized"}).encode()
                else:
                    try:
                        code, payload = fake.respond(self.path[len(prefix):], decode_params(raw))
                    except HangUp:
                        self.close_connection = True  # no answer at all
                        return
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # a client hanging up mid-poll at shutdown is normal

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def start(self) -> FakeBotAPIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class InProcessRequest(BaseRequest):
    """Answers like the Bot API, in process: no sockets, no threads."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=None, write_timeout=None, connect_timeout=None, pool_timeout=None):
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            files = {name: {"filename": value[0], "content": value[1]}
                     for name, value in (request_data.multipart_data or {}).items()}
            for key, value in list(params.items()):
                if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                    params[key] = files.pop(value[9:])
            params.update(files)
        # getUpdates must not block the event loop here: no long polling.
        return self.api.respond(api_method, params, wait=False)
