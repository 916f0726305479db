"""Greetings: the calendar of occasions (solar and lunar), the plan of who is greeted on a day, the annual review. Pure.

Public:
- ``flows.greetings.calendar``: ``Occasion``, ``HOLIDAYS``, ``holidays_on``,
  ``holiday_occurrence``, ``birthday_in_year``, ``is_birthday``,
  ``birthday_occurrence``, ``next_birthday``; and ``LunarDate``,
  ``lunar_date``, ``lunar_year_of``, ``lunar_to_solar`` (the lunar-python
  conversions behind them, cached per lunar year).
- ``flows.greetings.plan``: ``GreetingClient``, ``Greeting``, ``plan_day``,
  ``message_for`` (the lines of one greeting, as ``Msg``).
- ``flows.greetings.review``: the annual review (定期检视) — whether a
  client's review reminder is due on a day, and an unfinished family change.
"""
