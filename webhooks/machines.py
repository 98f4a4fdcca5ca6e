"""The delivery state machine (closo.statemachine). Its moves write no Event rows: each
attempt is recorded as an Attempt (the delivery log) by webhooks.services.deliveries."""

from closo.actors import Party
from closo.statemachine import Move, StateMachine
from webhooks.models import Delivery

S = Delivery.Status
BRAND, SYSTEM = Party.BRAND, Party.SYSTEM

DELIVERIES = StateMachine(
    model=Delivery,
    noun="delivery",
    status_labels=Delivery.Status,
    events=None,
    moves=(
        # A worker (due retry) or a person (redeliver now) claims it: `next_attempt_at` is
        # then the lease's end, after which a claim that died mid-send is taken over.
        Move(S.PENDING, S.SENDING, "claimed", by={BRAND, SYSTEM}, takes={"next_attempt_at"}),
        Move(S.SENDING, S.SUCCEEDED, "delivered", by={BRAND, SYSTEM}, sets={"next_attempt_at": None}),
        # A failed attempt with retries left, or a lease that ran out (a worker died mid-send).
        Move(S.SENDING, S.PENDING, "retry_scheduled", by={BRAND, SYSTEM}, takes={"next_attempt_at"}),
        Move(S.SENDING, S.FAILED, "gave_up", by={BRAND, SYSTEM}, sets={"next_attempt_at": None}),
        # The endpoint was disabled while a retry waited.
        Move(S.PENDING, S.FAILED, "endpoint_disabled", by={BRAND, SYSTEM}, sets={"next_attempt_at": None}),
        # Redeliver by hand, whatever came of it before.
        Move(S.SUCCEEDED, S.SENDING, "redelivered", by={BRAND}, takes={"next_attempt_at"}),
        Move(S.FAILED, S.SENDING, "redelivered", by={BRAND}, takes={"next_attempt_at"}),
    ),
)
