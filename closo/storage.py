"""Where uploaded files live: the STORAGES["default"] entry, built from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def file_storage_from_env(environ: Mapping[str, str], *, media_root: Path, media_url: str) -> dict:
    """Local files under `media_root` unless STORAGE=s3, then S3 or any S3-compatible
    store (AWS_S3_ENDPOINT_URL). Objects are private; URLs are signed and short-lived."""

    def get(name: str, default: str | None = None) -> str | None:
        return environ.get(name) or default  # empty means unset, as everywhere in settings

    if get("STORAGE", "local") != "s3":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media_root, "base_url": media_url},
        }
    bucket = get("AWS_STORAGE_BUCKET_NAME")
    if not bucket:
        raise ImproperlyConfigured("STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": get("AWS_S3_ENDPOINT_URL"),
            "region_name": get("AWS_S3_REGION_NAME", "us-east-1"),
            "access_key": get("AWS_ACCESS_KEY_ID"),
            "secret_key": get("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": int(get("AWS_QUERYSTRING_EXPIRE", "300")),
            "file_overwrite": False,
        },
    }
