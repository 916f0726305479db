"""The greetings calendar (issue 11, step 1): holidays and birthdays, solar and
lunar, checked day by day against cnlunar, an independent calendar (the Hong
Kong Observatory's tables) used in the tests only."""

from datetime import date, datetime, timedelta
from functools import cache

import cnlunar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.greetings.calendar import (
    HOLIDAYS,
    LunarDate,
    birthday_in_year,
    birthday_occurrence,
    holiday_occurrence,
    holidays_on,
    is_birthday,
    lunar_date,
    lunar_to_solar,
    next_birthday,
)

FIRST, LAST = date(2026, 1, 1), date(2035, 12, 31)

# cnlunar's own holiday names (legal holidays, and 元宵 among its other lunar days).
CNLUNAR_NAMES = {
    "元旦节": "new_year",
    "国际劳动节": "labour_day",
    "国庆节": "national_day",
    "春节": "spring_festival",
    "元宵节": "lantern",
    "端午节": "dragon_boat",
    "中秋节": "mid_autumn",
}
SOLAR_NAMES = {"元旦节", "国际劳动节", "国庆节"}


def days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


@cache
def reference(day: date) -> tuple[LunarDate, tuple[str, ...]]:
    """cnlunar's lunar date and the holidays it names on ``day``."""
    c = cnlunar.Lunar(datetime(day.year, day.month, day.day), godType="8char")
    names = [
        n for n in (c.get_legalHolidays() + "," + c.get_otherLunarHolidays()).split(",") if n in CNLUNAR_NAMES
    ]
    # cnlunar names a holiday in a leap month too (端午 twice in 2028): the
    # holiday is the regular month's only.
    if c.isLunarLeapMonth:
        names = [n for n in names if n in SOLAR_NAMES]
    found = tuple(sorted({CNLUNAR_NAMES[n] for n in names}, key=HOLIDAYS.index))
    return LunarDate(c.lunarYear, c.lunarMonth, c.lunarDay, c.isLunarLeapMonth), found


# --- day by day against cnlunar ---


def test_lunar_date_agrees_with_cnlunar_every_day_2026_2035():
    wrong = [
        (d, lunar_date(d), reference(d)[0]) for d in days(FIRST, LAST) if lunar_date(d) != reference(d)[0]
    ]
    assert not wrong, wrong[:5]


def test_holidays_agree_with_cnlunar_every_day_2026_2035():
    wrong = [
        (d, holidays_on(d), reference(d)[1]) for d in days(FIRST, LAST) if holidays_on(d) != reference(d)[1]
    ]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("year", [1933, 1954, 1978])
def test_the_years_lunardate_gets_wrong_are_right_here(year):
    wrong = [d for d in days(date(year, 1, 1), date(year, 12, 31)) if lunar_date(d) != reference(d)[0]]
    assert not wrong, wrong[:5]
    assert lunar_date(date(1978, 9, 2)) == LunarDate(1978, 7, 30)  # lunardate says 八月初一


def test_each_holiday_once_a_year_on_the_known_dates():
    for year in range(2026, 2036):
        seen = [o for d in days(date(year, 1, 1), date(year, 12, 31)) for o in holidays_on(d)]
        assert sorted(seen, key=HOLIDAYS.index) == list(HOLIDAYS), year
    spring = [date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26), date(2029, 2, 13), date(2030, 2, 3)]
    assert all(holidays_on(d) == ("spring_festival",) for d in spring)
    assert all(holidays_on(d + timedelta(days=14)) == ("lantern",) for d in spring)
    for d in (date(2026, 9, 25), date(2027, 9, 15), date(2028, 10, 3)):
        assert holidays_on(d) == ("mid_autumn",)
    assert holidays_on(date(2027, 1, 1)) == ("new_year",)
    assert holidays_on(date(2027, 5, 1)) == ("labour_day",)
    assert holidays_on(date(2027, 10, 1)) == ("national_day",)
    assert holidays_on(date(2027, 3, 3)) == ()


def test_dragon_boat_is_never_in_the_leap_fifth_month():
    assert holidays_on(lunar_to_solar(2028, 5, 5)) == ("dragon_boat",)
    leap = lunar_to_solar(2028, 5, 5, leap=True)
    assert lunar_date(leap) == LunarDate(2028, 5, 5, leap=True)
    assert holidays_on(leap) == ()


def test_two_holidays_on_one_day_in_calendar_order():
    assert holidays_on(date(2020, 10, 1)) == ("mid_autumn", "national_day")


def test_holiday_occurrence_keys():
    assert holiday_occurrence("spring_festival", date(2027, 2, 6)) == "L2027"
    assert holiday_occurrence("mid_autumn", date(2027, 9, 15)) == "L2027"
    assert holiday_occurrence("new_year", date(2027, 1, 1)) == "2027"
    assert holiday_occurrence("national_day", date(2027, 10, 1)) == "2027"
    with pytest.raises(ValueError):
        holiday_occurrence("birthday", date(2027, 1, 1))


# --- named birthdays ---


def test_1985_mid_autumn_birthday_falls_on_2027_09_15():
    born = date(1985, 9, 29)
    assert lunar_date(born) == LunarDate(1985, 8, 15)
    assert birthday_in_year(born, True, 2027) == date(2027, 9, 15)
    assert is_birthday(born, True, date(2027, 9, 15))
    assert not is_birthday(born, False, date(2027, 9, 15))  # a solar birthday is 29 Sep
    assert birthday_occurrence(born, True, date(2027, 9, 15)) == "L2027"


def test_leap_sixth_month_birthday():
    born = date(2025, 8, 3)
    assert lunar_date(born) == LunarDate(2025, 6, 10, leap=True)
    # 2025 has the 闰六月 itself: the birthday is in it, the month of birth.
    assert birthday_in_year(born, True, 2025) == date(2025, 8, 3)
    assert is_birthday(born, True, date(2025, 8, 3))
    assert not is_birthday(born, True, lunar_to_solar(2025, 6, 10))  # the regular 六月初十
    # 2026 has no 闰六月: the regular month.
    assert birthday_in_year(born, True, 2026) == date(2026, 7, 23)
    assert is_birthday(born, True, date(2026, 7, 23))
    # Born in the regular 六月 of a year with a 闰六月: the regular month.
    regular = lunar_to_solar(2025, 6, 10)
    assert regular == date(2025, 7, 4)
    assert birthday_in_year(regular, True, 2025) == regular


def test_day_30_in_a_29_day_month_is_its_last_day():
    born = date(1980, 10, 8)
    assert lunar_date(born) == LunarDate(1980, 8, 30)
    assert reference(born)[0] == LunarDate(1980, 8, 30)
    # 八月 of 2026 has 29 days: 八月廿九, not 九月初一.
    assert birthday_in_year(born, True, 2026) == date(2026, 10, 9)
    assert lunar_date(date(2026, 10, 9)) == LunarDate(2026, 8, 29)
    assert lunar_date(date(2026, 10, 10)) == LunarDate(2026, 9, 1)
    assert is_birthday(born, True, date(2026, 10, 9))
    assert not is_birthday(born, True, date(2026, 10, 10))
    # 八月 of 2029 has 30 days: 八月三十 itself.
    assert lunar_date(birthday_in_year(born, True, 2029)) == LunarDate(2029, 8, 30)


def test_29_february():
    born = date(2000, 2, 29)
    assert birthday_in_year(born, False, 2027) == date(2027, 2, 28)
    assert birthday_in_year(born, False, 2028) == date(2028, 2, 29)
    assert is_birthday(born, False, date(2027, 2, 28))
    assert not is_birthday(born, False, date(2027, 3, 1))
    assert not is_birthday(born, False, date(2028, 2, 28))
    assert is_birthday(born, False, date(2028, 2, 29))
    assert next_birthday(born, False, date(2027, 3, 1)) == date(2028, 2, 29)
    assert not is_birthday(date(1990, 2, 28), False, date(2028, 2, 29))


def test_eleventh_month_fifteenth_twice_in_solar_2026():
    born = date(1980, 12, 21)
    assert lunar_date(born) == LunarDate(1980, 11, 15)
    on = [d for d in days(date(2026, 1, 1), date(2026, 12, 31)) if is_birthday(born, True, d)]
    assert on == [date(2026, 1, 3), date(2026, 12, 23)]
    assert [birthday_occurrence(born, True, d) for d in on] == ["L2025", "L2026"]
    assert birthday_in_year(born, True, 2025) == date(2026, 1, 3)


def test_2033_leap_eleventh_month():
    # The "2033 problem": 闰十一月, which some converters get wrong.
    assert lunar_date(date(2033, 12, 22)) == LunarDate(2033, 11, 1, leap=True)
    assert reference(date(2033, 12, 22))[0] == LunarDate(2033, 11, 1, leap=True)


def test_next_birthday_crosses_the_year_end():
    assert next_birthday(date(1980, 1, 2), False, date(2026, 12, 30)) == date(2027, 1, 2)
    assert next_birthday(date(1980, 1, 2), False, date(2027, 1, 2)) == date(2027, 1, 2)
    born = date(1980, 12, 21)  # 冬月十五
    assert next_birthday(born, True, date(2026, 1, 4)) == date(2026, 12, 23)
    assert next_birthday(born, True, date(2026, 12, 24)) == birthday_in_year(born, True, 2027)


# --- properties ---

births = st.dates(min_value=date(1920, 1, 1), max_value=date(2010, 12, 31))
years = st.integers(min_value=2026, max_value=2035)
targets = st.dates(min_value=FIRST, max_value=LAST)


@given(born=births, year=years)
def test_one_lunar_birthday_in_each_lunar_year(born, year):
    start, end = lunar_to_solar(year, 1, 1), lunar_to_solar(year + 1, 1, 1)
    on = [d for d in days(start, end - timedelta(days=1)) if is_birthday(born, True, d)]
    assert on == [birthday_in_year(born, True, year)]
    b, got = lunar_date(born), lunar_date(on[0])
    assert got.month == b.month and got.day in (b.day, 29) and got.day <= b.day
    assert birthday_occurrence(born, True, on[0]) == f"L{year}"


@given(born=births, year=years)
def test_one_solar_birthday_in_each_year(born, year):
    on = [d for d in days(date(year, 1, 1), date(year, 12, 31)) if is_birthday(born, False, d)]
    assert on == [birthday_in_year(born, False, year)]


@given(born=births)
def test_the_birthday_in_the_year_of_birth_is_the_birth_date(born):
    assert birthday_in_year(born, True, lunar_date(born).year) == born
    assert birthday_in_year(born, False, born.year) == born


@given(born=births, lunar=st.booleans(), start=targets)
def test_next_birthday_is_the_first_on_or_after(born, lunar, start):
    found = next_birthday(born, lunar, start)
    assert found >= start
    assert is_birthday(born, lunar, found)
    assert not any(is_birthday(born, lunar, d) for d in days(start, found - timedelta(days=1)))
