"""One inspection, end to end, on a deployment shaped like production (tests/e2e/stack.py):
`DEBUG=0`, gunicorn with two web processes behind a (simulated) TLS proxy, two qcluster
workers fed through Redis, files on S3 (moto's server), PostgreSQL. Everything goes over
real HTTP: the brand's storefront sends the return, the hub's scanner app receives it,
photographs it and submits it as Like New, the brand reads the photos through signed URLs.

Run alone with `pytest -m e2e`, leave it out with `-m "not e2e"`."""

from __future__ import annotations

import io
import re
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from tests.inspections.photo_support import assert_has_gps, assert_no_location_or_metadata, jpeg_bytes

pytestmark = pytest.mark.e2e

PROXY = {"X-Forwarded-Proto": "https"}  # what the TLS-terminating proxy adds to every request


class Http:
    """Requests to the deployment as its proxy forwards them (`Host`, `X-Forwarded-Proto`),
    remembering every answer so the test can check that none was a server error."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment between us and 127.0.0.1
        self.seen: list[tuple[str, str, int]] = []

    def request(self, method: str, host: str, path: str, *, proxy=True, **kwargs) -> requests.Response:
        headers = {"Host": host, **(PROXY if proxy else {}), **kwargs.pop("headers", {})}
        response = self.session.request(
            method, self.base_url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        self.seen.append((method, f"{host}{path}", response.status_code))
        return response

    def get(self, host: str, path: str, **kwargs) -> requests.Response:
        return self.request("GET", host, path, **kwargs)

    def post(self, host: str, path: str, **kwargs) -> requests.Response:
        return self.request("POST", host, path, **kwargs)


def expect(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.url}: {response.text[:800]}"
    return response.json() if "json" in response.headers.get("Content-Type", "") else {}


def test_an_inspection_with_photos_reaches_like_new_on_a_production_shaped_deployment(deployment):
    began = time.monotonic()
    http = Http(deployment.base_url)
    public, brand_host = deployment.public_host, deployment.brand_host
    brand_api = {"Authorization": f"Api-Key {deployment.seed['api_key']}"}
    hub_api = {"auth": (deployment.seed["inspector"], deployment.password)}

    assert deployment.logs()["gunicorn"].count("Booting worker") == 2  # two web processes
    assert len(deployment.clusters_alive()) == 2  # two workers, reporting to Redis

    # The proxy contract: plain HTTP is sent to HTTPS; behind the proxy, the strict headers.
    plain = http.get(public, "/", proxy=False)
    assert (plain.status_code, plain.headers["Location"]) == (301, f"https://{public}/")
    landing = http.get(public, "/")
    assert landing.status_code == 200
    assert landing.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert landing.headers["X-Frame-Options"] == "DENY"
    assert landing.headers["X-Content-Type-Options"] == "nosniff"
    assert landing.headers["Referrer-Policy"] == "same-origin"
    # collectstatic's manifest: pages link hashed file names, which WhiteNoise serves for a year.
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', landing.text)
    assert stylesheet, landing.text[:500]
    asset = http.get(public, stylesheet.group(1))
    assert asset.status_code == 200 and "max-age=315360000" in asset.headers["Cache-Control"]
    missing = http.get(public, "/no-such-page/")
    assert missing.status_code == 404 and "URLconf" not in missing.text  # no technical 404 page
    assert http.get("evil.example", "/").status_code == 404  # a host that is no brand's: the 404 page

    # The brand's storefront: a SKU, then a return routed to the hub (drop-off code issued).
    expect(http.get(brand_host, "/api/v1/brand", headers=brand_api), 200)
    expect(
        http.post(
            brand_host,
            "/api/v1/skus/",
            headers=brand_api,
            json={"code": "WB-E2E", "title": "Weighted blanket", "price": "120.00"},
        ),
        201,
    )
    created = expect(
        http.post(
            brand_host,
            "/api/v1/returns/",
            headers={**brand_api, "Idempotency-Key": str(uuid.uuid4())},
            json={
                "rma_ref": "RMA-E2E-1",
                "sku": "WB-E2E",
                "customer_zip": "78702",
                "reason": "Too warm",
                "hub": deployment.seed["hub_id"],
            },
        ),
        201,
    )
    assert created["status"] == "routed" and created["dropoff_code"]

    # The hub's scanner app: receive by the code, read the form, upload a photo per slot.
    received = expect(http.post(public, "/api/v1/hub/receive", json={"code": created["dropoff_code"]}, **hub_api), 200)
    item_path = received["url"]
    assert received["item"]["status"] == "dropped_off"
    form = expect(http.get(public, f"{item_path}/inspection/form", **hub_api), 200)
    slots = [slot["slot"] for slot in form["photo_slots"] if slot["required"]]
    assert slots == ["front", "back", "care-label"]
    original = jpeg_bytes((1600, 1200), orientation=6)  # a phone's photo, held sideways, with GPS
    assert_has_gps(original)
    for slot in slots:
        expect(
            http.post(
                public,
                form["upload_url"],
                data={"slot": slot},
                files={"file": (f"{slot}.jpg", original, "image/jpeg")},
                **hub_api,
            ),
            201,
        )

    # The workers (through Redis) strip the metadata and make the renditions.
    deadline = time.monotonic() + 45
    while True:
        photos = expect(http.get(public, form["upload_url"], **hub_api), 200)["results"]
        if all(photo["status"] != "pending" for photo in photos) or time.monotonic() > deadline:
            break
        assert not deployment.dead_processes(), deployment.dead_processes()
        time.sleep(0.25)
    assert [(p["slot"], p["status"], p["error"]) for p in photos] == [(slot, "ready", "") for slot in slots]
    assert all((p["width"], p["height"]) == (1200, 1600) for p in photos)  # orientation applied

    submitted = expect(
        http.post(
            public,
            form["submit_url"],
            json={
                "answers": {check["key"]: True for check in form["checklist"]},
                "version": form["version"],
                "started_token": form["started_token"],
            },
            **hub_api,
        ),
        201,
    )
    assert (submitted["final_grade"], submitted["disposition"]) == ("like_new", "local_stock")
    label = submitted["next_action"]["label"]
    assert submitted["next_action"]["headline"].startswith("Like New")

    # The brand sees the unit on the hub's shelf and the inspection with its photos.
    units = expect(http.get(brand_host, "/api/v1/units/", headers=brand_api), 200)["results"]
    assert [(u["label"], u["sku"], u["condition"], u["return_item"]["rma_ref"]) for u in units] == [
        (label, "WB-E2E", "like_new", "RMA-E2E-1")
    ]
    inspection = expect(http.get(brand_host, f"/api/v1/inspections/{submitted['id']}", headers=brand_api), 200)
    gallery = [p for p in inspection["photos"] if p["id"] is not None]
    assert [p["slot"] for p in gallery] == slots

    # Each rendition: the authorizing view answers 302 to a signed S3 URL; the object is a
    # JPEG with no location left in it. The URL alone is the credential, so no headers.
    for photo in gallery:
        for rendition, url in photo["urls"].items():
            assert url.startswith(f"https://{brand_host}/photos/"), url  # links as the browser sees them
            redirect = http.get(brand_host, urlsplit(url).path, headers=brand_api)
            assert redirect.status_code == 302, (rendition, redirect.text[:300])
            assert redirect.headers["Cache-Control"] == "private, no-store"
            signed = redirect.headers["Location"]
            assert signed.startswith(f"{deployment.s3_endpoint}/{deployment.bucket}/") and "Signature=" in signed
            stored = requests.get(signed, timeout=30)
            assert stored.status_code == 200, (rendition, stored.text[:300])
            assert Image.open(io.BytesIO(stored.content)).format == "JPEG"
            assert_no_location_or_metadata(stored.content, where=f"{photo['slot']} {rendition}")
            unsigned = requests.get(signed.split("?")[0], timeout=30)
            assert unsigned.status_code == 403  # the bucket is private
        # Without the brand's credentials the photo does not exist.
        assert http.get(brand_host, urlsplit(photo["urls"]["original"]).path).status_code == 404

    # The hub sees its own photos through its side of the same rule.
    for photo in submitted["photos"]:
        assert http.get(public, photo["thumbnail_url"], **hub_api).status_code == 302

    server_errors = [seen for seen in http.seen if seen[2] >= 500]
    assert not server_errors, server_errors
    logs = deployment.logs()
    assert not [name for name, text in logs.items() if "Traceback" in text], {
        name: text[-3000:] for name, text in logs.items() if "Traceback" in text
    }
    assert not deployment.dead_processes()
    deployment.timings["flow"] = time.monotonic() - began
    print("e2e timings (s):", {name: round(seconds, 1) for name, seconds in deployment.timings.items()})
