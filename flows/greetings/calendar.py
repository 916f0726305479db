"""The calendar of greeting occasions: the seven holidays and each client's
birthday, solar or lunar. Pure: today is always an argument.

Lunar dates come from lunar-python, which computes new moons and solar terms
(no hand-made table; ``lunardate`` was wrong for 1933, 1954 and 1978). One
lunar year costs lunar-python several milliseconds, and its own cache keeps a
single year, so each lunar year's months are computed once here and kept
(``_months``); every conversion after that is a bisect over about 13 months.
A day's lunar date and a birthday's date in a lunar year are cached too, so
checking 100,000 clients' birthdays on one day is a dictionary lookup each.

Rules for a lunar birthday (``birthday_in_year``):
- the birthday is the lunar month and day of the date of birth;
- born in a leap month (闰六月): in a lunar year that has that same leap
  month, the leap month itself (it is the month the client was born in, and
  the regular month was already passed by the time they were born); in a year
  without it, the regular month of that number;
- day 30 in a month that has only 29 days becomes day 29, its last day;
- a lunar occasion is keyed by the *lunar* year ("L2026"): 冬月十五 falls on
  2026-01-03 (lunar 2025) and on 2026-12-23 (lunar 2026), two birthdays.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Literal

from lunar_python import LunarYear, Solar

Occasion = Literal[
    "birthday",
    "new_year",
    "spring_festival",
    "lantern",
    "labour_day",
    "dragon_boat",
    "mid_autumn",
    "national_day",
]

HOLIDAYS: tuple[Occasion, ...] = (
    "new_year",
    "spring_festival",
    "lantern",
    "labour_day",
    "dragon_boat",
    "mid_autumn",
    "national_day",
)

_SOLAR_HOLIDAYS: dict[tuple[int, int], Occasion] = {
    (1, 1): "new_year",
    (5, 1): "labour_day",
    (10, 1): "national_day",
}
# (lunar month, day) of a regular month: a leap month never holds a holiday
# (2028 has a 闰五月, and 端午 is only the fifth of the regular fifth month).
_LUNAR_HOLIDAYS: dict[tuple[int, int], Occasion] = {
    (1, 1): "spring_festival",
    (1, 15): "lantern",
    (5, 5): "dragon_boat",
    (8, 15): "mid_autumn",
}
LUNAR_HOLIDAYS: frozenset[Occasion] = frozenset(_LUNAR_HOLIDAYS.values())


@dataclass(frozen=True)
class LunarDate:
    """A date in the Chinese lunar calendar; ``leap`` marks a leap month (闰)."""

    year: int
    month: int  # 1..12, the month's number (a leap month has its base month's number)
    day: int  # 1..30
    leap: bool = False


@dataclass(frozen=True)
class _Month:
    month: int
    leap: bool
    first: date  # its 初一, as a solar date
    days: int  # 29 or 30


@cache
def _months(year: int) -> tuple[_Month, ...]:
    """The months of lunar year ``year`` (正月 … 腊月, a leap month after its
    regular month), computed once per year."""
    months = []
    for m in LunarYear.fromYear(year).getMonthsInYear():
        s = Solar.fromJulianDay(m.getFirstJulianDay())
        months.append(
            _Month(
                abs(m.getMonth()),
                m.getMonth() < 0,
                date(s.getYear(), s.getMonth(), s.getDay()),
                m.getDayCount(),
            )
        )
    return tuple(months)


@cache
def _firsts(year: int) -> tuple[date, ...]:
    return tuple(m.first for m in _months(year))


@lru_cache(maxsize=1 << 17)  # every birth date of a century and the days planned
def lunar_date(day: date) -> LunarDate:
    """The lunar date of a solar date."""
    # 春节 falls between 21 Jan and 20 Feb, so the lunar year is this solar
    # year or the one before.
    year = day.year if day >= _months(day.year)[0].first else day.year - 1
    m = _months(year)[bisect_right(_firsts(year), day) - 1]
    return LunarDate(year, m.month, (day - m.first).days + 1, m.leap)


def lunar_year_of(day: date) -> int:
    return lunar_date(day).year


@cache
def _lunar_to_solar(year: int, month: int, leap: bool, day: int) -> date:
    """The solar date of lunar (month, day) in lunar year ``year`` under the
    birthday rules: the leap month only if the year has it, day 30 → 29."""
    months = _months(year)
    target = next((m for m in months if m.month == month and m.leap), None) if leap else None
    if target is None:
        target = next(m for m in months if m.month == month and not m.leap)
    return target.first + timedelta(days=min(day, target.days) - 1)


def lunar_to_solar(year: int, month: int, day: int, leap: bool = False) -> date:
    """The solar date of a lunar date, with the birthday rules (a leap month
    the year lacks → the regular month; a day the month lacks → its last day)."""
    return _lunar_to_solar(year, month, leap, day)


# --- holidays ---


def holidays_on(day: date) -> tuple[Occasion, ...]:
    """The holidays falling on this solar date, in ``HOLIDAYS`` order: usually
    none or one, two when a lunar holiday lands on a solar one (中秋 on 1 Oct,
    as in 2001 and 2020)."""
    found: list[Occasion] = []
    solar = _SOLAR_HOLIDAYS.get((day.month, day.day))
    if solar is not None:
        found.append(solar)
    ld = lunar_date(day)
    if not ld.leap:
        lunar = _LUNAR_HOLIDAYS.get((ld.month, ld.day))
        if lunar is not None:
            found.append(lunar)
    if len(found) > 1:
        found.sort(key=HOLIDAYS.index)
    return tuple(found)


def holiday_occurrence(occasion: Occasion, day: date) -> str:
    """The occurrence key of a holiday on ``day``: the solar year for a solar
    holiday ("2027"), the lunar year for a lunar one ("L2027"), so 春节 of
    lunar 2027 has one key whatever solar date it lands on."""
    if occasion in LUNAR_HOLIDAYS:
        return f"L{lunar_year_of(day)}"
    if occasion in HOLIDAYS:
        return str(day.year)
    raise ValueError(f"not a holiday: {occasion!r}")


# --- birthdays ---


def _is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthday_in_year(born: date, lunar: bool, year: int) -> date:
    """The birthday in ``year``, as a solar date. Solar: that solar year, 29
    Feb → 28 Feb in a common year. Lunar: the birthday in *lunar* year
    ``year`` (it may fall in January of solar year + 1), by the module's rules."""
    if not lunar:
        if born.month == 2 and born.day == 29 and not _is_leap_year(year):
            return date(year, 2, 28)
        return born.replace(year=year)
    b = lunar_date(born)
    return _lunar_to_solar(year, b.month, b.leap, b.day)


def is_birthday(born: date, lunar: bool, day: date) -> bool:
    if not lunar:
        if (born.month, born.day) == (day.month, day.day):
            return True
        return (
            born.month == 2
            and born.day == 29
            and day.month == 2
            and day.day == 28
            and not _is_leap_year(day.year)
        )
    # A day belongs to exactly one lunar year, which has exactly one birthday.
    b = lunar_date(born)
    return _lunar_to_solar(lunar_date(day).year, b.month, b.leap, b.day) == day


def birthday_occurrence(born: date, lunar: bool, day: date) -> str:
    """The occurrence key of the birthday falling on ``day``: "2027" for a
    solar birthday, "L2027" (lunar year) for a lunar one."""
    return f"L{lunar_year_of(day)}" if lunar else str(day.year)


def next_birthday(born: date, lunar: bool, on_or_after: date) -> date:
    """The first birthday on or after ``on_or_after`` (the advisors' reminder
    looks three days ahead, across year ends)."""
    year = lunar_year_of(on_or_after) if lunar else on_or_after.year
    found = birthday_in_year(born, lunar, year)
    return found if found >= on_or_after else birthday_in_year(born, lunar, year + 1)
