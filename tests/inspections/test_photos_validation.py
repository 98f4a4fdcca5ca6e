"""What an upload must be: JPEG, PNG or WebP by its bytes, within the size and pixel caps
(pixels read from the header before decoding), and complete to the last pixel."""

import io

import pytest
from PIL import Image, ImageFile

from closo.exceptions import DomainError
from inspections import imaging
from inspections.exceptions import PHOTO_REJECTIONS
from inspections.imaging import image_check, image_render
from tests.inspections.photo_support import (
    assert_has_gps,
    assert_no_location_or_metadata,
    jpeg_bytes,
    png_bytes,
    png_declaring,
    webp_bytes,
    with_declared_size,
)


def check(data: bytes):
    return image_check(io.BytesIO(data), len(data))


def rejection(data: bytes) -> DomainError:
    with pytest.raises(PHOTO_REJECTIONS) as excinfo:
        check(data)
    return excinfo.value


@pytest.mark.parametrize(
    ("data", "kind"),
    [(jpeg_bytes(), imaging.JPEG), (png_bytes(), imaging.PNG), (webp_bytes(), imaging.WEBP)],
    ids=["jpeg", "png", "webp"],
)
def test_jpeg_png_and_webp_are_accepted_by_their_bytes(data, kind):
    checked = check(data)
    assert checked.kind is kind
    assert checked.size_bytes == len(data)


def test_the_dimensions_are_those_shown_once_the_orientation_is_applied():
    assert (check(jpeg_bytes((800, 600), orientation=1)).width, check(jpeg_bytes((800, 600))).height) == (800, 600)
    turned = check(jpeg_bytes((800, 600), orientation=6))
    assert (turned.width, turned.height) == (600, 800)


@pytest.mark.parametrize(
    "data",
    [b"hello, this is a text file", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.7\n", b"\x00" * 64],
    ids=["text", "svg", "pdf", "zeros"],
)
def test_a_file_that_is_not_an_image_is_refused_415(data):
    error = rejection(data)
    assert (error.code, error.status) == ("not_an_image", 415)
    assert "JPEG, PNG or WebP" in error.message


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "named"),
    [(gif(), "GIF"), (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC"), (b"BM" + b"\x00" * 60, "BMP")],
    ids=["gif", "heic", "bmp"],
)
def test_other_image_types_are_refused_by_name(data, named):
    error = rejection(data)
    assert (error.code, error.status) == ("unsupported_type", 415)
    assert named in error.message


def test_the_type_comes_from_the_bytes_not_the_name_or_content_type():
    """A PNG sent as photo.jpg with image/jpeg is a PNG; a text file named .jpg is refused."""
    from tests.inspections.photo_support import as_upload

    assert image_check(as_upload(png_bytes()), len(png_bytes())).kind is imaging.PNG
    text = as_upload(b"just text", name="front.jpg", content_type="image/jpeg")
    with pytest.raises(PHOTO_REJECTIONS, match="not an image"):
        image_check(text, text.size)


def test_an_empty_file_is_refused():
    assert rejection(b"").code == "empty_file"


def test_a_file_over_the_size_cap_is_refused_413_before_it_is_read():
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("an oversized file must not be read")

    with pytest.raises(PHOTO_REJECTIONS) as excinfo:
        image_check(Unreadable(), imaging.MAX_UPLOAD_BYTES + 1)
    assert (excinfo.value.code, excinfo.value.status) == ("file_too_large", 413)
    assert "15 MB" in excinfo.value.message


def test_a_jpeg_declaring_more_pixels_than_the_cap_is_refused_from_its_header(monkeypatch):
    """60 MP declared in a 20 KB file: refused without decoding a pixel (load() would fail
    the test by being called)."""
    bomb = with_declared_size(jpeg_bytes((64, 64), gps=False), 10_000, 6_000)
    assert len(bomb) < 30_000

    def no_decoding(self):
        raise AssertionError("decoded a pixel bomb")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    error = rejection(bomb)
    assert (error.code, error.status) == ("too_many_pixels", 413)
    assert "at most 50 MP" in error.message


def test_a_png_decompression_bomb_is_refused(monkeypatch):
    """A ~1 KB PNG claiming 40 000 × 40 000 px (1.6 GP): Pillow's own guard fires first."""
    bomb = png_declaring(40_000, 40_000)
    assert len(bomb) < 2_000
    error = rejection(bomb)
    assert (error.code, error.status) == ("too_many_pixels", 413)


def test_pillows_bomb_guard_is_set_to_our_cap():
    assert Image.MAX_IMAGE_PIXELS == imaging.MAX_PIXELS == 50_000_000
    assert not ImageFile.LOAD_TRUNCATED_IMAGES


@pytest.mark.parametrize("make", [jpeg_bytes, png_bytes, webp_bytes], ids=["jpeg", "png", "webp"])
def test_a_truncated_image_is_refused(make):
    data = make()
    error = rejection(data[: len(data) * 2 // 3])
    assert (error.code, error.status) == ("corrupt_image", 400)
    assert "incomplete" in error.message


def test_a_jpeg_with_garbage_after_its_header_is_refused():
    data = jpeg_bytes(gps=False)
    assert rejection(data[:200] + b"\x00garbage" * 100).code == "corrupt_image"


def test_rendering_checks_the_bytes_again():
    """The task may be handed anything: a bomb or a non-image fails there too."""
    with pytest.raises(PHOTO_REJECTIONS, match="too many pixels"):
        image_render(png_declaring(40_000, 40_000))
    with pytest.raises(PHOTO_REJECTIONS):
        image_render(b"not an image at all")


@pytest.mark.parametrize("make", [jpeg_bytes, png_bytes, webp_bytes], ids=["jpeg", "png", "webp"])
def test_rendering_keeps_no_metadata_in_any_output(make):
    rendered = image_render(make())
    for name in ("original", "display", "thumbnail"):
        assert_no_location_or_metadata(getattr(rendered, name), name)


@pytest.mark.parametrize("make", [jpeg_bytes, png_bytes, webp_bytes], ids=["jpeg", "png", "webp"])
def test_the_metadata_check_catches_what_phones_write(make):
    """The check the pipeline tests rely on is not vacuous: it fails on the test images."""
    data = make()
    assert_has_gps(data)
    with pytest.raises(AssertionError):
        assert_no_location_or_metadata(data)
