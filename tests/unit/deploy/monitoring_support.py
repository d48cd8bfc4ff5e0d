"""Reading deploy/monitoring: the PrometheusRule's rule groups, the dashboards' queries, the metric names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

MONITORING = Path(__file__).resolve().parents[3] / "deploy" / "monitoring"
#: Metrics from elsewhere: Prometheus itself and cert-manager.
EXTERNAL = {"up", "certmanager_certificate_expiration_timestamp_seconds"}
_NAME = re.compile(r"\b(ecovarejo_[a-z0-9_]+|certmanager_[a-z0-9_]+|up)\b")


def rule_groups() -> dict[str, Any]:
    return dict(yaml.safe_load((MONITORING / "prometheus-rules.yaml").read_text())["spec"])


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((MONITORING / "grafana").glob("*.json"))}


def dashboard_queries() -> list[str]:
    return [t["expr"] for d in dashboards().values() for p in d["panels"] for t in p["targets"]]


def all_queries() -> list[str]:
    return [r["expr"] for g in rule_groups()["groups"] for r in g["rules"]] + dashboard_queries()


def metric_names(queries: list[str]) -> set[str]:
    """Base metric names the queries use (``_total``/``_bucket``/``_count``/``_sum`` removed; a recording
    rule's name embeds its source metric, which is a real one too)."""
    return {re.sub(r"_(total|bucket|count|sum)$", "", n) for q in queries for n in _NAME.findall(q)} - EXTERNAL
