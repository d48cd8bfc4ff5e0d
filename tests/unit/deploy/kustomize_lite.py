"""A small Kustomize renderer for the subset deploy/k8s uses, so CI can render the manifests offline.

Supported, with Kustomize's semantics: ``resources`` (files and directories holding a
kustomization.yaml), ``namespace`` (set on namespaced objects; a Namespace object is renamed),
``labels`` (``pairs`` added to ``metadata.labels``), ``images`` (``newName``/``newTag``) and
``patches`` (strategic merge patches from ``path``: maps merge, lists of maps merge by ``name``, other
lists are replaced). Anything else raises, so the manifests never silently use a field this
renderer ignores. ``kubectl kustomize deploy/k8s/overlays/production`` renders the same objects.

Usage: ``python -m tests.unit.deploy.kustomize_lite deploy/k8s/overlays/production``
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass"}

Obj = dict[str, Any]


def _load_all(path: Path) -> list[Obj]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def merge(base: Any, patch: Any) -> Any:
    """Strategic merge: maps merge key by key, lists of named maps merge by name, other lists replace."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    if (
        isinstance(base, list)
        and isinstance(patch, list)
        and all(isinstance(i, dict) and "name" in i for i in base + patch)
    ):
        merged = [copy.deepcopy(i) for i in base]
        for item in patch:
            for idx, existing in enumerate(merged):
                if existing["name"] == item["name"]:
                    merged[idx] = merge(existing, item)
                    break
            else:
                merged.append(copy.deepcopy(item))
        return merged
    return copy.deepcopy(patch)


def _containers(obj: Obj) -> list[Obj]:
    spec = obj.get("spec", {})
    pod = spec.get("template", {}).get("spec", {}) if obj["kind"] != "Pod" else spec
    if obj["kind"] == "CronJob":
        pod = spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    return list(pod.get("containers", [])) + list(pod.get("initContainers", []))


def render(directory: str | Path) -> list[Obj]:
    root = Path(directory)
    kust = yaml.safe_load((root / "kustomization.yaml").read_text())
    unknown = set(kust) - SUPPORTED
    if unknown:
        raise ValueError(f"{root}/kustomization.yaml uses unsupported fields: {sorted(unknown)}")
    objects: list[Obj] = []
    for entry in kust.get("resources", []):
        target = root / entry
        objects += render(target) if target.is_dir() else _load_all(target)
    for patch_entry in kust.get("patches", []):
        if set(patch_entry) != {"path"}:
            raise ValueError(f"only strategic merge patches by path are supported: {patch_entry}")
        for patch in _load_all(root / patch_entry["path"]):
            matches = [
                i
                for i, o in enumerate(objects)
                if o["kind"] == patch["kind"] and o["metadata"]["name"] == patch["metadata"]["name"]
            ]
            if len(matches) != 1:
                raise ValueError(f"patch {patch['kind']}/{patch['metadata']['name']} matches {len(matches)} objects")
            objects[matches[0]] = merge(objects[matches[0]], patch)
    for label_set in kust.get("labels", []):
        if set(label_set) - {"pairs"}:
            raise ValueError(f"only label pairs are supported: {label_set}")
        for obj in objects:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(label_set["pairs"])
    for image in kust.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                name, _, _ = str(container.get("image", "")).partition(":")
                if name == image["name"]:
                    container["image"] = f"{image.get('newName', name)}:{image.get('newTag', 'latest')}"
    namespace = kust.get("namespace")
    if namespace:
        for obj in objects:
            if obj["kind"] == "Namespace":
                obj["metadata"]["name"] = namespace
            elif obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = namespace
    return objects


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(yaml.safe_dump_all(render(argv[1]), sort_keys=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
