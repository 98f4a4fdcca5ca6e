"""The state machines of the inspections app (closo.statemachine): a services module never
sets `status` by hand.

Photos: pending ─(processing task)─→ ready | failed. Standard versions: draft ─→ published.

Neither writes events of its own (`events=None`): a photo's steps are recorded on its
return's timeline by the photo service (the event kinds named here), and a version's
publication is the version row itself (who, when, notes)."""

from __future__ import annotations

from django.utils import timezone

from closo.actors import Party
from closo.statemachine import Move, StateMachine
from fulfillment.models import EventKind
from inspections.models import InspectionPhoto, StandardVersion

P = InspectionPhoto.Status

PHOTOS = StateMachine(
    model=InspectionPhoto,
    noun="photo",
    status_labels=InspectionPhoto.Status,
    event_kinds=EventKind,
    events=None,
    moves=(
        # Only the processing task moves a photo; a retake replaces the row instead.
        Move(
            P.PENDING,
            P.READY,
            EventKind.PHOTO_PROCESSED,
            by={Party.SYSTEM},
            takes={"original", "display", "thumbnail", "content_type", "width", "height", "sha256"},
            sets={"error": "", "processed_at": timezone.now},
        ),
        Move(
            P.PENDING,
            P.FAILED,
            EventKind.PHOTO_FAILED,
            by={Party.SYSTEM},
            takes={"error"},
            sets={"original": "", "processed_at": timezone.now},
        ),
    ),
)

V = StandardVersion.Status

VERSIONS = StateMachine(
    model=StandardVersion,
    noun="standard version",
    status_labels=StandardVersion.Status,
    events=None,
    moves=(
        # The brand publishes; SYSTEM too, for the first standard a loader sets up for it.
        Move(V.DRAFT, V.PUBLISHED, "published", by={Party.BRAND, Party.SYSTEM}, sets={"published_at": timezone.now}),
    ),
)
