"""The composition root loads contexts lazily: a one-off command imports no edge and no API module, and
what the edges are trusted not to have (tables, personal data, jobs) stays true."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecovarejo.bootstrap import CONTEXT_NAMES, EDGES, context, import_all_models
from ecovarejo.core.db import Base

_PROBE = """
import json, sys
from ecovarejo.core.settings import Settings
from ecovarejo.bootstrap import build_command_container
container = build_command_container(Settings())
print(json.dumps({
    "contexts": [spec.name for spec in container.contexts],
    "modules": sorted(m for m in sys.modules if m.startswith("ecovarejo.")),
}))
"""


def _api_module(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    return leaf == "api" or leaf.endswith("_api") or leaf == "wellknown"


def test_a_command_container_imports_the_domain_contexts_without_edges_or_api_modules(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOVAREJO_")}
    env["ECOVAREJO_DATA_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["contexts"] == [name for name in CONTEXT_NAMES if name not in EDGES]
    modules = seen["modules"]
    assert "ecovarejo.users.plugin" in modules and "ecovarejo.ml.plugin" in modules
    assert not [m for m in modules if m.split(".")[1] in EDGES]
    assert not [m for m in modules if _api_module(m)]


def test_every_context_serves_its_routers_once_asked() -> None:
    routers = context("products").api_routers()
    assert routers and any(route.path == "/api/v1/products" for r in routers for route in r.routes)  # type: ignore[attr-defined]
    assert context("products").api_routers() is routers  # imported once


def test_edges_have_no_tables_personal_data_or_jobs() -> None:
    """A one-off command (and the privacy registry) skips the edges: they must stay clients only.
    (``seed-demo`` builds the whole container: the web context seeds the demo storefront's layout.)"""
    import_all_models()
    for name in EDGES:
        spec = context(name)
        assert spec.edge and spec.personal_data is None and not spec.jobs
    assert not [name for name in CONTEXT_NAMES if name not in EDGES and context(name).edge]
    owners = {mapper.class_.__module__ for mapper in Base.registry.mappers}
    assert {"ecovarejo.users.models", "ecovarejo.ml.models"} <= owners  # every context's tables are mapped
    assert not [m for m in owners if m.split(".")[1] in EDGES]


def test_an_unknown_context_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown context"):
        context("nope")
