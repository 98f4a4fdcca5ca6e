from django.core.management.base import BaseCommand

from webhooks.services.deliveries import deliveries_send_due


class Command(BaseCommand):
    help = (
        "Send every outbound webhook delivery that is due now, over every active brand: "
        "pending deliveries whose retry time has passed, and deliveries a worker claimed but "
        "never finished (its lease ran out). Each is one attempt, recorded in the endpoint's "
        "delivery log, retried later with backoff if it fails. Normally django-q2 runs each "
        "retry from its own schedule, and a schedule created by `migrate` sweeps deliveries "
        "overdue by more than 10 minutes every 5 minutes; this command sends every due one now "
        "(by hand, or from cron where no task worker runs). Safe next to running workers: a "
        "delivery is claimed before it is sent, so it is never sent twice at once. Prints "
        "how many were sent and delivered."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many deliveries per brand (default 500)."
        )

    def handle(self, *args, limit=500, **options):
        counts = deliveries_send_due(limit=limit)
        self.stdout.write(
            f"{counts['brands']} brand(s): {counts['sent']} attempt(s) sent, {counts['delivered']} delivered."
        )
