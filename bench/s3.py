"""A local S3-compatible server (moto) for the publish measurements."""

from __future__ import annotations

import os
from typing import Any

ACCESS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
          "AWS_DEFAULT_REGION": "us-east-1"}


class MotoS3:
    """moto's server on 127.0.0.1 and a free port, in a thread of this process."""

    def __init__(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.session.Session(
                aws_access_key_id="bench", aws_secret_access_key="bench",
                region_name="us-east-1").client("s3", endpoint_url=self.endpoint)
        return self._client

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return env | ACCESS

    def settings(self, bucket: str) -> str:
        """The publish: section of outpost.yaml for ``bucket``."""
        return (f"publish:\n  - name: bench\n    type: s3\n    bucket: {bucket}\n"
                f"    endpoint_url: {self.endpoint}\n    region: us-east-1\n")

    def empty(self, bucket: str) -> None:
        """Create ``bucket`` if needed and delete every object in it."""
        client = self.client
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if bucket not in existing:
            client.create_bucket(Bucket=bucket)
            return
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            for start in range(0, len(keys), 1000):
                client.delete_objects(Bucket=bucket,
                                      Delete={"Objects": keys[start:start + 1000]})

    def stop(self) -> None:
        self._server.stop()
