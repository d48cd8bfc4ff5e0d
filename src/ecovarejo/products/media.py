"""Product images: the type is read from the content (Pillow), the size is limited, WebP thumbnails
are made in a few widths, and files go to a local folder (served at ``/media``) or S3-compatible
storage (boto3). Settings: ``ECOVAREJO_MEDIA_*`` (see :class:`MediaSettings`)."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic_settings import BaseSettings, SettingsConfigDict

from ecovarejo.core.errors import InvalidInput, PayloadTooLarge

ALLOWED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
THUMB_WIDTHS = (160, 480, 960)
MAX_PIXELS = 40_000_000


class MediaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECOVAREJO_MEDIA_", extra="ignore")

    max_bytes: int = 5 * 1024 * 1024
    #: ``s3`` to store in an S3-compatible bucket; the local folder ``DATA_DIR/media`` otherwise.
    backend: str = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    #: Public base URL of the bucket (CDN); ``{endpoint}/{bucket}`` when empty.
    s3_public_url: str = ""


class MediaStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store ``data`` under ``key``; return its public URL."""
        ...

    async def delete(self, key: str) -> None: ...


class LocalMediaStore:
    def __init__(self, root: Path, url_prefix: str = "/media") -> None:
        self.root = root
        self.url_prefix = url_prefix.rstrip("/")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not str(path).startswith(str(self.root.resolve())):
            raise InvalidInput("bad media key", code="invalid_media_key")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> str:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

        await asyncio.to_thread(write)
        return f"{self.url_prefix}/{key}"

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(lambda: path.unlink(missing_ok=True))


class S3MediaStore:
    def __init__(self, client: Any, bucket: str, public_url: str) -> None:
        self.client = client
        self.bucket = bucket
        self.public_url = public_url.rstrip("/")

    @classmethod
    def from_settings(cls, s: MediaSettings) -> S3MediaStore:
        import boto3

        kwargs: dict[str, Any] = {"region_name": s.s3_region}
        if s.s3_endpoint_url:
            kwargs["endpoint_url"] = s.s3_endpoint_url
        if s.s3_access_key_id:
            kwargs["aws_access_key_id"] = s.s3_access_key_id
            kwargs["aws_secret_access_key"] = s.s3_secret_access_key
        client = boto3.client("s3", **kwargs)
        public = s.s3_public_url or f"{s.s3_endpoint_url.rstrip('/')}/{s.s3_bucket}"
        return cls(client, s.s3_bucket, public)

    async def put(self, key: str, data: bytes, content_type: str) -> str:
        await asyncio.to_thread(
            self.client.put_object,
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )
        return f"{self.public_url}/{key}"

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)


@dataclass
class Processed:
    content_type: str
    ext: str
    width: int
    height: int
    original: bytes
    thumbnails: dict[int, bytes]


def process_image(data: bytes, max_bytes: int) -> Processed:
    """Check an upload by its content and make its WebP thumbnails (CPU work: call in a thread)."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"images are limited to {max_bytes} bytes", code="image_too_large")
    if not data:
        raise InvalidInput("the file is empty", code="invalid_image")
    from PIL import Image, UnidentifiedImageError  # only where images are processed (start time)

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            probe.verify()
        img = Image.open(io.BytesIO(data))
        if fmt not in ALLOWED:
            raise InvalidInput(f"unsupported image type {fmt or 'unknown'}", code="unsupported_media_type")
        if img.width * img.height > MAX_PIXELS:
            raise InvalidInput("the image has too many pixels", code="invalid_image")
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InvalidInput("the file is not an image", code="invalid_image") from exc
    thumbs: dict[int, bytes] = {}
    base = img.convert("RGBA") if img.mode in ("P", "LA", "RGBA") else img.convert("RGB")
    for w in THUMB_WIDTHS:
        t = base.copy()
        t.thumbnail((w, w * 4))
        buf = io.BytesIO()
        t.save(buf, "WEBP", quality=80, method=4)
        thumbs[w] = buf.getvalue()
    return Processed(ALLOWED[fmt], fmt.lower().replace("jpeg", "jpg"), img.width, img.height, data, thumbs)


def new_key(tenant_id: uuid.UUID | None, product_id: uuid.UUID, ext: str) -> str:
    return f"{tenant_id}/products/{product_id}/{uuid.uuid4().hex}.{ext}"


def build_store(data_dir: Path, settings: MediaSettings) -> MediaStore:
    s = settings
    if s.backend == "s3":
        return S3MediaStore.from_settings(s)
    return LocalMediaStore(data_dir / "media")
