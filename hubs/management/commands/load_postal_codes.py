from django.core.management.base import BaseCommand
from django.db import transaction

from closo import stamps
from hubs.models import REFERENCE_STAMP
from hubs.postal import load_postal_codes


class Command(BaseCommand):
    help = (
        "(Re)load every US ZIP code centroid from the bundled `zipcodes` package into "
        "PostalCode. The initial migration already does this; run it after upgrading the package."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = load_postal_codes()
            # Written by COPY, which sends no signal: say it to whatever keeps answers.
            stamps.renew_on_commit(REFERENCE_STAMP)
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} ZIP codes."))
