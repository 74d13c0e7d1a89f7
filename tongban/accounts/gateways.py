"""Pluggable message gateways. The console gateway (default) writes messages to the log with
the number masked, so the demo works offline; a province plugs in its SMS platform by naming
a class with the same `send(mobile, text)` in SMS_GATEWAY."""

from __future__ import annotations

import logging

from tongban.core.identifiers import mask_mobile

log = logging.getLogger("tongban.sms")


class ConsoleSmsGateway:
    def send(self, mobile: str, text: str) -> None:
        # The code itself is printed so a developer can sign in offline; the number is masked.
        print(f"[SMS -> {mask_mobile(mobile)}] {text}", flush=True)
        log.info("sms sent to %s", mask_mobile(mobile))


class OutboxSmsGateway:
    """Keeps messages in the cache (tests read them with `outbox(mobile)`)."""

    def send(self, mobile: str, text: str) -> None:
        from django.core.cache import cache

        key = f"sms-outbox:{mobile}"
        cache.set(key, [*cache.get(key, []), text], timeout=600)


def outbox(mobile: str) -> list[str]:
    from django.core.cache import cache

    return cache.get(f"sms-outbox:{mobile}", [])
