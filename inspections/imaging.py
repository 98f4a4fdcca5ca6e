"""The image half of the photo pipeline, with no Django in it (the benchmark runs it bare).

`image_check` is what an upload must pass before anything is stored: the type is read
from the bytes (never the file name or the client's content type), the size and the
pixel count are capped — the pixel count from the header, before a single pixel is
decoded — and the image must decode completely (a truncated file is refused; Pillow's
LOAD_TRUNCATED_IMAGES stays off). `image_render` turns an accepted file into what is kept:
orientation applied, every piece of metadata dropped (EXIF with its GPS position, XMP,
comments; the colour profile stays), a display rendition and a thumbnail, and the
SHA-256 of the cleaned original."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps

from closo.exceptions import DomainError, EmptyFile, FileTooLarge
from inspections.exceptions import PHOTO_REJECTIONS, CorruptImage, NotAnImage, TooManyPixels, UnsupportedType

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000  # 50 MP: a 12 MP phone photo fits four times over
DISPLAY_LONG_EDGE, DISPLAY_QUALITY = 1600, 85
THUMBNAIL_LONG_EDGE, THUMBNAIL_QUALITY = 320, 80
ORIGINAL_JPEG_QUALITY, ORIGINAL_WEBP_QUALITY = 92, 90

# Pillow's own decompression-bomb guard at our cap: it warns above it and raises above
# twice it; `_open` turns the warning into an error too.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class ImageKind:
    name: str
    content_type: str
    ext: str
    pillow_formats: tuple[str, ...]  # the only decoders Pillow may try on these bytes


JPEG = ImageKind("JPEG", "image/jpeg", "jpg", ("JPEG", "MPO"))  # phones write MPO (JPEG + depth map)
PNG = ImageKind("PNG", "image/png", "png", ("PNG",))
WEBP = ImageKind("WebP", "image/webp", "webp", ("WEBP",))
ACCEPTED = "JPEG, PNG or WebP"

# Recognised but refused, so the message can name what was sent.
OTHER_IMAGES = {
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"\x00\x00\x01\x00": "ICO",
    b"8BPS": "Photoshop",
}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def _rejected(error: type[DomainError], message: str) -> DomainError:
    """A refusal of the upload (one of PHOTO_REJECTIONS), its message on the `file` field."""
    return error(message, fields={"file": [message]})


def too_large(size: int) -> FileTooLarge:
    return _rejected(
        FileTooLarge,
        f"The file is {size / 1024 / 1024:.1f} MB; photos can be at most {MAX_UPLOAD_BYTES // 1024 // 1024} MB.",
    )


def image_kind(head: bytes) -> ImageKind:
    """What the first bytes say the file is; UnsupportedType or NotAnImage unless JPEG, PNG
    or WebP."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    other = next((name for magic, name in OTHER_IMAGES.items() if head.startswith(magic)), None)
    if other is None and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        other = "HEIC/AVIF"
    if other:
        raise _rejected(UnsupportedType, f"{other} images are not accepted: send a {ACCEPTED} photo.")
    raise _rejected(NotAnImage, f"This file is not an image: send a {ACCEPTED} photo.")


def _check_pixels(size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise _rejected(
            TooManyPixels,
            f"The image is {width}×{height} px ({width * height / 1e6:.0f} MP); "
            f"at most {MAX_PIXELS / 1e6:.0f} MP is accepted.",
        )


def _open(fp: BinaryIO, kind: ImageKind) -> Image.Image:
    """Open, check the header's pixel count, verify, reopen and decode every pixel.
    TooManyPixels for a bomb, CorruptImage for a damaged or truncated file."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
        try:
            fp.seek(0)
            with Image.open(fp, formats=kind.pillow_formats) as probe:
                _check_pixels(probe.size)  # from the header: nothing is decoded yet
                probe.verify()
            fp.seek(0)
            image = Image.open(fp, formats=kind.pillow_formats)
            _check_pixels(image.size)
            image.load()
            return image
        except PHOTO_REJECTIONS:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _rejected(
                TooManyPixels, f"The image has too many pixels: at most {MAX_PIXELS / 1e6:.0f} MP."
            ) from None
        except Exception:  # Pillow raises many types on malformed input; all mean the same
            raise _rejected(
                CorruptImage, "The image is damaged or incomplete (was the upload cut off?): take or send it again."
            ) from None


@dataclass(frozen=True)
class CheckedImage:
    kind: ImageKind
    size_bytes: int
    width: int  # as shown, once the EXIF orientation is applied
    height: int


def image_check(fp: BinaryIO, size_bytes: int) -> CheckedImage:
    """Whether `fp` (`size_bytes` long) is a photo we accept; one of PHOTO_REJECTIONS if not."""
    if size_bytes == 0:
        raise _rejected(EmptyFile, "The file is empty.")
    if size_bytes > MAX_UPLOAD_BYTES:
        raise too_large(size_bytes)
    fp.seek(0)
    kind = image_kind(fp.read(32))
    with _open(fp, kind) as image:
        width, height = image.size
        if image.getexif().get(0x0112) in (5, 6, 7, 8):  # turned a quarter: the sides swap
            width, height = height, width
    fp.seek(0)
    return CheckedImage(kind=kind, size_bytes=size_bytes, width=width, height=height)


@dataclass(frozen=True)
class Rendered:
    kind: ImageKind  # of the cleaned original (its type is kept)
    original: bytes
    display: bytes  # JPEG, long edge ≤ DISPLAY_LONG_EDGE
    thumbnail: bytes  # JPEG, long edge ≤ THUMBNAIL_LONG_EDGE
    width: int
    height: int
    sha256: str  # of `original`, the bytes that are stored


def image_render(data: bytes) -> Rendered:
    """The cleaned original and the two renditions of an image's bytes (checked again:
    the task may be handed anything). The original is re-encoded in its own type with no
    metadata but its colour profile; orientation is applied to the pixels."""
    kind = image_kind(data[:32])
    with _open(io.BytesIO(data), kind) as image:
        icc = image.info.get("icc_profile")
        ImageOps.exif_transpose(image, in_place=True)
        # Only what decoding needs survives; exif, xmp, comments, text chunks are gone.
        image.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
        original = _encode_original(image, kind, icc)
        display = _fit(image, DISPLAY_LONG_EDGE)
        width, height = image.size
    rgb_icc = icc if display.mode == "RGB" else None
    thumbnail = _fit(display, THUMBNAIL_LONG_EDGE)
    return Rendered(
        kind=kind,
        original=original,
        display=_jpeg(display, DISPLAY_QUALITY, rgb_icc),
        thumbnail=_jpeg(thumbnail, THUMBNAIL_QUALITY, rgb_icc),
        width=width,
        height=height,
        sha256=hashlib.sha256(original).hexdigest(),
    )


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _encode_original(image: Image.Image, kind: ImageKind, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    if kind is JPEG:
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=ORIGINAL_JPEG_QUALITY, icc_profile=icc)
    elif kind is PNG:
        if image.mode not in ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"):
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        image.save(out, "PNG", icc_profile=icc)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        image.save(out, "WEBP", quality=ORIGINAL_WEBP_QUALITY, icc_profile=icc)
    return out.getvalue()


def _fit(image: Image.Image, long_edge: int) -> Image.Image:
    """An RGB (or greyscale) copy no longer than `long_edge` on its long side; transparency
    is laid on white. Never enlarges."""
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGBA") if _has_alpha(image) else image.convert("RGB")
    width, height = image.size
    scale = min(1.0, long_edge / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0) if size != image.size else image.copy()
    if small.mode == "RGBA":
        flat = Image.new("RGB", small.size, "white")
        flat.paste(small, mask=small.getchannel("A"))
        return flat
    return small


def _jpeg(image: Image.Image, quality: int, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, icc_profile=icc)
    return out.getvalue()
