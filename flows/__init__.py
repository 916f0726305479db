"""The functional core of diagbot: flow definitions, the state machine that
advances them, answer parsing and the diagnosis calculations.

Nothing here imports telegram or does I/O; the shell (``bot/``) localizes the
``Msg`` objects produced here and talks to the outside world.
"""
