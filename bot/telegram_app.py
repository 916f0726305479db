"""The Telegram channel (python-telegram-bot 22).

One ``TypeHandler`` receives every update and hands it to the generic driver;
there is no ConversationHandler (its state lives in memory) and no
per-question handler. Interview state lives in SQLite. Updates of one chat are
processed one at a time and in order by ``PerChatUpdateProcessor``, different
chats concurrently.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes, TypeHandler
from telegram.request import BaseRequest

from flows.messages import msg

from .config import Settings
from .driver import COMMANDS, Driver
from .presenter import TELEGRAM_TEXT_LIMIT, Outgoing, pack
from .storage import Storage

log = logging.getLogger("diagbot")

MENU_COMMANDS = ("start", "back", "edit", "summary", "mydata", "delete", "restart", "help", "cancel")


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat run one at a time, in arrival order (asyncio locks
    wake waiters first-in first-out); different chats run concurrently."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        key = chat.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:  # forget idle chats: memory stays flat
                del self._holders[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def chat_tag(chat_id: int, secret: str) -> str:
    """A stable pseudonym for logs: an HMAC of the chat id, keyed by a secret."""
    return hmac.new(secret.encode(), str(chat_id).encode(), hashlib.sha256).hexdigest()[:12]


def keyboard(out: Outgoing) -> InlineKeyboardMarkup | None:
    if not out.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in out.buttons]
    )


class TelegramChannel:
    """Turns updates into driver calls and driver output into Bot API calls."""

    def __init__(self, driver: Driver, log_secret: str) -> None:
        self.driver = driver
        self.r = driver.renderer
        self.log_secret = log_secret

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.perf_counter()
        kind, step = "other", None
        try:
            kind, step = await self._dispatch(update, context)
        finally:
            chat = update.effective_chat
            log.info("update id=%s chat=%s kind=%s step=%s latency_ms=%.1f", update.update_id,
                     chat_tag(chat.id, self.log_secret) if chat else "-", kind, step or "-",
                     (time.perf_counter() - started) * 1000)

    async def _dispatch(self, update: Update, context) -> tuple[str, str | None]:
        bot = context.bot
        chat = update.effective_chat
        user = update.effective_user
        if chat is None or user is None:
            return "ignored", None
        if chat.type != ChatType.PRIVATE:
            # Financial answers do not belong in a group: say so, store nothing.
            # (With BotFather's default privacy mode a group only sends us
            # commands and replies to the bot, so this does not chatter.)
            if update.message:
                await bot.send_message(chat.id, self.r.text("group.private_only"))
            return "group", None
        if update.callback_query:
            return "button", await self._on_button(update, context)
        if update.edited_message:
            await bot.send_message(chat.id, self.r.text("edited.hint"))
            return "edited", None
        message = update.message
        if message is None:
            return "ignored", None
        if message.text is None:
            await bot.send_message(chat.id, self.r.text("unsupported.message"))
            return "unsupported", None
        text = message.text
        if text.startswith("/"):
            name, _, arg = text[1:].partition(" ")
            name = name.split("@", 1)[0].lower()
            if name in COMMANDS:
                outs = await self.driver.command(user.id, name, arg.strip() if name == "edit" else "",
                                                 update.update_id)
                return f"command:{name}", await self.send(bot, chat.id, outs)
            await bot.send_message(chat.id, self.r.text("unknown.command"))
            return "unknown_command", None
        outs = await self.driver.text(user.id, text, update.update_id)
        return "text", await self.send(bot, chat.id, outs)

    async def _on_button(self, update: Update, context) -> str | None:
        query = update.callback_query
        outs = await self.driver.button(update.effective_user.id, query.data or "", update.update_id)
        if not outs:
            # An old button, or a second tap: nothing changes; say so quietly.
            await query.answer(self.r.text("button.stale"))
            return None
        await query.answer()
        await self._mark_chosen(query)
        return await self.send(context.bot, update.effective_chat.id, outs)

    async def _mark_chosen(self, query) -> None:
        """Edit the question's message to show the answer chosen, without its
        buttons, so the chat reads as a clean record."""
        message = query.message
        if message is None or not getattr(message, "text", None):
            return
        label = next((b.text for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
                      for b in row if b.callback_data == query.data), None)
        text = message.text + ("\n\n" + self.r(msg("ui.chosen", answer=label)) if label else "")
        try:
            await query.edit_message_text(text[:TELEGRAM_TEXT_LIMIT], reply_markup=None)
        except BadRequest:
            pass  # e.g. message too old to edit: the answer is recorded anyway

    async def send(self, bot, chat_id: int, outs: list[Outgoing]) -> str | None:
        step = None
        for out in outs:
            parts = pack([out.text], TELEGRAM_TEXT_LIMIT)
            for i, part in enumerate(parts):
                markup = keyboard(out) if i == len(parts) - 1 else None
                await bot.send_message(chat_id, part, reply_markup=markup)
            step = out.question_step or step
        return step


async def _error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # The exception's text may quote an answer: log its type only.
    err = context.error
    log.error("handler failed: %s", type(err).__name__)
    log.debug("handler failure detail", exc_info=err)
    if isinstance(update, Update) and update.effective_chat and not isinstance(err, TelegramError):
        try:
            await context.bot.send_message(update.effective_chat.id, context.bot_data["renderer"].text("error.internal"))
        except TelegramError:
            pass


def build_application(settings: Settings, storage: Storage, *, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None, driver: Driver | None = None,
                      max_concurrent_updates: int = 256) -> Application:
    """The Application, pointed at ``TELEGRAM_API_BASE_URL``. ``request`` lets
    tests and benchmarks plug in a Bot API that answers without sockets."""
    quiet_library_loggers()
    driver = driver or Driver(storage, timezone=settings.tz, language=settings.language)
    channel = TelegramChannel(driver, log_secret=settings.token or "diagbot")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.base_file_url)
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
        .post_init(_post_init)
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = builder.build()
    app.bot_data["renderer"] = driver.renderer
    app.bot_data["channel"] = channel
    app.add_handler(TypeHandler(Update, channel.on_update))
    app.add_error_handler(_error_handler)
    return app


async def _post_init(app: Application) -> None:
    r = app.bot_data["renderer"]
    try:
        await app.bot.set_my_commands([BotCommand(c, r.text(f"cmd.{c}")) for c in MENU_COMMANDS])
    except TelegramError as err:  # the menu is a convenience; the bot works without it
        log.warning("could not set the command menu: %s", type(err).__name__)


def quiet_library_loggers() -> None:
    """Whatever LOG_LEVEL says: python-telegram-bot logs whole updates and
    aiosqlite every statement's parameters (answers) at DEBUG, and httpx logs
    request URLs, which carry the token."""
    logging.getLogger("telegram").setLevel(logging.INFO)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet_library_loggers()


def run_polling(settings: Settings) -> None:
    configure_logging(settings.log_level)

    storage = Storage(settings.database_path)  # opened in post_init, inside the app's event loop
    app = build_application(settings, storage)

    async def post_init(application: Application) -> None:
        await storage.open()
        await _post_init(application)

    async def post_shutdown(application: Application) -> None:
        await storage.close()

    app.post_init = post_init
    app.post_shutdown = post_shutdown
    log.info("diagbot polling %s", settings.telegram_api_base_url)
    app.run_polling(allowed_updates=Update.ALL_TYPES)
