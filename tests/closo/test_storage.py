import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.utils.module_loading import import_string

from closo.storage import file_storage_from_env


def build(entry: dict):
    return import_string(entry["BACKEND"])(**entry["OPTIONS"])


def test_local_files_by_default(tmp_path):
    entry = file_storage_from_env({}, media_root=tmp_path, media_url="/media/")
    storage = build(entry)
    name = storage.save("brand_acme/x.txt", ContentFile(b"hello"))
    assert (tmp_path / name).read_bytes() == b"hello"


def test_s3_needs_a_bucket(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        file_storage_from_env({"STORAGE": "s3"}, media_root=tmp_path, media_url="/media/")


def test_empty_s3_variables_mean_unset(tmp_path):
    env = {"STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_REGION_NAME": "", "AWS_QUERYSTRING_EXPIRE": ""}
    options = file_storage_from_env(env, media_root=tmp_path, media_url="/media/")["OPTIONS"]
    assert (options["region_name"], options["querystring_expire"], options["endpoint_url"]) == ("us-east-1", 300, None)


def test_s3_storage_from_env_writes_private_objects_over_http_with_signed_urls(s3_endpoint, tmp_path):
    bucket = f"closo-test-{uuid.uuid4().hex[:8]}"
    creds = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    boto3.client("s3", endpoint_url=s3_endpoint, **creds).create_bucket(Bucket=bucket)
    entry = file_storage_from_env(
        {
            "STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_QUERYSTRING_EXPIRE": "60",
        },
        media_root=tmp_path,
        media_url="/media/",
    )
    storage = build(entry)
    name = storage.save("brand_acme/photos/a.txt", ContentFile(b"private bytes"))
    assert name.startswith("brand_acme/photos/")
    second = storage.save("brand_acme/photos/a.txt", ContentFile(b"other"))
    assert second != name  # never overwrites

    signed = storage.url(name)
    assert "Signature" in signed  # short-lived signed URL, never a public one
    with urllib.request.urlopen(signed) as response:
        assert response.read() == b"private bytes"

    unsigned = signed.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(unsigned)
    assert excinfo.value.code == 403
