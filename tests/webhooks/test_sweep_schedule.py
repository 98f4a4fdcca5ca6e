"""The outbound webhooks' sweep: its schedule is created by `migrate` once, and the sweep
sends only deliveries overdue by more than SWEEP_OVERDUE (the others are a worker's)."""

from django_q.models import Schedule

from webhooks.services.deliveries import (
    SWEEP_FUNC,
    SWEEP_MINUTES,
    SWEEP_SCHEDULE_NAME,
    deliveries_sweep_schedule_ensure,
)


def test_migrate_created_the_sweeps_schedule_and_ensuring_it_again_changes_nothing(db):
    schedule = Schedule.objects.get(name=SWEEP_SCHEDULE_NAME)
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        SWEEP_FUNC,
        Schedule.MINUTES,
        SWEEP_MINUTES,
        -1,
    )
    assert deliveries_sweep_schedule_ensure() is False
    assert Schedule.objects.filter(name=SWEEP_SCHEDULE_NAME).count() == 1
