"""The advisor's lead book (being built): /leads, /lead N, /due, /export, /newlead."""

from __future__ import annotations

from .driver import Room


class LeadBookRoom(Room):
    def features(self):
        async def later(user_id, arg, update_id):
            return self.driver._say("routing.refused")
        names = "leads lead due export newlead greetings".split()
        return {name: later for name in names}
