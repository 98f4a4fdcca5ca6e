"""django-q2 entry points of the intake app."""

from intake.services.deliveries import deliveries_prune_all


def deliveries_prune_task() -> int:
    """The daily schedule: forget webhook deliveries older than INTAKE_RETENTION_DAYS."""
    return deliveries_prune_all()
