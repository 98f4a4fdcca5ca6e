"""django-q2 entry points: each takes the brand's schema name and runs inside it (a
worker's connection starts on the public schema)."""

from django_tenants.utils import schema_context

from inspections.services import photos


def photo_process(schema_name: str, photo_id: int) -> dict:
    """Process one uploaded photo (inspections.photos.photo_process). A bad image or a
    storage failure marks the photo failed; it never raises into the worker."""
    with schema_context(schema_name):
        photo = photos.photo_process(photo_id)
        if photo is None:
            return {"photo": photo_id, "status": "gone"}
        return {"photo": photo.pk, "status": photo.status, "sha256": photo.sha256, "error": photo.error}
