"""Pluggable message gateways, one per channel (SMS, e-mail), chosen by a setting naming a class.

- Console (default): writes the message with the address masked, so the demo works offline.
- Outbox: keeps messages in the cache for tests (`outbox(mobile)`, `email_outbox(address)`).
- `DjangoMailGateway` (e-mail): Django's mail framework, configured by the EMAIL_* variables
  (see settings.MAILERS and .env.example).

A province plugs in its own gateway by naming a class in SMS_GATEWAY (`send(mobile, text)`) or
EMAIL_GATEWAY (`send(address, text, *, subject)`). A channel carries what its gateways share:
the setting that names the class, how an address is masked and the logger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from tongban.core.identifiers import mask_mobile

from .checks import mask_email


@dataclass(frozen=True)
class Channel:
    name: str  # "sms", "email": the log name, the outbox key and the console tag
    setting: str  # the setting naming the gateway class
    mask: Callable[[str], str]

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"tongban.{self.name}")

    def outbox_key(self, address: str) -> str:
        return f"{self.name}-outbox:{address}"


SMS = Channel("sms", "SMS_GATEWAY", mask_mobile)
EMAIL = Channel("email", "EMAIL_GATEWAY", mask_email)


def gateway(channel: Channel):
    """An instance of the gateway class the channel's setting names."""
    return import_string(getattr(settings, channel.setting))()


class _ChannelGateway:
    channel: ClassVar[Channel]

    def send(self, address: str, text: str, *, subject: str = "") -> None:
        raise NotImplementedError


class _ConsoleGateway(_ChannelGateway):
    def send(self, address: str, text: str, *, subject: str = "") -> None:
        # The text itself is printed (a developer reads the code and signs in offline); the
        # address is masked, here and in the log.
        masked = self.channel.mask(address)
        heading = f"{subject} | " if subject else ""
        print(f"[{self.channel.name.upper()} -> {masked}] {heading}{text}", flush=True)
        self.channel.log.info("%s sent to %s", self.channel.name, masked)


class _OutboxGateway(_ChannelGateway):
    """Keeps messages in the cache for ten minutes: an SMS as its text, an e-mail as
    "subject\\n\\ntext"."""

    def send(self, address: str, text: str, *, subject: str = "") -> None:
        key = self.channel.outbox_key(address)
        entry = f"{subject}\n\n{text}" if subject else text
        cache.set(key, [*cache.get(key, []), entry], timeout=600)


class ConsoleSmsGateway(_ConsoleGateway):
    channel = SMS


class OutboxSmsGateway(_OutboxGateway):
    channel = SMS


class ConsoleEmailGateway(_ConsoleGateway):
    channel = EMAIL


class OutboxEmailGateway(_OutboxGateway):
    channel = EMAIL


class DjangoMailGateway(_ChannelGateway):
    """E-mail through Django's mail framework: the default mailer (SMTP unless EMAIL_BACKEND
    names another backend), from DEFAULT_FROM_EMAIL. Errors propagate to the caller, which
    logs them masked (`notifications.deliver`)."""

    channel = EMAIL

    def send(self, address: str, text: str, *, subject: str = "") -> None:
        from django.core.mail import EmailMessage

        EmailMessage(subject, text, settings.DEFAULT_FROM_EMAIL, [address]).send()
        self.channel.log.info("email sent to %s", self.channel.mask(address))


def _read(channel: Channel, address: str) -> list[str]:
    return cache.get(channel.outbox_key(address), [])


def outbox(mobile: str) -> list[str]:
    """The SMS texts the outbox gateway kept for a number, oldest first."""
    return _read(SMS, mobile)


def email_outbox(address: str) -> list[str]:
    """The e-mails the outbox gateway kept for an address ("subject\\n\\ntext"), oldest first."""
    return _read(EMAIL, address)
