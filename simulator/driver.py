"""The simulation: a scenario (simulator.scenarios) played day by day through the real
services on a simulated clock (issue 11 §3). There is no model of the product here: every
order, return, drop-off, inspection, hand-off, cancellation, restock and timer is the
service a storefront, a hub or the engine calls, and what the brand sees afterwards (its
ledger, dashboard and GET /api/v1/metrics) is what those services wrote.

The clock. Services read `django.utils.timezone.now()`, models use `auto_now`,
`auto_now_add` and `default=timezone.now`, and signed tokens carry `time.time()`. The
`time-machine` library moves all of them at once: it patches the C-level clocks
(`time.time`, `datetime.now`, …), so even references captured at import time follow.
No query of the project asks the database for its own `now()` (checked with grep when this
was written; a new one would take the real time and show up as a timestamp out of line).
Within a simulated day every step runs at its own minute (the clock does not tick by
itself), so a seed replays exactly.

Randomness: one `random.Random` per stream (orders, returns, grades, pickups,
cancellations, restock), seeded from the run's seed and the stream's name; the orders and
returns, and each customer's patience, are drawn before day 0, so the run without Closo
sees the same customers with the same patience (common random numbers)."""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import time_machine
from django.utils import timezone
from django_tenants.utils import schema_context

from brands.models import Brand
from brands.services import brands as brand_services
from closo.actors import Actor, Party
from closo.models import User
from fulfillment.models import Allocation, Backorder, BackorderStatus, Channel, InboundSupply, ReturnItem, Sku
from fulfillment.services import backorders as backorder_services
from fulfillment.services import handoffs as handoff_services
from fulfillment.services import returns as return_services
from fulfillment.services import skus as sku_services
from fulfillment.services import supply as supply_services
from fulfillment.services.engine import engine_tick
from fulfillment.services.promises import promises_refresh_deferred
from hubs.geo import haversine_miles
from hubs.models import Hub, HubKind, HubMember, HubStatus, HubTask, PostalCode
from hubs.services import registry as hub_services
from inspections.models import GRADE_ORDER, Grade, GradingStandard
from inspections.selectors.inspections import inspection_form, inspection_started_token
from inspections.services import standard_rows as row_services
from inspections.services import standards as standard_services
from inspections.services.inspections import PhotoWaiver, inspection_submit, photos_waived
from simulator.scenarios import Scenario

# The only PhotoWaiver there is (see inspections.services.inspections.PhotoWaiver).
WAIVER = PhotoWaiver(why="Simulated inspection (manage.py simulate): a simulated hub has no camera.")
SIMULATOR = Actor.system("simulator")
CUSTOMER = Actor(user=None, label="simulated customer", party=Party.BRAND)
WAREHOUSE = Actor(user=None, label="simulated brand warehouse", party=Party.BRAND)
# A simulated brand's grading standard: the demo's checklist (portals' load_demo).
PHOTO_SLOTS = (("front", "Front, laid flat"), ("back", "Back"), ("care_label", "Care label"))

ORDER_PREFIX = "SIM-"  # simulated orders' and returns' references start with it


@dataclass(frozen=True)
class Order:
    ref: str
    day: int
    minute: int
    zip_code: str
    consent: bool
    patience_days: int  # cancelled this many days after the order if still waiting


@dataclass(frozen=True)
class Return:
    ref: str
    day: int
    minute: int
    zip_code: str
    dropoff_delay: int
    grade: str  # what its inspection will find, if it is inspected at a hub


@dataclass
class Plan:
    orders: list[Order]
    returns: list[Return]
    restock_day: int


@dataclass
class Counters:
    orders: int = 0
    refused_orders: int = 0
    returns: int = 0
    dropoffs: int = 0
    inspections: int = 0
    pickups: int = 0
    cancellations: int = 0
    warehouse_received: int = 0
    failures: list[str] = field(default_factory=list)


def _stream(seed: int, name: str) -> random.Random:
    return random.Random(f"{seed}:{name}")


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method (fine for the tens a day used here)."""
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _patience(rng: random.Random, hazard: float) -> int:
    """Days until a customer cancels under a constant daily hazard (geometric, ≥ 1)."""
    u = 1.0 - rng.random()  # (0, 1]
    return max(1, math.ceil(math.log(u) / math.log(1.0 - hazard)))


def zip_pools(scenario: Scenario) -> tuple[list[str], list[str]]:
    """(ZIPs within `local_miles` of a hub ZIP's centroid, every other US ZIP), each sorted,
    from the postal-code table (the offline `zipcodes` data)."""
    rows = list(PostalCode.objects.order_by("code").values_list("code", "lat", "lon"))
    centres = [(lat, lon) for code, lat, lon in rows if code in scenario.hub_zips]
    local, other = [], []
    for code, lat, lon in rows:
        near = any(haversine_miles(lat, lon, c_lat, c_lon) <= scenario.local_miles for c_lat, c_lon in centres)
        (local if near else other).append(code)
    return local, other


def make_plan(scenario: Scenario, *, seed: int, local_zips: list[str], other_zips: list[str]) -> Plan:
    """Every order and return of the run, drawn before day 0 (the same for both runs)."""
    rng_orders, rng_cancel = _stream(seed, "orders"), _stream(seed, "cancel")
    hours = [scenario.minute_of(t) for t in scenario.business_hours]
    orders = []
    for i in range(scenario.orders):
        local = rng_orders.random() < scenario.local_share
        orders.append(
            Order(
                ref=f"{ORDER_PREFIX}{i + 1:05d}",
                day=rng_orders.randrange(scenario.order_days),
                minute=rng_orders.randrange(*hours),
                zip_code=rng_orders.choice(local_zips if local else other_zips),
                consent=rng_orders.random() < scenario.consent_share,
                patience_days=_patience(rng_cancel, scenario.cancel_hazard_per_day),
            )
        )
    rng_returns, rng_grades = _stream(seed, "returns"), _stream(seed, "grades")
    others, weights = zip(*scenario.other_grades, strict=True)
    returns = []
    for day in range(scenario.return_days):
        for _ in range(_poisson(rng_returns, scenario.returns_per_day)):
            local = rng_returns.random() < scenario.local_share
            like_new = rng_grades.random() < scenario.like_new_share
            returns.append(
                Return(
                    ref=f"{ORDER_PREFIX}RMA-{len(returns) + 1:05d}",
                    day=day,
                    minute=rng_returns.randrange(*hours),
                    zip_code=rng_returns.choice(local_zips if local else other_zips),
                    dropoff_delay=rng_returns.choice(scenario.dropoff_delay_days),
                    grade=Grade.LIKE_NEW if like_new else rng_grades.choices(others, weights)[0],
                )
            )
    spread = scenario.restock_spread_days
    restock_day = scenario.restock_expected_day + _stream(seed, "restock").randint(-spread, spread)
    return Plan(orders=orders, returns=returns, restock_day=restock_day)


def answers_for(form, grade: str) -> dict[str, bool]:
    """Checklist answers whose computed grade is `grade` (the engine decides; this only
    fails one item whose cap is that grade, or none for Like New)."""
    answers = {item.key: True for item in form.checklist}
    if grade != Grade.LIKE_NEW:
        failing = next((item for item in form.checklist if item.fail_cap == grade), None)
        if failing is None:  # the brand's standard has no item capping at this grade: the next worse one
            worse = [item for item in form.checklist if GRADE_ORDER.index(item.fail_cap) > 0]
            failing = min(worse, key=lambda item: abs(GRADE_ORDER.index(item.fail_cap) - GRADE_ORDER.index(grade)))
        answers[failing.key] = False
    return answers


class Simulation:
    """One run of `scenario` into a brand: `setup()`, then `run()` (which `teardown()`s
    nothing: the command decides whether the throwaway brand is kept)."""

    def __init__(
        self,
        *,
        scenario: Scenario,
        seed: int,
        days: int,
        brand_slug: str | None = None,
        local: bool = True,
        start: dt.date | None = None,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.scenario, self.seed, self.days, self.local = scenario, seed, days, local
        self.brand_slug = brand_slug
        self.throwaway = brand_slug is None
        self.start = start or scenario.start
        self.progress = progress or (lambda day, days: None)
        self.counters = Counters()
        self.brand: Brand | None = None
        self.created_hubs: list[Hub] = []
        self.created_users: list[User] = []
        self.sku: Sku | None = None
        self.supply: InboundSupply | None = None
        self._dropoffs: dict[int, list[int]] = {}  # day → return ids due at their hub
        self._warehouse: dict[int, list[int]] = {}  # day → return ids due at the warehouse
        self._pickups: dict[int, list[int]] = {}  # day → allocation ids whose customer comes
        self._planned_allocations: set[int] = set()
        self._cancels: dict[int, list[str]] = {}  # day → order refs whose patience ends
        self.rng_pickup = _stream(seed, "pickups")
        self.rng_inspect = _stream(seed, "inspections")

    # --- the clock ---

    def at(self, day: int, minute: int) -> dt.datetime:
        midnight = dt.datetime.combine(self.start + dt.timedelta(days=day), dt.time(0), tzinfo=dt.UTC)
        return midnight + dt.timedelta(minutes=minute)

    # --- setup ---

    def setup(self, traveller) -> None:
        """The brand (a new throwaway one unless `brand_slug`), its hubs, SKU, standard and
        restock PO, on the simulated clock's day 0."""
        traveller.move_to(self.at(0, 8 * 60))
        if self.throwaway:
            kind = "local" if self.local else "no-closo"
            slug = f"sim-{self.scenario.name}-{self.seed}-{kind}-{secrets.token_hex(2)}"
            self.brand = brand_services.brand_create(
                name=f"Simulated {self.scenario.title} (seed {self.seed}, {kind})",
                slug=slug,
                admin_email=f"{slug}@sim.closo.example",
            )
            self.created_users.append(User.objects.get(email=f"{slug}@sim.closo.example"))
            if self.local:
                self._hubs_create()
        else:
            self.brand = Brand.objects.get(slug=self.brand_slug)
        with schema_context(self.brand.schema_name):
            self._workspace()

    def _hubs_create(self) -> None:
        staff = self._user(f"staff-{self.brand.slug}@sim.closo.example")
        staff_actor = Actor(user=staff, label="simulated Closo staff", party=Party.STAFF)
        for zip_code in self.scenario.hub_zips:
            owner = self._user(f"hub-{zip_code}-{self.brand.slug}@sim.closo.example")
            hub = hub_services.hub_apply(
                applicant=owner,
                name=f"Sim hub {zip_code} ({self.brand.slug})",
                kind=HubKind.SMALL_BUSINESS,
                address="Simulated",
                zip_code=zip_code,
                service_radius_miles=self.scenario.hub_radius_miles,
                daily_capacity=self.scenario.hub_capacity,
            )
            for check in hub_services.VETTING_CHECKS:
                hub_services.hub_record_check(hub=hub, check=check, actor=staff_actor)
            hub_services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=staff_actor)
            hub_services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=staff_actor)
            self.created_hubs.append(hub)

    def _user(self, email: str) -> User:
        user = User.objects.create_user(email, None)
        self.created_users.append(user)
        return user

    def _workspace(self) -> None:
        owner = User.objects.filter(brand_memberships__brand=self.brand).order_by("pk").first()
        actor = Actor(user=owner, label="simulator (for the brand)", party=Party.SYSTEM)
        if not GradingStandard.objects.filter(scope=GradingStandard.Scope.DEFAULT).exists():
            from portals.management.commands.load_demo import CHECKLIST

            standard = standard_services.standard_create(name="Simulated standard", scope="default", actor=actor)
            draft = standard.versions.get()
            for key, prompt, cap, required in CHECKLIST:
                row_services.checklist_item_add(
                    version=draft, key=key, prompt=prompt, fail_cap=cap, required=required, actor=actor
                )
            for slot, label in PHOTO_SLOTS:
                row_services.photo_slot_add(version=draft, slot=slot, label=label, actor=actor)
            standard_services.version_publish(version=draft, actor=actor, notes="Simulated brand's standard")
        self.sku = Sku.objects.filter(code=self.scenario.sku_code).first() or sku_services.sku_create(
            code=self.scenario.sku_code,
            title=self.scenario.sku_title,
            price=self.scenario.price,
            available_qty=self.scenario.stock_at_start,
            category="Blankets",
            actor=actor,
        )
        po_ref = f"SIM-PO-{self.scenario.name}-{self.seed}-{self.start:%Y%m%d}"
        self.supply = InboundSupply.objects.filter(po_ref=po_ref).first() or supply_services.supply_create(
            sku_code=self.sku.code,
            qty=self.scenario.restock_qty,
            expected_date=self.start + dt.timedelta(days=self.scenario.restock_expected_day),
            po_ref=po_ref,
            actor=actor,
        )

    # --- the run ---

    def run(self, plan: Plan, traveller) -> None:
        for order in plan.orders:
            self._cancels.setdefault(order.day + order.patience_days, []).append(order.ref)
        orders_by_day: dict[int, list[Order]] = {}
        for order in plan.orders:
            orders_by_day.setdefault(order.day, []).append(order)
        returns_by_day: dict[int, list[Return]] = {}
        for item in plan.returns:
            returns_by_day.setdefault(item.day, []).append(item)
        self._grades = {item.ref: item for item in plan.returns}
        for day in range(self.days):
            at = self.scenario.minute_of
            steps: list[tuple[int, int, Callable[[], None]]] = [(at("engine tick"), 0, self._tick)]
            for i, order in enumerate(orders_by_day.get(day, [])):
                steps.append((order.minute, 1 + i, lambda order=order: self._order(order)))
            for i, item in enumerate(returns_by_day.get(day, [])):
                steps.append((item.minute, 100_000 + i, lambda item=item, day=day: self._return(item, day)))
            if day == plan.restock_day:
                steps.append((at("restock arrival"), 0, self._restock))
            steps.append((at("pickups"), 0, lambda day=day: self._pickups_today(day)))
            steps.append((at("inspections"), 0, self._inspect))
            steps.append((at("warehouse receipts"), 0, lambda day=day: self._warehouse_today(day)))
            steps.append((at("drop-offs"), 0, lambda day=day: self._dropoffs_today(day)))
            steps.append((at("cancellations"), 0, lambda day=day: self._cancel_today(day)))
            with schema_context(self.brand.schema_name):
                for minute, _, step in sorted(steps, key=lambda s: (s[0], s[1])):
                    traveller.move_to(self.at(day, minute))
                    # Each step's moves ask for the SKU's promises to be re-evaluated after
                    # every commit; a batch (a day's cancellations, a hub's inspections)
                    # has them re-evaluated once at its end (promises_refresh_deferred).
                    with promises_refresh_deferred():
                        step()
            self.progress(day + 1, self.days)
        traveller.move_to(self.at(self.days - 1, 23 * 60 + 59))

    def _tick(self) -> None:
        engine_tick(brands=[self.brand.slug])

    def _order(self, order: Order) -> None:
        try:
            backorder_services.backorder_create(
                order_ref=order.ref,
                sku_code=self.sku.code,
                customer_zip=order.zip_code,
                value=self.scenario.price,
                consent_local_return=order.consent,
                customer_name=f"Customer {order.ref}",
                channel=Channel.API,
                actor=CUSTOMER,
            )
            self.counters.orders += 1
        except Exception as exc:  # a refusal the storefront would show (a region rule): counted
            self.counters.refused_orders += 1
            self._failure(f"order {order.ref}", exc)

    def _return(self, item: Return, day: int) -> None:
        created = return_services.return_create(
            rma_ref=item.ref,
            sku_code=self.sku.code,
            customer_zip=item.zip_code,
            reason="Simulated return",
            route="" if self.local else ReturnItem.Route.WAREHOUSE,
            actor=CUSTOMER,
        )
        self.counters.returns += 1
        if created.route == ReturnItem.Route.HUB:
            self._dropoffs.setdefault(day + item.dropoff_delay, []).append(created.pk)
        else:
            self._warehouse.setdefault(day + self.scenario.warehouse_transit_days, []).append(created.pk)

    def _dropoffs_today(self, day: int) -> None:
        for return_id in self._dropoffs.pop(day, []):
            task = HubTask.objects.filter(
                brand=self.brand, return_item_id=return_id, kind=HubTask.Kind.DROPOFF, status=HubTask.Status.OPEN
            ).first()
            if task is None:  # cancelled or re-routed meanwhile
                continue
            hub = Hub.objects.get(pk=task.hub_id)
            try:
                return_services.return_receive_dropoff(code=task.code, hub=hub, actor=self._hub_actor(hub))
                self.counters.dropoffs += 1
            except Exception as exc:
                self._failure(f"drop-off of return {return_id}", exc)

    def _hub_actor(self, hub: Hub) -> Actor:
        member = HubMember.objects.filter(hub=hub).select_related("user").order_by("pk").first()
        return Actor.for_user(member.user, party=Party.HUB)

    def _inspect(self) -> None:
        """Each hub holding this brand's received items inspects up to its daily capacity
        of them, oldest first (as its queue shows them)."""
        open_tasks = HubTask.objects.filter(brand=self.brand, kind=HubTask.Kind.INSPECT, status=HubTask.Status.OPEN)
        for hub in Hub.objects.filter(pk__in=open_tasks.values("hub_id")).order_by("pk"):
            tasks = list(open_tasks.filter(hub=hub).order_by("created_at", "pk")[: hub.daily_capacity])
            actor = self._hub_actor(hub)
            for task in tasks:
                item = ReturnItem.objects.select_related("sku").get(pk=task.return_item_id)
                self._inspect_one(item=item, hub=hub, actor=actor)

    def _inspect_one(self, *, item: ReturnItem, hub: Hub, actor: Actor) -> None:
        form = inspection_form(item=item)
        now = timezone.now()
        seconds = self.rng_inspect.randint(*self.scenario.inspection_seconds)
        token = inspection_started_token(item=item, at=now - dt.timedelta(seconds=seconds))
        grade = self._grades[item.rma_ref].grade if item.rma_ref in self._grades else Grade.LIKE_NEW
        try:
            with photos_waived(WAIVER):
                inspection_submit(
                    item=item,
                    hub=hub,
                    inspector=actor.user,
                    started_token=token,
                    answers=answers_for(form, grade),
                    actor=actor,
                )
            self.counters.inspections += 1
        except Exception as exc:
            self._failure(f"inspection of {item.rma_ref}", exc)

    def _pickups_today(self, day: int) -> None:
        """Plan the customers of new allocations (pickup day or no-show), then hand over
        the units whose customers come today."""
        new = (
            Allocation.objects.filter(status=Allocation.Status.ACTIVE)
            .exclude(pk__in=self._planned_allocations)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for allocation_id in list(new):
            self._planned_allocations.add(allocation_id)
            if self.rng_pickup.random() < self.scenario.pickup_no_show:
                continue
            self._pickups.setdefault(day + self.rng_pickup.choice(self.scenario.pickup_delay_days), []).append(
                allocation_id
            )
        for allocation_id in self._pickups.pop(day, []):
            allocation = Allocation.objects.select_related("unit").get(pk=allocation_id)
            if allocation.status != Allocation.Status.ACTIVE:
                continue
            task = HubTask.objects.filter(
                brand=self.brand,
                return_item_id=allocation.unit.return_item_id,
                kind=HubTask.Kind.HANDOFF,
                status=HubTask.Status.OPEN,
            ).first()
            if task is None:
                continue
            hub = Hub.objects.get(pk=task.hub_id)
            try:
                handoff_services.handoff_confirm_pickup(code=task.code, hub=hub, actor=self._hub_actor(hub))
                self.counters.pickups += 1
            except Exception as exc:
                self._failure(f"pickup of allocation {allocation_id}", exc)

    def _warehouse_today(self, day: int) -> None:
        for return_id in self._warehouse.pop(day, []):
            item = ReturnItem.objects.get(pk=return_id)
            if item.route != ReturnItem.Route.WAREHOUSE or item.status != "routed":
                continue
            return_services.return_warehouse_received(item=item, actor=WAREHOUSE)
            self.counters.warehouse_received += 1

    def _cancel_today(self, day: int) -> None:
        refs = self._cancels.pop(day, [])
        waiting = Backorder.objects.filter(order_ref__in=refs, status=BackorderStatus.WAITING).order_by("pk")
        for backorder in list(waiting):
            waited = (timezone.localdate() - timezone.localdate(backorder.placed_at)).days
            try:
                backorder_services.backorder_cancel(
                    backorder=backorder,
                    reason=f"Customer cancelled after waiting {waited} days (simulated hazard).",
                    actor=CUSTOMER,
                )
                self.counters.cancellations += 1
            except Exception as exc:
                self._failure(f"cancel of {backorder.order_ref}", exc)

    def _restock(self) -> None:
        supply = InboundSupply.objects.get(pk=self.supply.pk)
        if supply.status == InboundSupply.Status.EXPECTED:
            supply_services.supply_receive(supply=supply, actor=SIMULATOR)

    def _failure(self, what: str, exc: Exception) -> None:
        self.counters.failures.append(f"{what}: {type(exc).__name__}: {exc}")

    # --- the end ---

    def created(self) -> dict:
        """What `drop` removes, as plain ids (a forked run hands it to its parent)."""
        return {
            "brand": self.brand.pk if self.throwaway and self.brand is not None else None,
            "hubs": [hub.pk for hub in self.created_hubs],
            "users": [user.pk for user in self.created_users],
        }

    def drop(self) -> None:
        """Remove the throwaway brand (its schema), the hubs and users it created."""
        drop_created(self.created())


def drop_created(created: dict) -> None:
    """Drop a throwaway brand's schema and rows, then the hubs and users made for it."""
    if created["brand"] is None:
        return
    Brand.objects.get(pk=created["brand"]).delete(force_drop=True)
    Hub.objects.filter(pk__in=created["hubs"]).delete()
    User.objects.filter(pk__in=created["users"]).delete()


def travel(start: dt.datetime):
    """The simulated clock: time-machine, not ticking by itself (see the module)."""
    return time_machine.travel(start, tick=False)
