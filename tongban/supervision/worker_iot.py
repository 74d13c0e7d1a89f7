"""The MQTT ingestion worker (`manage.py supervision ingest --broker mqtt://host:1883`).

- MQTT 5 with a persistent session (clean start off, a session expiry): QoS 1 messages
  published while the worker is away wait in the broker (as far as the broker keeps them) and are
  delivered when it comes back.
- Messages are acknowledged (PUBACK) only after the batch holding them is committed, so a worker
  killed mid-batch loses nothing: the broker redelivers, and the insert skips what is stored.
  The worker asks for a receive maximum of `inflight` unacknowledged messages.
- paho's network thread reconnects with backoff when the broker goes away and the worker
  subscribes again on every connection (a broker restarted without persistence has forgotten
  the session); batches not yet acknowledged are acknowledged on the new connection or
  redelivered by the broker.
- A batch is at most `batch_size` messages or `batch_wait` seconds, whichever comes first.
- A database failure keeps the batch and retries it after a pause; a message that makes the
  pipeline itself fail is processed alone, logged and skipped, so one bad message cannot stop
  the worker.
- `stop()` (SIGTERM/SIGINT in the command) finishes and acknowledges the current batch, then
  disconnects.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from . import iot
from .ingest import Ingestor

log = logging.getLogger("tongban.supervision.ingest")
SESSION_EXPIRY = 24 * 3600  # seconds the broker keeps the session while the worker is away


def parse_broker(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ValueError("broker must be mqtt://host[:port]")
    return parts.hostname, parts.port or 1883


@dataclass
class Stats:
    batches: int = 0
    messages: int = 0
    connects: int = 0
    counts: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)


class Worker:
    def __init__(
        self,
        broker: str,
        *,
        client_id: str = "tongban-ingest",
        batch_size: int = 2000,
        batch_wait: float = 0.2,
        inflight: int = 20000,
        ingestor: Ingestor | None = None,
        on_subscribed=None,
    ):
        self.host, self.port = parse_broker(broker)
        self.client_id = client_id
        self.batch_size, self.batch_wait, self.inflight = batch_size, batch_wait, inflight
        self.ingestor = ingestor or Ingestor()
        self.on_subscribed = on_subscribed  # called (from paho's thread) after each subscription
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.stopping = threading.Event()
        self.subscribed = threading.Event()  # set on each subscription, cleared on disconnect
        self.stats = Stats()
        self.client = self._client()

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        client.reconnect_delay_set(min_delay=1, max_delay=10)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    # --- paho's network thread ---

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.warning("broker %s:%d refused the connection: %s", self.host, self.port, reason_code)
            return
        self.stats.connects += 1
        log.info(
            "connected to %s:%d (session present: %s); subscribing",
            self.host,
            self.port,
            flags.session_present,
        )
        client.subscribe(iot.SUBSCRIPTION, qos=1)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        self.subscribed.set()
        if self.on_subscribed is not None:
            self.on_subscribed()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.subscribed.clear()
        if not self.stopping.is_set():
            log.warning("lost the broker %s:%d (%s); reconnecting", self.host, self.port, reason_code)

    def _on_message(self, client, userdata, message):
        self.inbox.put((message.topic, message.payload, message.mid, message.qos))

    # --- the batching thread (the caller's) ---

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY
        props.ReceiveMaximum = min(self.inflight, 65535)
        return props

    def start(self) -> None:
        """Connect (retrying until the broker answers) and start paho's network thread."""
        self.client.connect_async(
            self.host, self.port, keepalive=15, clean_start=False, properties=self._connect_properties()
        )
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()

    def _take(self) -> list:
        batch = []
        deadline = None
        while len(batch) < self.batch_size:
            timeout = 0.25 if deadline is None else deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=timeout))
            except queue.Empty:
                if deadline is None and self.stopping.is_set():
                    break
                if deadline is None:
                    continue
                break
            if deadline is None:
                deadline = time.monotonic() + self.batch_wait
        return batch

    def _process(self, batch: list) -> None:
        messages = [(topic, payload) for topic, payload, _, _ in batch]
        while True:
            close_old_connections()
            try:
                result = self.ingestor.process(messages)
                self.stats.counts.update(result.counts)
                self.stats.seconds.update(result.seconds)
                return
            except (OperationalError, InterfaceError) as exc:
                log.error("database unavailable (%s); retrying the batch of %d", exc, len(batch))
                connection.close()
                if self.stopping.wait(1.0):
                    raise
            except DatabaseError:
                if len(messages) == 1:
                    log.exception("skipped a message on %r that the pipeline could not store", messages[0][0])
                    self.stats.counts["failed"] += 1
                    return
                log.exception("a batch failed; processing its messages one by one")
                for one in messages:
                    self._process([(one[0], one[1], None, None)])
                return

    def _ack(self, batch: list) -> None:
        for _, _, mid, qos in batch:
            if qos and mid is not None:
                self.client.ack(mid, qos)

    def run_forever(self) -> Stats:
        """Batch, process and acknowledge until `stop()`; then disconnect."""
        self.ingestor.registry.load()
        self.start()
        try:
            while True:
                batch = self._take()
                if batch:
                    self._process(batch)
                    self._ack(batch)
                    self.stats.batches += 1
                    self.stats.messages += len(batch)
                if self.stopping.is_set():  # what is left unacknowledged, the broker redelivers
                    break
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            connection.close()
        return self.stats


def default_client_id() -> str:
    return f"tongban-ingest-{uuid.uuid4().hex[:8]}"
