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
import warnings
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from flows.messages import msg

from .callbacks import CardAction, ShowDetail, decode
from .config import Settings
from .driver import Driver
from .i18n import Renderer
from .presenter import TELEGRAM_TEXT_LIMIT, Outgoing, pack
from .routing import CLIENT, Role, Table
from .storage import Storage

log = logging.getLogger("diagbot")
DEFAULT_ROLES = frozenset({CLIENT})

# The result card and its section picker are menus, pressed again and again:
# their keyboard stays (a question's is replaced by the answer chosen).
KEEPS_KEYBOARD = (ShowDetail, CardAction)


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


def keyboard(out: Outgoing) -> dict | None:
    """The Bot API's InlineKeyboardMarkup, as the JSON it is sent as; for
    the phone question a reply keyboard (share-contact first, then the
    buttons' labels, sent back as text); ReplyKeyboardRemove to take that away."""
    if out.request_contact:
        rows = [[KeyboardButton(out.request_contact, request_contact=True)]]
        rows += [[KeyboardButton(b.label) for b in row] for row in out.buttons]
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True).to_dict()
    if not out.buttons:
        return ReplyKeyboardRemove().to_dict() if out.remove_reply_keyboard else None
    return {"inline_keyboard": [[({"text": b.label, "url": b.url} if b.url else
                                  {"text": b.label, "callback_data": b.data}) for b in row] for row in out.buttons]}


def without_links(markup: dict | None) -> dict | None:
    """The keyboard without its link buttons: Telegram refuses a whole message
    whose tg://user link a client's privacy settings forbid."""
    if not markup or "inline_keyboard" not in markup:
        return markup
    rows = [[b for b in row if "url" not in b] for row in markup["inline_keyboard"]]
    rows = [row for row in rows if row]
    return {"inline_keyboard": rows} if rows else None


CAPTION_LIMIT = 1024  # Telegram's limit for a photo's or a document's caption


async def send_attachment(bot, chat_id: int, out: Outgoing, markup: dict | None) -> int:
    """A picture (its text as the caption) or a document; a text too long for
    a caption goes first as a message of its own."""
    caption = out.text if len(out.text) <= CAPTION_LIMIT else None
    if caption is None:
        for part in pack([out.text], TELEGRAM_TEXT_LIMIT):
            await send_text(bot, chat_id, part)
    attachment = out.attachment
    if attachment.kind == "photo":
        sent = await bot.send_photo(chat_id, photo=attachment.content, caption=caption,
                                    filename=attachment.filename, reply_markup=markup)
    else:
        sent = await bot.send_document(chat_id, document=attachment.content, filename=attachment.filename,
                                       caption=caption, reply_markup=markup)
    return sent.message_id


# The replies are sent with ``do_api_request`` and read as plain JSON: the
# typed ``send_message`` builds a ``Message`` object of ~100 attributes from
# every reply, and that was a quarter of the cost of an update while we read
# only its message id. Errors are raised as the same TelegramError classes,
# and the rate limiter applies alike.
# PTB suggests the typed method for a known endpoint; we choose the raw one on purpose (above).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(sendMessage|editMessageText)'",
                        category=PTBUserWarning)


async def send_text(bot, chat_id: int, text: str, markup: dict | None = None) -> int:
    params: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if markup:
        params["reply_markup"] = markup
    sent = await bot.do_api_request("sendMessage", api_kwargs=params)
    return sent["message_id"]


async def edit_text(bot, chat_id: int, message_id: int, text: str) -> bool:
    """Replace a message's text; without reply_markup its buttons go too."""
    await bot.do_api_request("editMessageText", api_kwargs={"chat_id": chat_id, "message_id": message_id,
                                                             "text": text})
    return True


@dataclass
class Recipient:
    """Where one update's replies go, and whether anything may be sent."""

    bot: Any
    chat_id: int
    user_id: int
    muted: bool = False  # the client blocked the bot and has not written since
    pressed: int | None = None  # the message whose button was pressed (already edited)


class TelegramChannel:
    """Turns updates into driver calls and driver output into Bot API calls.

    Sending never loses an answer: the answer is committed before anything is
    sent. A 429 is retried by the rate limiter; a send that still fails
    (timeout, network, 429 after the retries) leaves the current question
    marked undelivered in the database, and it is sent again when the client
    next writes; a 403 (the client blocked the bot) marks the client
    unreachable and nothing more is sent to them until they write again.
    """

    def __init__(self, driver: Driver, log_secret: str) -> None:
        self.driver = driver
        self.storage = driver.storage
        self.r = driver.renderer
        self.log_secret = log_secret
        # The command menu set per chat (advisors', admins'), as last set by
        # this process; a chat not here has Telegram's default (a client's).
        self._menus: dict[int, frozenset] = {}

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
                await self._quietly(None, lambda: bot.send_message(chat.id, self.r.text("group.private_only")))
            return "group", None
        to = Recipient(bot, chat.id, user.id, muted=await self._muted(user.id, update))
        self.driver.saw_name(user.id, user.full_name)  # a new lead's 称呼 when they give none (never logged)
        if update.callback_query:
            return "button", await self._on_button(update, to)
        if update.edited_message:
            await self._notice(to, "edited.hint")
            return "edited", None
        message = update.message
        if message is None:
            return "ignored", None
        if message.contact is not None:
            # Telegram's share-contact button: the client's own number answers
            # the phone question; someone else's contact card is not taken.
            # (Never logged: the log line names the kind only.)
            own = message.contact.user_id == user.id
            outs = await self.driver.contact(user.id, message.contact.phone_number if own else None,
                                             update.update_id)
            return "contact", await self.send(to, outs)
        if message.text is None:
            await self._notice(to, "unsupported.message")
            return "unsupported", None
        text = message.text
        if text.startswith("/"):
            name, _, arg = text[1:].partition(" ")
            name = name.split("@", 1)[0].lower()
            if self.driver.routes.known(name):
                roles = None
                if chat.id not in self._menus:  # once per chat and process (and when an advisor signs up)
                    roles = await self.driver.roles_of(user.id)
                    await self._set_menu(to, roles, first=True)
                outs = await self.driver.command(user.id, name, arg.strip(), update.update_id, role=roles)
                return f"command:{name}", await self.send(to, outs)
            await self._notice(to, "unknown.command")
            return "unknown_command", None
        outs = await self.driver.text(user.id, text, update.update_id)
        return "text", await self.send(to, outs)

    async def _muted(self, user_id: int, update: Update) -> bool:
        """Whether the client is still to be treated as having blocked the bot.
        Any new inbound clears the mark; a message written before the block
        was found (queued while we were sending) does not."""
        since = await self.storage.unreachable_since(user_id)
        if since is None:
            return False
        if update.message is None and update.edited_message is None and update.callback_query is None:
            return True  # e.g. my_chat_member "kicked", sent because of the block: not the client writing again
        message = update.message or update.edited_message
        written = (message.edit_date or message.date) if message is not None else None
        if written is not None and int(written.timestamp()) <= since:
            return True
        await self.storage.clear_unreachable(user_id)
        return False

    async def _on_button(self, update: Update, to: Recipient) -> str | None:
        query = update.callback_query
        outs = await self.driver.button(to.user_id, query.data or "", update.update_id)
        if not outs:
            # An old button, or a second tap: nothing changes; say so quietly.
            await self._quietly(to, lambda: query.answer(self.r.text("button.stale")))
            return None
        await self._quietly(to, query.answer)
        if not isinstance(decode(query.data or ""), KEEPS_KEYBOARD):
            await self._mark_chosen(to, query)
        return await self.send(to, outs)

    async def _mark_chosen(self, to: Recipient, query) -> None:
        """Edit the question's message to show the answer chosen, without its
        buttons, so the chat reads as a clean record."""
        message = query.message
        if message is None or not getattr(message, "text", None):
            return
        label = next((b.text for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
                      for b in row if b.callback_data == query.data), None)
        text = message.text + ("\n\n" + self.r(msg("ui.chosen", answer=label)) if label else "")
        # e.g. a message too old to edit: the answer is recorded anyway
        edit = lambda: edit_text(to.bot, to.chat_id, message.message_id, text[:TELEGRAM_TEXT_LIMIT])  # noqa: E731
        if await self._quietly(to, edit):
            to.pressed = message.message_id

    async def _notice(self, to: Recipient, key: str) -> None:
        await self._quietly(to, lambda: to.bot.send_message(to.chat_id, self.r.text(key)))

    async def _quietly(self, to: Recipient | None, call: Callable[[], Awaitable[Any]]) -> Any:
        """A call whose failure must not stop the update: answering a button,
        editing a message, a hint. Returns its result, or None if it failed."""
        if to is not None and to.muted:
            return None
        try:
            return await call()
        except Forbidden as err:
            if to is None:  # a group that removed the bot
                log.warning("bot api call failed: %s", type(err).__name__)
            else:
                await self._blocked(to)
        except BadRequest as err:  # "message is not modified", "message can't be edited", "query is too old"
            log.info("bot api call refused: %s", type(err).__name__)
        except (NetworkError, RetryAfter) as err:
            log.warning("bot api call failed: %s", type(err).__name__)
        return None

    async def _blocked(self, to: Recipient) -> None:
        log.warning("client unreachable: the bot was blocked")
        to.muted = True
        await self.storage.mark_unreachable(to.user_id, int(time.time()))

    async def send(self, to: Recipient, outs: list[Outgoing]) -> str | None:
        """Send the driver's messages in order; returns the step asked."""
        asked = next((out for out in outs if out.question_step), None)
        delivered = False
        try:
            for out in outs:
                if to.muted:
                    break
                if out.attachment is not None:
                    message_id = await send_attachment(to.bot, to.chat_id, out, keyboard(out))
                else:
                    parts = pack([out.text], TELEGRAM_TEXT_LIMIT)
                    for i, part in enumerate(parts):
                        markup = keyboard(out) if i == len(parts) - 1 else None
                        message_id = await self._send_text(to, part, markup)
                if out is asked:
                    delivered = True
                    await self._asked(to, out, message_id)
                if out.menu_changed:
                    await self._set_menu(to, await self.driver.roles_of(to.user_id))
        except Forbidden:
            await self._blocked(to)
        except BadRequest:
            raise  # our mistake (too long, empty): the error handler reports it (BadRequest is a NetworkError)
        except (NetworkError, RetryAfter) as err:  # timed out, connection lost, 429 after the retries
            log.warning("reply not delivered: %s", type(err).__name__)
        finally:  # a BadRequest (our mistake) goes on to the error handler, marked too
            if asked is not None and not delivered and asked.turn is not None:
                # The answer is stored; the client has not seen the next question.
                await self.storage.mark_undelivered(asked.owner or to.user_id, asked.turn)
        return asked.question_step if asked else None

    async def _send_text(self, to: Recipient, text: str, markup: dict | None) -> int:
        try:
            return await send_text(to.bot, to.chat_id, text, markup)
        except BadRequest as err:
            # A tg://user link the other person's privacy settings forbid:
            # the message goes without it.
            if "privacy" not in str(err).lower() or without_links(markup) == markup:
                raise
            return await send_text(to.bot, to.chat_id, text, without_links(markup))

    async def _set_menu(self, to: Recipient, roles: frozenset, first: bool = False) -> None:
        """The chat's command menu follows the user's roles: an advisor's
        (or an admin's) is set for their chat; a client's is the default.
        ``first``: the chat's first command since start; a removed advisor's
        chat gets the default menu back."""
        if self._menus.get(to.chat_id, DEFAULT_ROLES) == roles:
            if first and roles == DEFAULT_ROLES:
                if await self.storage.advisor(to.user_id) is not None:  # once an advisor: reset their menu
                    await self._quietly(to, lambda: to.bot.delete_my_commands(scope=BotCommandScopeChat(to.chat_id)))
                self._menus[to.chat_id] = roles
            return
        scope = BotCommandScopeChat(to.chat_id)
        if roles == DEFAULT_ROLES:
            call = lambda: to.bot.delete_my_commands(scope=scope)  # noqa: E731
        else:
            call = lambda: to.bot.set_my_commands(menu_commands(self.driver.routes, roles, self.r),  # noqa: E731
                                                  scope=scope)
        if await self._quietly(to, call) is not None:
            self._menus[to.chat_id] = roles

    async def _asked(self, to: Recipient, out: Outgoing, message_id: int) -> None:
        """A question was delivered: it is now the newest copy. An older copy
        that it supersedes loses its buttons (Telegram may refuse: an old
        message, or one already edited; that is fine)."""
        await self.storage.record_question(out.owner or to.user_id, out.question_step, message_id)
        if out.replaces is not None and out.replaces != to.pressed:
            await self._quietly(to, lambda: to.bot.edit_message_reply_markup(to.chat_id, out.replaces,
                                                                              reply_markup=None))


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


RETRIES_AFTER_429 = 3


def rate_limiter() -> BaseRateLimiter:
    """python-telegram-bot's AIORateLimiter: a 429 (RetryAfter) pauses every
    request for ``retry_after`` and the call is retried, up to three times.
    Every message this bot sends answers a client who just wrote, so there is
    no bot-wide throttle (Telegram's ~30 messages/s is a limit for broadcasts;
    if Telegram answers 429 anyway, the retry honours it); groups keep
    Telegram's 20 messages a minute."""
    return AIORateLimiter(overall_max_rate=0, max_retries=RETRIES_AFTER_429)


def build_application(settings: Settings, storage: Storage, *, request: BaseRequest | None = None,
                      get_updates_request: BaseRequest | None = None, driver: Driver | None = None,
                      max_concurrent_updates: int = 256, timeout: float | None = None) -> Application:
    """The Application, pointed at ``TELEGRAM_API_BASE_URL``. ``request`` lets
    tests and benchmarks plug in a Bot API that answers without sockets;
    ``timeout`` (seconds) bounds connecting to, writing to and reading from
    the Bot API for every call but getUpdates (python-telegram-bot's
    defaults otherwise)."""
    quiet_library_loggers()
    driver = driver or Driver(storage, timezone=settings.tz, language=settings.language,
                              admin_ids=settings.admin_user_ids, bot_username=settings.bot_username)
    channel = TelegramChannel(driver, log_secret=settings.token or "diagbot")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.base_file_url)
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
        .rate_limiter(rate_limiter())
        .post_init(_post_init)
    )
    if request is not None:
        builder = builder.request(request)
    elif timeout is not None:
        builder = builder.connect_timeout(timeout).read_timeout(timeout).write_timeout(timeout)
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
    channel: TelegramChannel = app.bot_data["channel"]
    if channel.driver.bot_username is None:  # links need it: Telegram's getMe knows it
        channel.driver.bot_username = app.bot.username
    for room in channel.driver.rooms:
        if await room.recover():
            log.warning("finished the effects of answers a crash interrupted")
    try:
        await app.bot.set_my_commands(menu_commands(channel.driver.routes, CLIENT, r))
    except TelegramError as err:  # the menu is a convenience; the bot works without it
        log.warning("could not set the command menu: %s", type(err).__name__)


def menu_commands(table: Table, role: Role | Iterable[Role], r: Renderer) -> list[BotCommand]:
    """Telegram's command menu for a user of these roles, from the dispatch table (``bot.routing``)."""
    return [BotCommand(c.name, r.text(c.description)) for c in table.menu(role)]


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

    from .greetings import GreetingClock

    driver = app.bot_data["channel"].driver
    # The clock plans the advisors' digests with the running bot's driver (its renderer, TZ and lead store).
    clock = GreetingClock(storage, settings, driver=driver)
    # Messages the driver posts (a lead card) are sent at once, not at the next tick.
    driver.nudge = clock.nudge

    async def post_init(application: Application) -> None:
        await storage.open()
        await _post_init(application)
        # The outbox (greetings, review reminders, lead cards, digests): the
        # JobQueue only ticks (now, then every TICK_SECONDS); the database
        # decides what is due.
        await clock.start()
        if application.job_queue is None:
            log.error("no JobQueue (install python-telegram-bot[job-queue]): greetings are not sent")
        else:
            application.job_queue.run_repeating(clock.tick, interval=settings.tick_seconds, first=0,
                                                name="greetings")

    async def post_stop(application: Application) -> None:
        await clock.stop()  # the JobQueue has stopped: finish the sends in flight, claim nothing more

    async def post_shutdown(application: Application) -> None:
        await storage.close()

    app.post_init = post_init
    app.post_stop = post_stop
    app.post_shutdown = post_shutdown
    log.info("diagbot polling %s", settings.telegram_api_base_url)
    app.run_polling(allowed_updates=Update.ALL_TYPES)
