"""deploy/k8s renders (base + staging/production overlays), every object is valid against the Kubernetes
schemas (offline, kubernetes-validate), and the topology keeps its promises: the seed's HPA, probes,
security context, spread, PDBs, deny-all network policies, the pre-sync migration and Argo CD."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.unit.deploy.kustomize_lite import render

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.31.0"
OVERLAYS = ["staging", "production"]
HTTP_ROLES = {"api", "catalog", "checkout"}

# The seed's HorizontalPodAutoscaler (platform spec, "Performance e Escalabilidade"), verbatim.
SEED_HPA: dict[str, Any] = {
    "minReplicas": 3,
    "maxReplicas": 50,
    "metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
        {
            "type": "Resource",
            "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}},
        },
    ],
    "behavior": {
        "scaleUp": {
            "stabilizationWindowSeconds": 60,
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
        },
        "scaleDown": {
            "stabilizationWindowSeconds": 300,
            "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60}],
        },
    },
}


def _by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _role(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["labels"]["app.kubernetes.io/component"])


def _pod(obj: dict[str, Any]) -> dict[str, Any]:
    return dict(obj["spec"]["template"]["spec"])


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(K8S / "overlays" / request.param)


def test_every_object_is_valid_against_the_kubernetes_schemas(rendered) -> None:
    _, objects = rendered
    kinds = {o["kind"] for o in objects}
    assert {
        "Namespace",
        "ConfigMap",
        "ServiceAccount",
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "Job",
    } <= kinds
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)  # raises on any error


def test_a_broken_object_is_rejected_by_the_validator() -> None:
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {"replicas": "three"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)


def test_hpas_are_exactly_the_seeds(rendered) -> None:
    _, objects = rendered
    hpas = _by_kind(objects, "HorizontalPodAutoscaler")
    deployments = _by_kind(objects, "Deployment")
    assert {_role(h) for h in hpas.values()} == HTTP_ROLES
    for hpa in hpas.values():
        spec = dict(hpa["spec"])
        target = spec.pop("scaleTargetRef")
        assert target["kind"] == "Deployment" and target["name"] in deployments
        assert spec == SEED_HPA
        assert "replicas" not in deployments[target["name"]]["spec"]  # the HPA owns the count


def test_roles_probes_resources_and_spread(rendered) -> None:
    _, objects = rendered
    deployments = {_role(d): d for d in _by_kind(objects, "Deployment").values()}
    assert set(deployments) == HTTP_ROLES | {"worker", "relay"}
    commands = {role: _pod(d)["containers"][0]["command"] for role, d in deployments.items()}
    assert commands["catalog"][-2:] == ["--services", "products"]
    assert "--services" not in commands["api"] and "--no-embedded-workers" in commands["api"]
    assert "orders" in commands["checkout"][-1] and "payments" in commands["checkout"][-1]
    assert commands["worker"] == ["ecovarejo", "worker", "--no-relay"]
    assert commands["relay"] == ["ecovarejo", "relay"]
    for role, dep in deployments.items():
        pod = _pod(dep)
        [container] = pod["containers"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
        spread = pod["topologySpreadConstraints"]
        assert {c["topologyKey"] for c in spread} == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
        assert all(c["labelSelector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"] for c in spread)
        if role in HTTP_ROLES:
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        else:  # workers and relays: the ops port (ECOVAREJO_OPS_PORT) probed and scraped
            env = {e["name"]: e["value"] for e in container["env"]}
            assert env["ECOVAREJO_OPS_PORT"] == "9000" and env["ECOVAREJO_OPS_HOST"] == "0.0.0.0"
            assert container["ports"] == [{"name": "ops", "containerPort": 9000, "protocol": "TCP"}]
            for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/livez"), ("startupProbe", "/livez")):
                assert container[probe]["httpGet"] == {"path": path, "port": "ops"}
            annotations = dep["spec"]["template"]["metadata"]["annotations"]
            assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "9000"


def test_every_pod_runs_restricted(rendered) -> None:
    _, objects = rendered
    for obj in objects:
        if obj["kind"] not in {"Deployment", "Job"}:
            continue
        pod = _pod(obj)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            sc = container["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            assert not sc.get("privileged")
            # The only writable path is an emptyDir at /tmp (ECOVAREJO_DATA_DIR lives there).
            assert [m["mountPath"] for m in container["volumeMounts"]] == ["/tmp"]


def test_services_ingress_pdbs_point_at_real_pods(rendered) -> None:
    name, objects = rendered
    deployments = _by_kind(objects, "Deployment")
    services = _by_kind(objects, "Service")
    labels_of = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]

    def selects(selector: dict[str, str]) -> int:
        return sum(all(lbl.get(k) == v for k, v in selector.items()) for lbl in labels_of)

    for svc in services.values():
        assert selects(svc["spec"]["selector"]) == 1
    for pdb in _by_kind(objects, "PodDisruptionBudget").values():
        assert selects(pdb["spec"]["selector"]["matchLabels"]) == 1
    assert {_role(p) for p in _by_kind(objects, "PodDisruptionBudget").values()} == HTTP_ROLES | {"worker", "relay"}
    [ingress] = _by_kind(objects, "Ingress").values()
    hosts = {r["host"] for r in ingress["spec"]["rules"]}
    assert hosts == set(ingress["spec"]["tls"][0]["hosts"])  # every host is served over TLS
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    backends = {
        p["path"]: p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]
    }
    assert set(backends.values()) <= set(services)
    assert backends["/api/v1/products"] == "ecovarejo-catalog"
    assert backends["/api/v1/orders"] == "ecovarejo-checkout"
    assert backends["/"] == "ecovarejo-api"
    [config] = _by_kind(objects, "ConfigMap").values()
    assert config["data"]["ECOVAREJO_ENV"] == name
    [namespace] = _by_kind(objects, "Namespace").values()
    assert all(o["metadata"].get("namespace") == namespace["metadata"]["name"] for o in objects if o is not namespace)


def test_network_policies_deny_by_default_and_allow_only_listed_flows(rendered) -> None:
    _, objects = rendered
    policies = _by_kind(objects, "NetworkPolicy")
    deny = policies["default-deny-all"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny
    ingress_rules = {p["metadata"]["name"]: p for p in policies.values() if p["spec"].get("ingress")}
    assert set(ingress_rules) == {"allow-http-from-ingress-and-monitoring", "allow-ops-from-monitoring"}
    [rule] = ingress_rules["allow-http-from-ingress-and-monitoring"]["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    allowed_to = ingress_rules["allow-http-from-ingress-and-monitoring"]["spec"]["podSelector"]["matchExpressions"]
    assert set(allowed_to[0]["values"]) == HTTP_ROLES
    # workers and relays accept only Prometheus, on their ops port
    [ops] = ingress_rules["allow-ops-from-monitoring"]["spec"]["ingress"]
    assert ops["ports"] == [{"protocol": "TCP", "port": 9000}]
    assert [p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in ops["from"]] == ["monitoring"]
    ops_roles = ingress_rules["allow-ops-from-monitoring"]["spec"]["podSelector"]["matchExpressions"][0]["values"]
    assert set(ops_roles) == {"worker", "relay"}
    relay_ports = {
        port["port"]
        for p in policies.values()
        for sel in [p["spec"]["podSelector"]]
        if "relay" in (sel.get("matchExpressions") or [{"values": []}])[0]["values"]
        for rule in p["spec"].get("egress", [])
        for port in rule["ports"]
    }
    assert relay_ports == {5432, 4222, 9092}  # the relay talks to the database and the broker only


def test_migrations_run_as_an_argo_cd_pre_sync_hook(rendered) -> None:
    _, objects = rendered
    job = _by_kind(objects, "Job")["ecovarejo-migrate"]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    assert _pod(job)["containers"][0]["command"] == ["ecovarejo", "migrate"]
    assert _pod(job)["restartPolicy"] == "Never"


@pytest.mark.parametrize("env", OVERLAYS)
def test_argo_cd_application_syncs_its_overlay(env: str) -> None:
    app = yaml.safe_load((K8S / "argocd" / f"ecovarejo-{env}.yaml").read_text())
    assert app["apiVersion"] == "argoproj.io/v1alpha1" and app["kind"] == "Application"
    assert app["metadata"]["namespace"] == "argocd"
    assert app["spec"]["source"]["path"] == f"deploy/k8s/overlays/{env}"
    assert (ROOT / app["spec"]["source"]["path"] / "kustomization.yaml").is_file()
    [namespace] = _by_kind(render(ROOT / app["spec"]["source"]["path"]), "Namespace").values()
    assert app["spec"]["destination"]["namespace"] == namespace["metadata"]["name"]
    policy = app["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}
    assert "CreateNamespace=true" in policy["syncOptions"]


def test_production_is_the_seeds_namespace() -> None:
    objects = render(K8S / "overlays" / "production")
    [namespace] = _by_kind(objects, "Namespace").values()
    assert namespace["metadata"]["name"] == "ecovarejo-prod"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert _by_kind(objects, "ConfigMap")["ecovarejo-config"]["data"]["ECOVAREJO_ENV"] == "production"
