"""The one dispatch table: (role, command) → a flow event or a feature command.

Every command is spelled here once. Telegram's command menu, the console's
command words and the driver's accepted commands all read ``COMMANDS``; a new
command (an advisor's ``/leads``, an admin's ``/invite``) is a new row, and
the driver gets a handler for its feature.

A row does one of two things:

- ``event``: it is a navigation of the flow under way (``/back`` is the
  engine's ``Back()``); the driver hands the event to the engine;
- ``feature``: it names a feature command (``/summary``, ``/delete``…); the
  driver runs its handler of that name.

``roles``: who may use it. Anyone else is refused politely with the row's
``refusal`` (a catalog id), never "unknown command": the command exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from flows.engine import Back, Deepen, Edit, Event, Skip

Role = Literal["client", "advisor", "admin"]
CLIENT: Role = "client"
ADVISOR: Role = "advisor"
ADMIN: Role = "admin"
# Everyone is a client (an advisor may run their own diagnosis); an advisor
# or an admin has that role besides.
ADVISORS: frozenset[Role] = frozenset({ADVISOR})
ADMINS: frozenset[Role] = frozenset({ADMIN})

# What a flow-event row makes of the text after the command (/edit 收入).
EventOf = Callable[[str], Event]


@dataclass(frozen=True)
class Command:
    name: str  # as typed, without the slash; lower case
    event: EventOf | None = None  # a flow event, or
    feature: str | None = None  # a feature command: the name of the driver's handler
    menu: bool = False  # shown in Telegram's command menu (for the roles that may use it)
    roles: frozenset[Role] = frozenset({CLIENT})
    takes_arg: bool = False  # the text after the command is passed on (/edit 收入)
    refusal: str = "routing.refused"  # said to a role that may not use it
    # Used during a side conversation (a sign-up, a note, /newlead), it
    # leaves that conversation first: commands that start, reset or erase
    # something. The others (reading commands) leave it waiting.
    leaves_side: bool = False

    def __post_init__(self) -> None:
        if (self.event is None) == (self.feature is None):
            raise ValueError(f"/{self.name}: a command is either a flow event or a feature")

    @property
    def description(self) -> str:
        """The catalog id of its menu description."""
        return f"cmd.{self.name}"


# In menu order: Telegram shows the menu rows in the order given.
COMMANDS: tuple[Command, ...] = (
    Command("start", feature="start", menu=True, takes_arg=True),  # /start <payload>: a deep link
    Command("back", event=lambda _: Back(), menu=True),
    Command("edit", event=lambda arg: Edit(arg or None), menu=True, takes_arg=True),
    Command("summary", feature="summary", menu=True),
    Command("mydata", feature="mydata", menu=True),
    Command("delete", feature="delete", menu=True, leaves_side=True),
    Command("restart", feature="restart", menu=True, leaves_side=True),  # asks first once there is much to lose
    Command("help", feature="help", menu=True),
    Command("cancel", feature="cancel", menu=True, leaves_side=True),
    Command("privacy", feature="privacy", menu=True),  # who sees my data; withdraw the consent to be contacted
    Command("greetings", feature="greetings"),  # greetings on or off, solar or lunar birthday
    Command("skip", event=lambda _: Skip(keep=False)),  # the default, as 跳过 (保持 is its own button)
    Command("deepen", event=lambda _: Deepen()),
    # Advisors (bot.advisors, bot.leadbook): their menu adds these rows.
    Command("leads", feature="leads", menu=True, roles=ADVISORS, takes_arg=True, refusal="routing.only_advisor"),
    Command("lead", feature="lead", menu=True, roles=ADVISORS, takes_arg=True, refusal="routing.only_advisor"),
    Command("due", feature="due", menu=True, roles=ADVISORS, refusal="routing.only_advisor"),
    Command("newlead", feature="newlead", menu=True, roles=ADVISORS, refusal="routing.only_advisor",
            leaves_side=True),
    Command("link", feature="link", menu=True, roles=ADVISORS, refusal="routing.only_advisor"),
    Command("export", feature="export", menu=True, roles=ADVISORS, refusal="routing.only_advisor"),
    # Admins.
    Command("invite", feature="invite", menu=True, roles=ADMINS, refusal="routing.only_admin"),
    Command("assign", feature="assign", menu=True, roles=ADMINS, takes_arg=True, refusal="routing.only_admin"),
)


@dataclass(frozen=True)
class Refused:
    """A command that exists, used by a role it is not for."""

    command: Command

    @property
    def refusal(self) -> str:
        return self.command.refusal


class Table:
    """A dispatch table: the rows, looked up by name and role."""

    def __init__(self, rows: Iterable[Command]) -> None:
        self.rows = tuple(rows)
        self._by_name = {c.name: c for c in self.rows}
        if len(self._by_name) != len(self.rows):
            raise ValueError("a command is spelled twice in the table")

    def known(self, name: str) -> bool:
        """Whether a command of this name exists (for any role)."""
        return name.lower() in self._by_name

    def route(self, roles: Role | Iterable[Role], name: str) -> Command | Refused | None:
        """The row for this command, Refused if none of the user's roles may
        use it, None if unknown."""
        command = self._by_name.get(name.lower())
        if command is None:
            return None
        return command if _roles(roles) & command.roles else Refused(command)

    def names(self, roles: Role | Iterable[Role] | None = None) -> tuple[str, ...]:
        """The commands a user of these roles may use (every command: None), in table order."""
        return tuple(c.name for c in self.rows if roles is None or _roles(roles) & c.roles)

    def menu(self, roles: Role | Iterable[Role]) -> tuple[Command, ...]:
        """Telegram's command menu for a user of these roles, in table order."""
        return tuple(c for c in self.rows if c.menu and _roles(roles) & c.roles)

    def features(self) -> frozenset[str]:
        """The feature commands a driver must handle."""
        return frozenset(c.feature for c in self.rows if c.feature is not None)


def _roles(roles: Role | Iterable[Role]) -> frozenset[Role]:
    return frozenset({roles}) if isinstance(roles, str) else frozenset(roles)


TABLE = Table(COMMANDS)

__all__ = ["ADMIN", "ADMINS", "ADVISOR", "ADVISORS", "CLIENT", "COMMANDS", "TABLE", "Command", "Refused", "Role", "Table"]
