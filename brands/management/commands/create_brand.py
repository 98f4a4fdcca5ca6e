import getpass

from django.core.management.base import BaseCommand, CommandError

from brands.services import brands as services
from closo.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Onboard a brand: create its schema (cloned from the template schema), its host "
        "<slug>.<BASE_DOMAIN> and its first owner. An existing user with that e-mail is "
        "made owner; a new one gets the given password (or is asked for one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Display name, e.g. 'Northwind Blankets'.")
        parser.add_argument("--slug", required=True, help="Host name part: northwind → northwind.<BASE_DOMAIN>.")
        parser.add_argument("--admin-email", required=True, help="E-mail of the brand's first owner.")
        parser.add_argument("--admin-password", help="Password for a new owner account (prompted if omitted).")

    def handle(self, *args, name, slug, admin_email, admin_password, **options):
        from closo.models import User

        if admin_password is None and not User.objects.filter(email__iexact=admin_email).exists():
            if not options.get("interactive", True):
                raise CommandError("--admin-password is required for a new user.")
            admin_password = getpass.getpass(f"Password for {admin_email}: ")
        services.public_tenant_ensure()
        try:
            brand = services.brand_create(name=name, slug=slug, admin_email=admin_email, admin_password=admin_password)
        except DomainError as exc:
            raise CommandError(f"{exc.message} ({exc.code})") from exc
        self.stdout.write(self.style.SUCCESS(f"Created {brand.name}: http://{brand.host}:8000/ (owner {admin_email})"))
