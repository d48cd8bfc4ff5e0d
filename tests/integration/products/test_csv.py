"""CSV import and export from the API and the CLI: every bad row reported, nothing half-imported."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from ecovarejo.products import queries
from tests.support import bearer, token_for

from .helpers import category, default_tenant, product

HEADER = "sku,name,category,price,carbon_footprint_kg,recyclable,material,colors,sizes,certifications,variants\n"
GOOD = (
    HEADER
    + "CSV-1,Camiseta Orgânica,camisetas,89.90,2.5,sim,Algodão Orgânico,Branco|Preto,P|M,GOTS:organic:2031-01-31,"
    "CSV-1-BR-P:Branco:P:|CSV-1-PR-M:Preto:M:94.90\n"
    + '"CSV-2","Caderno, reciclado",,29.90,,nao,Papel Reciclado,,,FSC,\n'
)


async def test_api_import_rejects_every_bad_row_and_writes_nothing(client, container) -> None:
    t = await default_tenant(container)
    await category(container, t, "Camisetas")
    await product(container, t, sku="OLD-1", name="Existente", variants=[{"sku": "OLD-1-V"}])
    h = bearer(token_for(container, t, "admin"))
    bad = (
        GOOD
        + "CSV-3,Sem preço,,,,,,,,,\n"  # line 4
        + "CSV-4,Preço ruim,,12.345,,,,,,,\n"  # line 5
        + "CSV-5,Categoria?,nao-existe,10,,,,,,,\n"  # line 6
        + "CSV-1,Repetido,,10,,,,,,,\n"  # line 7
        + "CSV-6,Certificado?,,10,,,,,,Inventado,\n"  # line 8
        + "CSV-7,Variante de outro,,10,,,,,,,OLD-1-V\n"  # line 9
        + "CSV-8,Reciclável?,,10,,talvez,,,,,\n"  # line 10
    )
    r = await client.post("/api/v1/products/import", files={"file": ("p.csv", bad.encode(), "text/csv")}, headers=h)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "csv_rejected"
    assert [e["line"] for e in body["errors"]] == [4, 5, 6, 7, 8, 9, 10]
    reasons = {e["line"]: e["reason"] for e in body["errors"]}
    assert "price" in reasons[4] and "category" in reasons[6] and "repeats line 2" in reasons[7]
    assert "Inventado" in reasons[8] and "another product" in reasons[9]
    async with container.uow(t) as uow:
        assert await queries.get_sellables(uow, ["CSV-1", "CSV-2"]) == {}
    r = await client.post("/api/v1/products/import", files={"file": ("p.csv", GOOD.encode(), "text/csv")})
    assert r.status_code == 401
    r = await client.post("/api/v1/products/import", files={"file": ("p.csv", GOOD.encode(), "text/csv")}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0, "rows": 2, "suggestions": []}
    doc = (await client.get("/api/v1/products/camiseta-organica")).json()
    assert [v["sku"] for v in doc["variants"]] == ["CSV-1-BR-P", "CSV-1-PR-M"]
    assert doc["variants"][1]["price"]["amount"] == "94.90" and doc["category"]["slug"] == "camisetas"
    assert doc["sustainability"]["certifications"][0]["expiry"] == "2031-01-31"
    # export, edit, re-import: updates
    r = await client.get("/api/v1/products/export.csv", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["sku"] for row in rows} == {"CSV-1", "CSV-2", "OLD-1"}
    one = next(row for row in rows if row["sku"] == "CSV-1")
    assert one["variants"] == "CSV-1-BR-P:Branco:P:|CSV-1-PR-M:Preto:M:94.90"
    one["price"] = "79.90"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerow(one)
    r = await client.post(
        "/api/v1/products/import", files={"file": ("p.csv", buf.getvalue().encode(), "text/csv")}, headers=h
    )
    assert r.json() == {"created": 0, "updated": 1, "rows": 1, "suggestions": []}
    assert (await client.get("/api/v1/products/camiseta-organica")).json()["price"]["amount"] == "79.90"


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOVAREJO_")}
    env.update(
        ECOVAREJO_DATA_DIR=str(tmp_path / "var"),
        ECOVAREJO_LOG_LEVEL="WARNING",
        ECOVAREJO_DATABASE_URL=db_url,
        ECOVAREJO_SERVICES="users,products",
    )
    return env


def test_cli_import_and_export(db_url: str, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "CLI-1,Mel Orgânico,,36.90,0.5,sim,Mel,,,,\nCLI-2,Sem preço,,,,,,,,,\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "ecovarejo.cli", "products"]
    r = subprocess.run(
        [*cmd, "import", str(src)], env=_env(tmp_path, db_url), capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 1, r.stderr
    assert "nothing was imported" in r.stderr and "3" in r.stderr  # line 3 is reported
    src.write_text(HEADER + "CLI-1,Mel Orgânico,,36.90,0.5,sim,Mel,,,,\n", encoding="utf-8")
    r = subprocess.run(
        [*cmd, "import", str(src)], env=_env(tmp_path, db_url), capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert "1 created" in r.stderr
    out = tmp_path / "out.csv"
    r = subprocess.run(
        [*cmd, "export", str(out)], env=_env(tmp_path, db_url), capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(row["sku"], row["price"], row["recyclable"]) for row in rows] == [("CLI-1", "36.90", "true")]
