"""Webhooks: the addresses organisers register for an event, and each delivery to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.extensions import db
from matchmaker.orm import created_at, intpk, str40, str200


class DeliveryState(StrEnum):
    """Pending until the receiver answers 2xx (delivered) or the attempts run out (failed)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


DELIVERY_STATES = tuple(DeliveryState)


class WebhookEndpoint(db.Model):
    """A receiver's address and the kinds of news it wants. The secret signs every delivery:
    it is stored as it is (signing needs it) and shown to organisers, never logged."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: The event kinds it receives (``services.webhooks.EVENT_KINDS``); a test ping always.
    kinds: Mapped[list[str]] = mapped_column(default=list)
    secret: Mapped[str] = mapped_column(String(100))
    #: An inactive endpoint gets nothing new, and its pending deliveries wait.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    description: Mapped[str200] = mapped_column(default="", server_default="")
    created_at: Mapped[created_at]

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url!r}>"


class WebhookDelivery(db.Model):
    """One piece of news for one endpoint, with the outcome of its latest attempt.

    ``next_attempt_at`` is when a worker may send it: now for a new one, later after a failed
    attempt (backoff), or a short lease while a worker sends it, so that a second worker does
    not; None once it is delivered or failed."""

    __tablename__ = "webhook_delivery"
    # The periodic sweep looks for pending deliveries whose time has come.
    __table_args__ = (Index("ix_webhook_delivery_due", "state", "next_attempt_at"),)

    id: Mapped[intpk]
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str40]
    #: The JSON body as sent: {"id", "type", "created_at", "event_id", "data"}.
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Sent as Matchmaker-Delivery, the same on every attempt: receivers dedupe by it.
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    state: Mapped[str40] = mapped_column(default=DeliveryState.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_response_ms: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[created_at]
    delivered_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.kind} {self.state}>"
