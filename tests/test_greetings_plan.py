"""The plan of a day's greetings (issue 11, step 2): who gets one, what it
says, one message per client per day."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import Renderer
from flows.greetings.calendar import HOLIDAYS, holidays_on, is_birthday, lunar_date, lunar_to_solar
from flows.greetings.plan import Greeting, GreetingClient, message_for, plan_day

ZH = Renderer("zh_CN", strict=True)  # a message id missing from the catalog fails
HOLIDAY_WORDS = {
    "new_year": "元旦",
    "spring_festival": "春节",
    "lantern": "元宵",
    "labour_day": "劳动节",
    "dragon_boat": "端午",
    "mid_autumn": "中秋",
    "national_day": "国庆",
}
MID_AUTUMN_2027 = date(2027, 9, 15)
PLAIN_DAY = date(2027, 3, 3)


def text(g: Greeting) -> str:
    return ZH.lines(g.message)


def client(**kw) -> GreetingClient:
    base = dict(client_id=1, chat_id=11, born=None, lunar=False, opted_in=True)
    return GreetingClient(**(base | kw))


def test_lunar_birthday_on_mid_autumn_is_one_message_saying_both():
    wang = client(born=date(1985, 9, 29), lunar=True, name="王先生", advisor_name="王芳")
    [g] = plan_day([wang], MID_AUTUMN_2027)
    assert (g.client_id, g.chat_id, g.day) == (1, 11, MID_AUTUMN_2027)
    assert g.occasions == ("birthday", "mid_autumn")
    assert (g.occasion, g.occurrence) == ("birthday+mid_autumn", "2027-09-15")
    t = text(g)
    assert t.startswith("王先生,")
    for words in ("农历生日", "生日快乐", "中秋", "月圆人团圆", "—— 您的顾问 王芳", "/greetings"):
        assert words in t, (words, t)
    assert "保险" not in t and "{" not in t
    assert 3 <= len(g.message) <= 5


def test_holiday_greeting_without_name_or_advisor():
    [g] = plan_day([client()], MID_AUTUMN_2027)
    assert g.occasions == ("mid_autumn",) and g.occasion == "mid_autumn"
    t = text(g)
    assert t.startswith("您好!")
    assert "中秋" in t and "生日" not in t and "顾问" not in t
    assert t.splitlines()[-1] == ZH.text("greet.stop")


def test_birthday_on_an_ordinary_day():
    born = date(1990, 3, 3)
    [g] = plan_day([client(born=born, name="李女士")], PLAIN_DAY)
    assert g.occasions == ("birthday",) and g.occurrence == "2027-03-03"
    t = text(g)
    assert "生日快乐" in t and "农历" not in t and t.startswith("李女士,")
    assert plan_day([client(born=born, lunar=True)], PLAIN_DAY) == []  # its lunar birthday is another day


def test_no_occasion_no_greeting():
    assert plan_day([client(born=date(1990, 6, 1))], PLAIN_DAY) == []


def test_declined_or_unreachable_clients_get_nothing_even_on_their_birthday():
    born = date(1985, 9, 29)
    clients = [
        client(client_id=1, born=born, lunar=True, opted_in=False),
        client(client_id=2, born=born, lunar=True, reachable=False),
        client(client_id=3, born=born, lunar=True),
    ]
    assert [g.client_id for g in plan_day(clients, MID_AUTUMN_2027)] == [3]


def test_two_holidays_and_a_birthday_on_one_day():
    day = date(2020, 10, 1)  # 中秋 on 国庆
    [g] = plan_day([client(born=date(1980, 10, 1))], day)
    assert g.occasions == ("birthday", "mid_autumn", "national_day")
    t = text(g)
    assert "中秋节和国庆节" in t and "生日" in t and "国庆快乐" in t and "中秋快乐" in t


def test_every_occasion_renders_from_the_catalog():
    for advisor in (None, "王芳"):
        for lunar in (False, True):
            for occasions in [("birthday",), *[(h,) for h in HOLIDAYS], *[("birthday", h) for h in HOLIDAYS]]:
                c = client(lunar=lunar, name="张先生", advisor_name=advisor)
                t = ZH.lines(message_for(c, occasions))
                assert "{" not in t
                assert ("生日" in t) == ("birthday" in occasions)
                assert all(HOLIDAY_WORDS[o] in t for o in occasions if o != "birthday")


# --- properties ---

# Days that matter most: every holiday and some plain days of 2026–2035.
holiday_days = [d for y in range(2026, 2036) for d in (date(y, 1, 1), date(y, 5, 1), date(y, 10, 1))] + [
    lunar_to_solar(y, m, d) for y in range(2026, 2036) for (m, d) in ((1, 1), (1, 15), (5, 5), (8, 15))
]
any_day = st.one_of(
    st.sampled_from(holiday_days), st.dates(min_value=date(2026, 1, 1), max_value=date(2035, 12, 31))
)
a_client = st.builds(
    GreetingClient,
    client_id=st.integers(1, 10**6),
    chat_id=st.integers(1, 10**6),
    born=st.one_of(st.none(), st.dates(min_value=date(1920, 1, 1), max_value=date(2010, 12, 31))),
    lunar=st.booleans(),
    opted_in=st.booleans(),
    reachable=st.booleans(),
    name=st.one_of(st.none(), st.sampled_from(["王先生", "李女士", "老张"])),
    advisor_name=st.one_of(st.none(), st.just("王芳")),
)


@st.composite
def day_and_clients(draw):
    day = draw(any_day)
    clients = draw(st.lists(a_client, max_size=8, unique_by=lambda c: c.client_id))
    # Some whose birthday is that day, so birthdays (and birthday + holiday) are drawn often.
    for i in range(draw(st.integers(0, 3))):
        lunar = draw(st.booleans())
        born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2010, 12, 31)))
        if lunar:  # the day's lunar month and day, in a birth year (the leap month if it has one)
            ld = lunar_date(day)
            born = lunar_to_solar(born.year, ld.month, ld.day, ld.leap)
        else:
            born = born.replace(month=day.month, day=min(day.day, 28))
        clients.append(
            GreetingClient(
                10**7 + i, 10**7 + i, born, lunar, draw(st.booleans()), draw(st.booleans()), None, None
            )
        )
    return day, clients


@given(day_and_clients())
def test_plan_properties(case):
    day, clients = case
    planned = plan_day(clients, day)
    by_client = {g.client_id: g for g in planned}
    assert len(by_client) == len(planned)  # never two greetings to one client on one day
    holidays = holidays_on(day)
    for c in clients:
        g = by_client.get(c.client_id)
        eligible = c.opted_in and c.reachable
        birthday = c.born is not None and is_birthday(c.born, c.lunar, day)
        if not eligible or not (holidays or birthday):
            assert g is None
            continue
        assert g is not None and g.chat_id == c.chat_id and g.day == day
        assert g.occasions == (("birthday",) if birthday else ()) + holidays
        assert g.occasion == "+".join(g.occasions) and g.occurrence == day.isoformat()
        t = text(g)
        assert ("生日" in t) == birthday
        assert all(HOLIDAY_WORDS[h] in t for h in holidays)
        assert t.endswith(ZH.text("greet.stop"))
        assert (f"—— 您的顾问 {c.advisor_name}" in t) == bool(c.advisor_name)


def test_a_quiet_day_plans_nothing_for_many():
    clients = [client(client_id=i, born=date(1980, 1, 1) + timedelta(days=i)) for i in range(400)]
    planned = plan_day(clients, PLAIN_DAY)
    assert {g.client_id for g in planned} == {
        c.client_id for c in clients if is_birthday(c.born, False, PLAIN_DAY)
    }


def test_a_birthday_on_two_holidays_is_three_joys_not_two():
    # 2031-10-01 is both 中秋 and 国庆: a birthday that day is three occasions in one message.
    day = date(2031, 10, 1)
    [three] = plan_day([client(born=date(1990, 10, 1))], day)
    assert three.occasions == ("birthday", "mid_autumn", "national_day")
    t = text(three)
    assert "中秋节和国庆节" in t and "喜上加喜" in t and "双喜临门" not in t
    [two] = plan_day([client(born=date(1990, 9, 15))], date(2027, 9, 15))
    assert "双喜临门" in text(two) and "喜上加喜" not in text(two)
    # Lunar: a lunar birthday on 八月十五 falls on 中秋 2031 (国庆 too).
    [moon] = plan_day([client(born=date(1985, 9, 29), lunar=True)], day)
    assert moon.occasions == ("birthday", "mid_autumn", "national_day") and "农历生日" in text(moon)
    assert "喜上加喜" in text(moon)
