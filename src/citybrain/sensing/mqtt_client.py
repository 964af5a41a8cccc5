"""The MQTT side of SensorThings: topics, and a paho-mqtt client built from the settings.

Topics are the standard's (``v1.1/Datastreams(7)/Observations``), after ``mqtt_topic_prefix`` when one is set.
MQTT 5 throughout: the ingest worker needs a session that outlives its connection (``clean_start=False`` with a
session expiry) and a subscription that does not hear its own publications (No Local).
"""

from __future__ import annotations

import re
import ssl

from paho.mqtt.client import Client
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from citybrain.core.settings import Settings

VERSION = "v1.1"
RECEIVE_MAXIMUM = 1000  # unacknowledged QoS 1 messages the broker may send us at once (one batch and a half)
_DATASTREAM = re.compile(r"Datastreams\((\d+)\)/Observations")


def observations_topic(settings: Settings, datastream_id: int) -> str:
    """Where an Observation of that Datastream is published (and where a client publishes one to create it)."""
    return f"{settings.mqtt_topic_prefix}{VERSION}/Datastreams({datastream_id})/Observations"


def ingest_filters(settings: Settings) -> list[str]:
    """What the worker subscribes to: every Datastream's Observations topic, and ``v1.1/Observations``.

    MQTT wildcards take whole levels, so ``Datastreams(+)`` cannot be written: ``+/Observations`` is taken and
    :func:`datastream_of` keeps the Datastream topics.
    """
    root = f"{settings.mqtt_topic_prefix}{VERSION}"
    return [f"{root}/+/Observations", f"{root}/Observations"]


def datastream_of(settings: Settings, topic: str) -> int | None:
    """The Datastream id a topic names; None for ``v1.1/Observations`` (the body names its Datastream).

    Raises ValueError for any other topic under the subscription.
    """
    root = f"{settings.mqtt_topic_prefix}{VERSION}/"
    rest = topic[len(root) :] if topic.startswith(root) else ""
    if rest == "Observations":
        return None
    match = _DATASTREAM.fullmatch(rest)
    if match is None:
        raise ValueError(f"topic {topic!r} is not {root}Datastreams(<id>)/Observations nor {root}Observations")
    return int(match.group(1))


def make_client(settings: Settings, client_id: str, *, manual_ack: bool = False) -> Client:
    """A paho client for the configured broker (credentials, TLS, reconnect backoff 1 s doubling to 30 s)."""
    client = Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=MQTTProtocolVersion.MQTTv5,
        manual_ack=manual_ack,
    )
    if settings.mqtt_username:
        client.username_pw_set(settings.mqtt_username, settings.mqtt_password.get_secret_value() or None)
    if settings.mqtt_tls:
        ca = str(settings.mqtt_tls_ca_file) if settings.mqtt_tls_ca_file else None
        client.tls_set(ca_certs=ca, cert_reqs=ssl.CERT_REQUIRED)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


def session_properties(settings: Settings) -> Properties:
    """CONNECT properties of a persistent session: kept ``mqtt_session_expiry_seconds`` while we are away."""
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = settings.mqtt_session_expiry_seconds
    properties.ReceiveMaximum = RECEIVE_MAXIMUM
    return properties
