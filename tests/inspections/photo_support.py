"""What the photo tests share: images with EXIF GPS built with Pillow, a metadata reader
that walks the stored bytes, storage on a temp dir or moto's S3 server, a return waiting
for inspection at ivan's hub, and a second hub for the attacker's side.

Import the fixtures (`media_fixture`, `s3_media_fixture`) into a test module so they apply
there; `media` (local storage in a temp dir) is autouse."""

from __future__ import annotations

import io
import struct
import uuid
from dataclasses import dataclass

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from closo.actors import Actor
from closo.storage import file_storage_from_env
from fulfillment.models import ReturnItem, ReturnStatus, Sku
from hubs.models import Hub, HubRole, HubStatus
from hubs.services import registry as hub_services
from tests.factories import applied_hub, as_staff
from tests.inspections.conftest import make_standard

GPS_IFD = 0x8825  # 34853
ORIENTATION = 0x0112
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>30,15.5N</exif:GPSLatitude></x:xmpmeta>'


# --- images ---


def gps_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: camera, orientation and a GPS position (a neighbour's)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 15"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (30.0, 15.0, 30.5)
    gps[3], gps[4] = "W", (97.0, 44.0, 12.25)
    return exif


def picture(size=(800, 600), mode="RGB", noise=False) -> Image.Image:
    """A test picture: a red block in the top-left corner on blue (or on noise)."""
    if noise:
        image = Image.effect_noise(size, 64).convert(mode)
    else:
        image = Image.new(mode, size, (30, 60, 200) if mode == "RGB" else (30, 60, 200, 255))
    image.paste((255, 0, 0) if mode == "RGB" else (255, 0, 0, 255), (0, 0, size[0] // 4, size[1] // 4))
    return image


def jpeg_bytes(size=(800, 600), *, orientation: int = 1, gps: bool = True, noise=False) -> bytes:
    out = io.BytesIO()
    extra = {"exif": gps_exif(orientation), "xmp": XMP, "comment": b"taken at 1100 E 6th St"} if gps else {}
    picture(size, noise=noise).save(out, "JPEG", quality=90, **extra)
    return out.getvalue()


def png_bytes(size=(600, 400), *, alpha=True) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add_text("Comment", "taken at 1100 E 6th St")
    out = io.BytesIO()
    picture(size, mode="RGBA" if alpha else "RGB").save(out, "PNG", exif=gps_exif(), pnginfo=info)
    return out.getvalue()


def webp_bytes(size=(600, 400)) -> bytes:
    out = io.BytesIO()
    picture(size).save(out, "WEBP", quality=80, exif=gps_exif(), xmp=XMP)
    return out.getvalue()


def with_declared_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header (SOF0) claiming another size: a pixel bomb."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9 :]


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height (1-bit grey): a decompression bomb."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\x00" * (width // 8 + 1) * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + chunk(b"IDAT", rows)
        + chunk(b"IEND", b"")
    )


def as_upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- reading metadata back from stored bytes ---


def metadata_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every container-level block that can carry metadata, as (name, first bytes):
    JPEG APPn/COM segments, PNG ancillary text/EXIF chunks, WebP EXIF/XMP chunks."""
    blocks = []
    if data.startswith(b"\xff\xd8"):
        at = 2
        while at < len(data):
            assert data[at] == 0xFF, "not a marker"
            marker = data[at + 1]
            if marker == 0xDA:  # start of scan: image data follows
                break
            length = struct.unpack(">H", data[at + 2 : at + 4])[0]
            if 0xE0 <= marker <= 0xEF or marker == 0xFE:
                blocks.append((f"APP{marker - 0xE0}" if marker != 0xFE else "COM", data[at + 4 : at + 4 + 32]))
            at += 2 + length
    elif data.startswith(b"\x89PNG"):
        at = 8
        while at < len(data):
            length = struct.unpack(">I", data[at : at + 4])[0]
            kind = data[at + 4 : at + 8].decode("latin-1")
            blocks.append((kind, data[at + 8 : at + 8 + min(length, 32)]))
            at += 12 + length
    elif data[:4] == b"RIFF":
        at = 12
        while at < len(data):
            kind = data[at : at + 4].decode("latin-1")
            length = struct.unpack("<I", data[at + 4 : at + 8])[0]
            blocks.append((kind, data[at + 8 : at + 8 + min(length, 32)]))
            at += 8 + length + (length & 1)
    return blocks


METADATA_BLOCKS = {"eXIf", "tEXt", "zTXt", "iTXt", "EXIF", "XMP ", "COM"}


def assert_no_location_or_metadata(data: bytes, where: str = "") -> None:
    """No EXIF (so no GPS), no XMP, no comment: read by Pillow and from the raw bytes."""
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    assert GPS_IFD not in exif, f"EXIF GPS left in {where}"
    assert not exif.get_ifd(GPS_IFD), f"EXIF GPS left in {where}"
    assert b"Exif\x00\x00" not in data, f"an EXIF block left in {where}"
    assert b"xmpmeta" not in data and b"1100 E 6th St" not in data, f"XMP or a comment left in {where}"
    blocks = metadata_blocks(data)
    assert not [name for name, _ in blocks if name in METADATA_BLOCKS], f"metadata blocks in {where}: {blocks}"
    assert not [name for name, head in blocks if name == "APP1"], f"an APP1 (EXIF/XMP) segment in {where}"


def assert_has_gps(data: bytes) -> None:
    """The test image really carries a GPS position (so a clean result means something)."""
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)


# --- storage ---


@pytest.fixture(name="media", autouse=True)
def media_fixture(settings, tmp_path):
    """Local file storage in a temp dir (never the developer's .closo/media). Returns the
    directory; `stored_files(media)` lists what is in it."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": file_storage_from_env({}, media_root=root, media_url="/media/"),
    }
    return root


def stored_files(root) -> dict[str, bytes]:
    """Every file under the local storage root: {relative name: bytes}."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Bucket:
    client: object
    name: str

    def files(self) -> dict[str, bytes]:
        listing = self.client.list_objects_v2(Bucket=self.name).get("Contents", [])
        return {o["Key"]: self.client.get_object(Bucket=self.name, Key=o["Key"])["Body"].read() for o in listing}


@pytest.fixture(name="s3_media")
def s3_media_fixture(settings, s3_endpoint, tmp_path) -> Bucket:
    """STORAGES["default"] on a fresh private bucket of moto's S3 server, over HTTP."""
    name = f"closo-photos-{uuid.uuid4().hex[:8]}"
    creds = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, **creds)
    client.create_bucket(Bucket=name)
    env = {
        "STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_QUERYSTRING_EXPIRE": "60",
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": file_storage_from_env(env, media_root=tmp_path, media_url="/media/"),
    }
    return Bucket(client, name)


# --- data ---

SLOTS = ["front", "back", "care-label", "defect"]


def waiting_return(brand, hub: Hub, *, rma="RMA-PH-1", code="PH0001", status=ReturnStatus.DROPPED_OFF) -> ReturnItem:
    """A return of `brand` at `hub`, dropped off and awaiting inspection, of a SKU whose
    published standard has the four photo slots. Call inside the brand's schema."""
    sku, _ = Sku.objects.get_or_create(code="WB-PHOTO", defaults={"title": "Weighted blanket", "price": 119})
    from inspections.models import GradingStandard

    if not GradingStandard.objects.filter(scope=GradingStandard.Scope.DEFAULT).exists():
        owner = brand.memberships.select_related("user").first().user
        make_standard(Actor(user=owner, label=owner.email), items=2, photos=4, publish=True)
    return ReturnItem.objects.create(
        rma_ref=rma,
        sku=sku,
        customer_zip="78702",
        status=status,
        route=ReturnItem.Route.HUB,
        hub=hub,
        dropoff_code=code,
    )


def active_hub_for(user, stan, name="West Porch") -> Hub:
    """Another active hub, with `user` as its inspector."""
    hub = applied_hub(name, zip_code="78745")
    for check in hub_services.VETTING_CHECKS:
        hub_services.hub_record_check(hub=hub, check=check, actor=as_staff(stan))
    hub_services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=as_staff(stan))
    hub_services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=as_staff(stan))
    hub_services.hub_member_add(hub=hub, user=user, role=HubRole.INSPECTOR)
    return Hub.objects.get(pk=hub.pk)


def upload_path(brand, item) -> str:
    return f"/hub/b/{brand.slug}/returns/{item.pk}/photos/"


def api_upload_path(brand, item) -> str:
    return f"/api/v1/hub/b/{brand.slug}/returns/{item.pk}/photos"


@dataclass(frozen=True)
class CommittedReturn:
    brand: object
    hub: Hub
    inspector: object
    item: ReturnItem
    queued_before: frozenset  # django-q2 task ids queued before the test


def committed_waiting_return(committed, *, rma: str, code: str) -> CommittedReturn:
    """For tests on real transactions (`committed`): a return waiting for inspection at
    Eastside Porch in brand A, with a cleanup that removes it, its photos, events, the
    standard and SKU made for it, and any task it queued."""
    from django_q.models import OrmQ
    from django_tenants.utils import schema_context

    from brands.models import Brand
    from closo.models import User
    from fulfillment.models import Event
    from inspections.models import GradingStandard, InspectionPhoto
    from tests.conftest import EMAILS

    brand = Brand.objects.get(slug="acme")
    hub = Hub.objects.get(name="Eastside Porch")
    inspector = User.objects.get(email=EMAILS["ivan"])
    queued_before = set(OrmQ.objects.values_list("pk", flat=True))
    with schema_context(brand.schema_name):
        standards_before = set(GradingStandard.objects.values_list("pk", flat=True))

    def cleanup():
        OrmQ.objects.exclude(pk__in=queued_before).delete()
        with schema_context(brand.schema_name):
            Event.objects.filter(return_item__rma_ref=rma).delete()
            InspectionPhoto.objects.filter(return_item__rma_ref=rma).delete()
            ReturnItem.objects.filter(rma_ref=rma).delete()
            GradingStandard.objects.exclude(pk__in=standards_before).delete()
            Sku.objects.filter(code="WB-PHOTO").delete()

    committed.append(cleanup)
    with schema_context(brand.schema_name):
        item = waiting_return(brand, hub, rma=rma, code=code)
    return CommittedReturn(brand=brand, hub=hub, inspector=inspector, item=item, queued_before=frozenset(queued_before))
