"""Domain events: how an app on the left lets an app on its right react.

The announcing app defines its events as frozen dataclasses (`apps/interviews/events.py`)
and calls `event_announce` from the service that made the change, after it has saved
it. Apps further right subscribe from their `AppConfig.ready()`. Handlers run at once,
in the announcing service's transaction and in the order they subscribed, so what they
write commits or rolls back with the change itself: a meeting marked held and its
thank-you are one transaction, never one without the other. A handler that raises
undoes the change; a handler that only talks to the outside world (an email) queues it
through the outbox instead, which sends after commit.

Nothing here is a Django signal: an event is a plain object, a subscriber is a plain
function, and `grep event_subscribe` lists every reaction there is
(docs/decisions/0002-domain-events.md).
"""

from collections.abc import Callable
from typing import Any, TypeVar

E = TypeVar("E")
Handler = Callable[[Any], None]

_handlers: dict[type, list[Handler]] = {}


def event_subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call `handler(event)` whenever an event of this type is announced. Subscribing
    the same handler again does nothing (ready() may run more than once in tests)."""
    handlers = _handlers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def event_announce(event: object) -> None:
    """Run every handler of this event's type, now, in the caller's transaction."""
    for handler in _handlers.get(type(event), ()):
        handler(event)


def event_handlers(event_type: type) -> list[Handler]:
    """Who reacts to this event type, in order (for tests and for reading)."""
    return list(_handlers.get(event_type, ()))
