"""Greetings' room: ``/greetings`` (on or off, solar or lunar birthday) and
the stop button under every greeting.

The settings are answers of the client's interview (the flow's facts
"greetings" and "birthday_calendar"), so ``/edit`` changes them too and the
scheduler reads one truth (bot.storage_outbox reads the newest finished
interview's answers). A press here changes those answers in place.
"""

from __future__ import annotations

from flows.messages import msg

from .callbacks import Greetings
from .driver import Room
from .presenter import Button, Outgoing

ACTIONS = {"off": ("greetings", False), "on": ("greetings", True),
           "solar": ("birthday_calendar", "solar"), "lunar": ("birthday_calendar", "lunar")}


class GreetingsRoom(Room):
    def features(self):
        return {"greetings": self.show}

    def presses(self):
        return {Greetings: self.press}

    async def _finished(self, user_id: int):
        """The newest interview with a result (its id and state), or None."""
        finished = await self.driver.storage.finished_sessions(user_id)
        return finished[0] if finished else None

    async def show(self, user_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        found = await self._finished(user_id)
        if found is None:
            return self.driver._say("greetings.no_result")
        _, state = found
        return [self._settings(state)]

    def _settings(self, state, note: str | None = None) -> Outgoing:
        r = self.driver.renderer
        flow = self.driver._flow_of(state)
        on = flow.fact(state.answers, "greetings") is True
        lunar = flow.fact(state.answers, "birthday_calendar") == "lunar"
        lines = ([msg(note)] if note else []) + [
            msg("greetings.status_on" if on else "greetings.status_off"),
            msg("greetings.calendar_lunar" if lunar else "greetings.calendar_solar"),
        ]
        buttons = [[Button(r.text("greetings.turn_off" if on else "greetings.turn_on"),
                           Greetings("off" if on else "on"))],
                   [Button(r.text("greetings.use_solar" if lunar else "greetings.use_lunar"),
                           Greetings("solar" if lunar else "lunar"))]]
        return Outgoing(r.lines(lines), buttons)

    async def press(self, user_id: int, press: Greetings, update_id: int | None) -> list[Outgoing]:
        change = ACTIONS.get(press.action)
        found = await self._finished(user_id)
        if change is None or found is None:
            return self.driver._say("greetings.no_result") if found is None and change else []
        session_id, state = found
        current = await self.driver.storage.current_session(user_id)
        if current is not None and current.id == session_id:
            state = current.state  # the cached copy is the stored one
        flow = self.driver._flow_of(state)
        fact, value = change
        key = flow.facts.get(fact)
        if key is None:
            return []
        if state.answers.get(key) == value:
            return [self._settings(state)]  # a second tap: nothing changes; the settings as they are
        changed = {key: value}
        if fact == "greetings" and value is True and flow.facts.get("birthday_calendar") not in state.answers:
            changed[flow.facts["birthday_calendar"]] = "solar"
        updated = state.copy_for_update()
        updated.answers = {**state.answers, **changed}
        await self.driver.storage.save_session(user_id, session_id, updated, changed, [])
        if press.action == "off":  # today's planned greeting (or review reminder) is not sent either
            await self.driver.outbox.cancel_pending(user_id)
        note = {"off": "greetings.stopped", "on": "greetings.started", "solar": "greetings.now_solar",
                "lunar": "greetings.now_lunar"}[press.action]
        return [self._settings(updated, note)]
