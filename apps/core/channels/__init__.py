"""Channels: how an outbox row leaves the building.

The outbox (apps.core.outbox) owns delivery: claims, leases, attempt tokens, the
guards' verdicts, backoff, the `sent` UPDATE and keeping a connection open per
worker. It knows nothing of SMTP. A channel knows only its transport: how to
build a connection, send one row over it, tell a permanent failure from a
temporary one, and check that a kept connection still works.

A channel is one module holding an object with the members of `Channel`,
registered under its name with `channel_register`, from an `AppConfig.ready()`
(core registers "email" there). A row says which channel delivers it
(`OutboundEmail.channel`); a row naming a channel nobody registered fails at
delivery with the reason in `last_error` (`channel_for` raises `UnknownChannel`).
"""

from typing import Protocol, runtime_checkable

from apps.core.models import OutboundEmail


class ChannelConnection(Protocol):
    def open(self):
        """Connect, if not connected already (then a no-op)."""

    def close(self):
        """Disconnect; the object may be opened again."""


@runtime_checkable
class Channel(Protocol):
    # What rows name in `OutboundEmail.channel`: at most 20 characters.
    name: str

    def connect(self) -> ChannelConnection:
        """A new connection, not yet open: no network I/O here (the outbox opens it
        when it is about to send, inside its error handling)."""

    def send(self, row: OutboundEmail, connection: ChannelConnection) -> None:
        """Send the row over the open `connection`, leaving it open. Returns once the
        other side has accepted the message; raises on any failure."""

    def is_permanent(self, exc: Exception) -> bool:
        """Whether retrying the row could never succeed (the row fails at once)
        rather than maybe later (the row is retried with backoff)."""

    def alive(self, connection: ChannelConnection) -> bool:
        """Whether a kept connection that has been idle a while still works (a
        round trip to the other side). A closed one counts as alive: it reopens."""


class UnknownChannel(LookupError):
    def __init__(self, name: str):
        super().__init__(f"no channel is registered as {name!r}")
        self.name = name


_channels: dict[str, Channel] = {}


def channel_register(channel: Channel) -> None:
    """Deliver rows whose `channel` is `channel.name` with `channel`. Called from an
    AppConfig.ready()."""
    if not isinstance(channel, Channel):
        raise TypeError(f"{channel!r} lacks a member of apps.core.channels.Channel")
    if not 0 < len(channel.name) <= OutboundEmail._meta.get_field("channel").max_length:
        raise ValueError(f"a channel's name fits OutboundEmail.channel: {channel.name!r}")
    registered = _channels.get(channel.name)
    if registered is not None and registered is not channel:
        raise ValueError(f"a channel is registered as {channel.name!r} already: {registered!r}")
    _channels[channel.name] = channel


def channel_for(name: str) -> Channel:
    """The channel registered as `name`; `UnknownChannel` if there is none."""
    try:
        return _channels[name]
    except KeyError:
        raise UnknownChannel(name) from None
