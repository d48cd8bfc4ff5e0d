"""Image upload: type by content, size limit, WebP thumbnails; local folder and S3 (moto's server)."""

from __future__ import annotations

import io
import socket
import uuid

import pytest
from PIL import Image

from ecovarejo.products import media
from ecovarejo.products.media import MediaSettings, MediaStore
from tests.support import bearer, token_for

from .helpers import default_tenant, product


def _png(w=640, h=480, fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (40, 140, 90)).save(buf, fmt)
    return buf.getvalue()


async def _upload(client, pid, data, h, name="foto.png", ctype="image/png"):
    return await client.post(
        f"/api/v1/products/{pid}/media", files={"file": (name, data, ctype)}, data={"alt": "Frente"}, headers=h
    )


async def test_local_upload_thumbnails_and_serving(client, container) -> None:
    t = await default_tenant(container)
    p = await product(container, t, sku="IMG-1", name="Vaso de Fibra de Coco")
    h = bearer(token_for(container, t, "admin"))
    assert (await _upload(client, p.id, _png(), {})).status_code == 401
    r = await _upload(client, p.id, _png(), h)
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["content_type"] == "image/png" and (m["width"], m["height"]) == (640, 480)
    assert set(m["thumbnails"]) == {"160", "480", "960"}
    served = await client.get(m["thumbnails"]["160"])
    assert served.status_code == 200
    thumb = Image.open(io.BytesIO(served.content))
    assert thumb.format == "WEBP" and thumb.width == 160
    assert (await client.get(m["url"])).content == _png()
    doc = (await client.get("/api/v1/products/vaso-de-fibra-de-coco")).json()
    assert doc["image_url"] == m["thumbnails"]["480"] and doc["media"][0]["alt"] == "Frente"
    # a JPEG announced as PNG is stored as what it is
    r = await _upload(client, p.id, _png(fmt="JPEG"), h, name="x.png", ctype="image/png")
    assert r.status_code == 201 and r.json()["content_type"] == "image/jpeg" and r.json()["url"].endswith(".jpg")
    r = await client.delete(f"/api/v1/products/{p.id}/media/{m['id']}", headers=h)
    assert r.status_code == 204
    assert (await client.get(m["url"])).status_code == 404


async def test_not_an_image_or_too_large_is_refused(client, container) -> None:
    t = await default_tenant(container)
    p = await product(container, t, sku="IMG-2", name="Luminária")
    h = bearer(token_for(container, t, "admin"))
    r = await _upload(client, p.id, b"<svg xmlns='http://www.w3.org/2000/svg'/>", h, "a.png")
    assert r.status_code == 422 and r.json()["code"] == "invalid_image"
    r = await _upload(client, p.id, b"GIF89a" + b"\0" * 20, h, "a.gif", "image/gif")
    assert r.status_code == 422
    container.ports.get(MediaSettings).max_bytes = 10_000
    r = await _upload(client, p.id, _png(2000, 2000), h)
    assert r.status_code == 413 and r.json()["code"] == "image_too_large"
    assert (await client.get("/api/v1/products/luminaria")).json()["media"] == []
    r = await _upload(client, uuid.uuid4(), _png(10, 10), h)
    assert r.status_code == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


async def test_s3_storage_against_a_local_s3_server(client, container, s3_server) -> None:
    settings = media.MediaSettings(
        backend="s3",
        s3_bucket="ecovarejo-media",
        s3_endpoint_url=s3_server,
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    store = media.build_store(container.settings.data_dir, settings)
    assert isinstance(store, media.S3MediaStore)
    store.client.create_bucket(Bucket="ecovarejo-media")
    container.ports.provide(MediaStore, store)
    t = await default_tenant(container)
    p = await product(container, t, sku="IMG-3", name="Tênis Orgânico")
    r = await _upload(client, p.id, _png(), bearer(token_for(container, t, "admin")))
    assert r.status_code == 201, r.text
    m = r.json()
    assert m["url"].startswith(f"{s3_server}/ecovarejo-media/")
    key = m["url"].split("/ecovarejo-media/", 1)[1]
    obj = store.client.get_object(Bucket="ecovarejo-media", Key=key)
    assert obj["ContentType"] == "image/png" and obj["Body"].read() == _png()
    thumb_key = m["thumbnails"]["480"].split("/ecovarejo-media/", 1)[1]
    thumb = store.client.get_object(Bucket="ecovarejo-media", Key=thumb_key)
    assert thumb["ContentType"] == "image/webp"
    assert Image.open(io.BytesIO(thumb["Body"].read())).width == 480
    r = await client.delete(
        f"/api/v1/products/{p.id}/media/{m['id']}", headers=bearer(token_for(container, t, "admin"))
    )
    assert r.status_code == 204
    listed = store.client.list_objects_v2(Bucket="ecovarejo-media").get("Contents", [])
    assert [o["Key"] for o in listed] == []
