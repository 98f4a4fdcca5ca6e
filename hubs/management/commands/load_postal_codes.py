from django.core.management.base import BaseCommand
from django.db import transaction

from hubs.postal import load_postal_codes


class Command(BaseCommand):
    help = (
        "(Re)load every US ZIP code centroid from the bundled `zipcodes` package into "
        "PostalCode. The initial migration already does this; run it after upgrading the package."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = load_postal_codes()
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} ZIP codes."))
