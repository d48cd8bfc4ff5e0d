"""The alert rules pass promtool (syntax and the alert unit tests in rules-tests.yaml), the Alertmanager
example passes amtool, and every dashboard query is valid PromQL."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.unit.deploy.monitoring_support import MONITORING, dashboard_queries, dashboards, rule_groups

ALERTS = {
    "EcoVarejoHighErrorRate",
    "EcoVarejoHighLatencyP99",
    "EcoVarejoOutboxLag",
    "EcoVarejoDeadLettersGrowing",
    "EcoVarejoConsumerLag",
    "EcoVarejoPaymentProviderCircuitOpen",
    "EcoVarejoReservationExpiryBacklog",
    "EcoVarejoSigningKeyRotationDue",
    "EcoVarejoCertificateExpiring",
}


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: scripts/test-deps.sh installs it (Debian: prometheus, prometheus-alertmanager)"
    return path


def _run(*args: str, cwd: Path | None = None) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_prometheus_rules_pass_promtool_and_their_unit_tests(tmp_path: Path) -> None:
    rules = yaml.safe_load((MONITORING / "prometheus-rules.yaml").read_text())
    assert rules["apiVersion"] == "monitoring.coreos.com/v1" and rules["kind"] == "PrometheusRule"
    (tmp_path / "ecovarejo.rules.yml").write_text(yaml.safe_dump(rules["spec"]))
    out = _run(_tool("promtool"), "check", "rules", "ecovarejo.rules.yml", cwd=tmp_path)
    assert "SUCCESS" in out
    shutil.copy(MONITORING / "rules-tests.yaml", tmp_path / "rules-tests.yaml")
    assert "SUCCESS" in _run(_tool("promtool"), "test", "rules", "rules-tests.yaml", cwd=tmp_path)


def test_every_alert_the_issue_asks_for_exists_with_a_runbook() -> None:
    alerts = {r["alert"]: r for g in rule_groups()["groups"] for r in g["rules"] if "alert" in r}
    assert ALERTS <= set(alerts)
    runbooks = (MONITORING.parents[1] / "docs" / "operations.md").read_text()
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"critical", "warning"}
        anchor = rule["annotations"]["runbook_url"].rsplit("#", 1)[1]
        assert anchor == f"runbook-{name.lower()}"
        assert f"### Runbook: {name}" in runbooks, f"docs/operations.md has no runbook for {name}"


def test_alertmanager_example_passes_amtool() -> None:
    assert "SUCCESS" in _run(_tool("amtool"), "check-config", str(MONITORING / "alertmanager.yaml"))


def test_dashboards_are_valid_and_their_queries_are_promql(tmp_path: Path) -> None:
    boards = dashboards()
    assert set(boards) == {
        "platform-overview",
        "checkout-payments",
        "catalog-search",
        "events",
        "analytics-sustainability",
    }
    assert len({b["uid"] for b in boards.values()}) == len(boards)
    for board in boards.values():
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)) and ids
    queries = dashboard_queries()
    # promtool parses every query as a recording rule: a typo in any panel fails here.
    groups = {
        "groups": [{"name": "dashboards", "rules": [{"record": f"q:{i}", "expr": q} for i, q in enumerate(queries)]}]
    }
    (tmp_path / "dashboards.rules.yml").write_text(yaml.safe_dump(groups))
    # $datasource-style Grafana variables are not used inside queries, so they parse as plain PromQL.
    assert "SUCCESS" in _run(_tool("promtool"), "check", "rules", "dashboards.rules.yml", cwd=tmp_path)
