"""The plan of a day's greetings: who is greeted, for what, with which words.
Pure: the shell passes the clients' settings and the day, stores the plan in
its outbox and sends it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from flows.greetings.calendar import Occasion, holidays_on, is_birthday
from flows.messages import Msg, msg


@dataclass(frozen=True)
class GreetingClient:
    client_id: int  # whose greeting (the Telegram user id)
    chat_id: int  # where it goes
    born: date | None  # date of birth (None: no birthday greeting, holidays still)
    lunar: bool  # celebrates a lunar birthday
    opted_in: bool  # agreed to greetings and has not stopped them
    reachable: bool = True  # False: blocked the bot
    name: str | None = None  # 称呼 (may be None)
    advisor_name: str | None = None  # signs the message "—— 您的顾问 {advisor}" when set


@dataclass(frozen=True)
class Greeting:
    client_id: int
    chat_id: int
    day: date
    occasions: tuple[Occasion, ...]  # what it says, birthday first when both
    # The outbox key is (client, occasion, occurrence). The occurrence is the
    # day itself, not a (lunar) year: a message may join occasions keyed by
    # different calendars (a solar birthday on 中秋), and a greeting belongs
    # to its day (it expires, never arrives a day late), so the day is the
    # one key that makes planning the same day twice insert nothing twice.
    occasion: str  # "+".join(occasions), e.g. "birthday+mid_autumn"
    occurrence: str  # the day's ISO date, e.g. "2027-09-15"
    message: tuple[Msg, ...]  # the lines of the message, rendered by the shell


def plan_day(clients: Iterable[GreetingClient], day: date) -> list[Greeting]:
    """The greetings due on ``day``, one per client at most, in the clients'
    order: a holiday greeting to every opted-in, reachable client on a
    holiday, a birthday greeting to those whose birthday is today, and both
    in one message when they fall together."""
    holidays = holidays_on(day)  # the same for everyone: computed once
    occurrence = day.isoformat()
    planned = []
    for client in clients:
        if not (client.opted_in and client.reachable):
            continue
        birthday = client.born is not None and is_birthday(client.born, client.lunar, day)
        occasions: tuple[Occasion, ...] = (("birthday",) if birthday else ()) + holidays
        if not occasions:
            continue
        planned.append(
            Greeting(
                client_id=client.client_id,
                chat_id=client.chat_id,
                day=day,
                occasions=occasions,
                occasion="+".join(occasions),
                occurrence=occurrence,
                message=message_for(client, occasions),
            )
        )
    return planned


def message_for(client: GreetingClient, occasions: tuple[Occasion, ...]) -> tuple[Msg, ...]:
    """The lines of a greeting: the opening (with the 称呼 when known), the
    occasion's own wishes, the advisor's signature, how to stop. Short and
    warm; no product talk in a greeting."""
    lines = [_hello(client.name), *_wishes(occasions, client.lunar)]
    if client.advisor_name:
        lines.append(_signed(client.advisor_name))
    lines.append(_STOP)
    return tuple(lines)


# A day plans up to 100,000 greetings that share a handful of lines: the lines
# are built once and shared (a Msg is frozen and never changed once built).
_STOP = msg("greet.stop")


@lru_cache(maxsize=4096)
def _hello(name: str | None) -> Msg:
    return msg("greet.hello.name", name=name) if name else msg("greet.hello")


@lru_cache(maxsize=1024)
def _signed(advisor: str) -> Msg:
    return msg("greet.signed", advisor=advisor)


@cache
def _wishes(occasions: tuple[Occasion, ...], lunar: bool) -> tuple[Msg, ...]:
    holidays = [o for o in occasions if o != "birthday"]
    lines = []
    if "birthday" in occasions:
        kind = "lunar" if lunar else "solar"
        if holidays:
            # One message that says both: the birthday first, then the holiday's wishes.
            # Two joys (双喜临门) with one holiday; three (喜上加喜) with two (中秋 on 国庆).
            key = "greet.birthday_on_holiday" if len(holidays) == 1 else "greet.birthday_on_holidays"
            lines.append(msg(f"{key}.{kind}", holiday=_holiday_names(holidays)))
        else:
            lines.append(msg(f"greet.birthday.{kind}"))
    lines += [msg(f"greet.holiday.{o}") for o in holidays]
    return tuple(lines)


def _holiday_names(holidays: list[Occasion]) -> Msg:
    names = [msg(f"greet.name.{o}") for o in holidays]
    if len(names) == 1:
        return names[0]
    # At most one solar and one lunar holiday share a day (中秋 on 国庆): "中秋节和国庆节".
    return msg("greet.name.both", first=names[0], second=names[1])
