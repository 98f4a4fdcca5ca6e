from django.core.management.base import BaseCommand, CommandError

from brands.models import Brand
from fulfillment.services.engine import SCHEDULE_MINUTES, engine_tick


class Command(BaseCommand):
    help = (
        "Run the local loop's timers once, over every active brand: expire allocations not "
        "handed off by their due time (unit back on the shelf, backorder back in the queue, "
        "both matched again, the customer e-mailed), send units unmatched past their shelf "
        "time to the warehouse (the hub gets a 'Pack for the warehouse' task), and match "
        "available units to customers waiting within reach that were missed. Safe to run "
        f"at any time and on several machines at once. The django-q2 schedule created by "
        f"`migrate` runs the same sweep every {SCHEDULE_MINUTES} minutes; use this command "
        "from cron instead of a worker, or by hand. Prints what it did."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--brand",
            metavar="SLUG",
            action="append",
            dest="brands",
            help="Only this brand (repeat for several). Default: every active brand.",
        )

    def handle(self, *args, brands=None, **options):
        if brands:
            known = set(Brand.objects.filter(slug__in=brands, is_active=True).values_list("slug", flat=True))
            if unknown := sorted(set(brands) - known):
                raise CommandError(f"No active brand with slug {', '.join(unknown)}.")
        report = engine_tick(brands=brands)
        self.stdout.write(str(report))
        if report.failed:
            self.stderr.write(f"{report.failed} item(s) failed; the log says why. The next run tries them again.")
