"""The optional mesh overlay (deploy/k8s/overlays/mesh): Istio mTLS STRICT and AuthorizationPolicies that
allow exactly the inbound flows the NetworkPolicies allow, and Kyverno policies that every pod of the
manifests passes. No CRD schemas offline: the structure is checked here, the built-in objects against the
Kubernetes schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate

from tests.unit.deploy.kustomize_lite import render
from tests.unit.deploy.test_k8s_manifests import KUBERNETES_VERSION

MESH = Path(__file__).resolve().parents[3] / "deploy" / "k8s" / "overlays" / "mesh"


def _objects() -> list[dict[str, Any]]:
    return render(MESH)


def _kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def matches(pattern: Any, value: Any) -> bool:
    """Kyverno's plain pattern semantics: maps match key by key, a one-element list matches every element."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and matches(p, value[k]) for k, p in pattern.items())
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return False
        if len(pattern) == 1 and isinstance(pattern[0], dict):
            return all(matches(pattern[0], v) for v in value)
        return pattern == value
    return bool(pattern == value)


def test_builtin_objects_still_validate_and_the_namespace_gets_sidecars() -> None:
    objects = _objects()
    builtin = [o for o in objects if "istio.io" not in o["apiVersion"] and "kyverno.io" not in o["apiVersion"]]
    for obj in builtin:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    [ns] = _kind(objects, "Namespace")
    assert ns["metadata"]["labels"]["istio-injection"] == "enabled"
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"  # kept from the base


def test_mtls_is_strict_for_the_whole_namespace() -> None:
    objects = _objects()
    [ns] = _kind(objects, "Namespace")
    [peer] = _kind(objects, "PeerAuthentication")
    assert peer["apiVersion"] == "security.istio.io/v1"
    assert peer["metadata"]["namespace"] == ns["metadata"]["name"]
    assert "selector" not in peer["spec"] and peer["spec"]["mtls"] == {"mode": "STRICT"}


def _network_policy_inbound(objects: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    flows = set()
    for policy in _kind(objects, "NetworkPolicy"):
        spec = policy["spec"]
        if not spec.get("ingress"):
            continue
        roles = spec["podSelector"]["matchExpressions"][0]["values"]
        for rule in spec["ingress"]:
            for peer in rule["from"]:
                namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                for port in rule["ports"]:
                    flows |= {(namespace, role, str(port["port"])) for role in roles}
    return flows


def _authorization_inbound(objects: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    flows = set()
    for policy in _kind(objects, "AuthorizationPolicy"):
        spec = policy["spec"]
        if not spec:
            continue
        assert spec["action"] == "ALLOW"
        role = spec["selector"]["matchLabels"]["app.kubernetes.io/component"]
        for rule in spec["rules"]:
            namespaces = [n for f in rule["from"] for n in f["source"]["namespaces"]]
            ports = [p for t in rule["to"] for p in t["operation"]["ports"]]
            flows |= {(n, role, p) for n in namespaces for p in ports}
    return flows


def test_authorization_policies_allow_exactly_the_network_policies_flows() -> None:
    objects = _objects()
    [ns] = _kind(objects, "Namespace")
    policies = _kind(objects, "AuthorizationPolicy")
    assert all(p["metadata"]["namespace"] == ns["metadata"]["name"] for p in policies)
    assert [p["metadata"]["name"] for p in policies if p["spec"] == {}] == ["deny-all"]  # deny by default
    inbound = _network_policy_inbound(objects)
    assert inbound == _authorization_inbound(objects)
    assert ("ingress-nginx", "checkout", "8000") in inbound
    # workers and relays: Prometheus on their ops port only
    assert {f for f in inbound if f[1] in {"worker", "relay"}} == {
        ("monitoring", "worker", "9000"),
        ("monitoring", "relay", "9000"),
    }
    # every selector selects a real Deployment's pods
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in _kind(objects, "Deployment")]
    for policy in policies:
        if policy["spec"]:
            selector = policy["spec"]["selector"]["matchLabels"]
            assert sum(all(lbl.get(k) == v for k, v in selector.items()) for lbl in pod_labels) == 1


def test_kyverno_enforces_the_security_context_and_every_pod_passes() -> None:
    objects = _objects()
    [policy] = _kind(objects, "ClusterPolicy")
    assert policy["apiVersion"] == "kyverno.io/v1"
    assert policy["spec"]["validationFailureAction"] == "Enforce"
    rules = {r["name"]: r for r in policy["spec"]["rules"]}
    assert {"run-as-non-root", "read-only-root-filesystem", "no-privilege-escalation", "drop-all-capabilities"} <= set(
        rules
    )
    pods = [o["spec"]["template"] for o in objects if o["kind"] in {"Deployment", "Job"}]
    assert len(pods) == 6
    for rule in rules.values():
        assert rule["match"]["any"][0]["resources"]["kinds"] == ["Pod"]
        for pod in pods:
            assert matches(rule["validate"]["pattern"], pod), (rule["name"], pod["metadata"]["labels"])
    # and the policy would refuse a privileged, writable, root pod
    bad = {"spec": {"securityContext": {}, "containers": [{"name": "x", "securityContext": {"privileged": True}}]}}
    assert not any(matches(r["validate"]["pattern"], bad) for r in rules.values())
