"""A local S3 server for the object-storage tests: moto in server mode on a free loopback port,
with one private bucket. No network beyond loopback."""

import urllib.request

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import free_port

BUCKET = "ncsup-test-media"
KEYS = {"access_key": "testing-key", "secret_key": "testing-secret"}


class LocalS3:
    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=KEYS["access_key"],
                            aws_secret_access_key=KEYS["secret_key"])

    def keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=BUCKET)
        return sorted(entry["Key"] for entry in listing.get("Contents", []))

    def environ(self) -> dict[str, str]:
        """What a web or worker process of the portal needs to use this bucket (README)."""
        return {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": self.endpoint, "S3_REGION": "us-east-1",
                "S3_ACCESS_KEY_ID": KEYS["access_key"],
                "S3_SECRET_ACCESS_KEY": KEYS["secret_key"]}


@pytest.fixture
def local_s3(settings, tmp_path):
    """The portal's default storage pointed at a fresh bucket on a local S3 server, as
    ncsup/settings.py configures it from S3_BUCKET."""
    s3 = LocalS3()
    s3.server.start()
    # moto keeps its buckets in this process, across servers: start each test from nothing.
    urllib.request.urlopen(urllib.request.Request(f"{s3.endpoint}/moto-api/reset",
                                                  method="POST"), timeout=10)
    s3.client().create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": s3.endpoint,
                    "region_name": "us-east-1", **KEYS, "default_acl": None,
                    "signature_version": "s3v4", "querystring_auth": True,
                    "querystring_expire": 300,
                    "file_overwrite": False,
                    "object_parameters": {"CacheControl": "private, no-store"}},
    }}
    settings.S3_BUCKET, settings.S3_SIGNED_URL_SECONDS = BUCKET, 300
    settings.MEDIA_ROOT = tmp_path / "media"  # empty: whatever lands on disk shows
    yield s3
    s3.server.stop()
