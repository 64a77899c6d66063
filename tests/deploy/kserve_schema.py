"""Strict JSON schemas for the KServe kinds the manifests use, offline.

The KServe SDK cannot be installed beside pipeserve (it needs protobuf >= 6; mediapipe pins
4.25), and its CRDs are too large to keep in the repository. So the KServe fields used here
are spelled out below from its published CRDs (serving.kserve.io ServingRuntime
v1alpha1, InferenceService v1beta1; unknown fields are errors, as a strict apiserver
reports them), and everything the CRDs take from Kubernetes itself (containers, probes,
volumes, affinity, ...) is checked against kubernetes-validate's own strict definitions.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
from kubernetes_validate import utils

K8S_VERSION = "1.30.0"
_STR: dict[str, Any] = {"type": "string"}
_INT: dict[str, Any] = {"type": "integer"}
_BOOL: dict[str, Any] = {"type": "boolean"}
_STR_MAP: dict[str, Any] = {"type": "object", "additionalProperties": _STR}
_OBJECT: dict[str, Any] = {"type": "object"}
PROTOCOLS = ("v1", "v2", "grpc-v1", "grpc-v2", "openAI")


def _k8s(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/io.k8s.{name}"}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _strict(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


POD_FIELDS: dict[str, Any] = {
    "affinity": _k8s("api.core.v1.Affinity"),
    "annotations": _STR_MAP,
    "labels": _STR_MAP,
    "nodeSelector": _STR_MAP,
    "tolerations": _array(_k8s("api.core.v1.Toleration")),
    "volumes": _array(_k8s("api.core.v1.Volume")),
    "imagePullSecrets": _array(_k8s("api.core.v1.LocalObjectReference")),
    "schedulerName": _STR,
    "hostIPC": _BOOL,
}
SERVING_RUNTIME_SPEC = _strict(
    {
        **POD_FIELDS,
        "supportedModelFormats": _array(
            _strict(
                {
                    "name": _STR,
                    "version": _STR,
                    "autoSelect": _BOOL,
                    "priority": {"type": "integer", "minimum": 1},
                },
                ("name",),
            )
        ),
        "protocolVersions": _array({"enum": list(PROTOCOLS)}),
        "multiModel": _BOOL,
        "disabled": _BOOL,
        "containers": _array(_k8s("api.core.v1.Container")),
        "replicas": _INT,
        "grpcEndpoint": _STR,
        "grpcDataEndpoint": _STR,
        "httpDataEndpoint": _STR,
        "builtInAdapter": _OBJECT,
        "storageHelper": _strict({"disabled": _BOOL}),
        "workerSpec": _OBJECT,
        "resourceClaims": _array(_OBJECT),
    },
    ("containers",),
)
MODEL_FIELDS: dict[str, Any] = {
    "modelFormat": _strict({"name": _STR, "version": _STR}, ("name",)),
    "runtime": _STR,
    "runtimeVersion": _STR,
    "storageUri": _STR,
    "protocolVersion": {"enum": list(PROTOCOLS)},
    "storage": _OBJECT,
}
PREDICTOR_FIELDS: dict[str, Any] = {
    **POD_FIELDS,
    "minReplicas": {"type": "integer", "minimum": 0},
    "maxReplicas": {"type": "integer", "minimum": 0},
    "scaleTarget": _INT,
    "scaleMetric": {"enum": ["cpu", "memory", "concurrency", "rps"]},
    "containerConcurrency": _INT,
    "timeout": _INT,
    "canaryTrafficPercent": _INT,
    "terminationGracePeriodSeconds": _INT,
    "serviceAccountName": _STR,
    "deploymentStrategy": _k8s("api.apps.v1.DeploymentStrategy"),
    "containers": _array(_k8s("api.core.v1.Container")),
}


def _document(kind: str, api_version: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _strict(
        {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": _k8s("apimachinery.pkg.apis.meta.v1.ObjectMeta"),
            "spec": spec,
        },
        ("apiVersion", "kind", "metadata", "spec"),
    )


def _schemas() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Kubernetes' strict definitions and the KServe kinds by ``apiVersion/kind``."""
    defs = utils.schema_contents(
        f"kubernetes-json-schema/v{K8S_VERSION}-local-strict/_definitions.json", K8S_VERSION
    )
    container = copy.deepcopy(defs["$defs"]["io.k8s.api.core.v1.Container"])
    model = {**container, "required": ["modelFormat"]}
    model["properties"] = {**container["properties"], **MODEL_FIELDS}
    predictor = _strict({**PREDICTOR_FIELDS, "model": model})
    isvc_spec = _strict({"predictor": predictor, "transformer": _OBJECT, "explainer": _OBJECT})
    kinds = {
        "serving.kserve.io/v1alpha1/ServingRuntime": _document(
            "ServingRuntime", "serving.kserve.io/v1alpha1", SERVING_RUNTIME_SPEC
        ),
        "serving.kserve.io/v1beta1/InferenceService": _document(
            "InferenceService", "serving.kserve.io/v1beta1", isvc_spec
        ),
    }
    return defs, kinds


def validate_kserve(resource: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``resource`` is a valid KServe object."""
    defs, kinds = _schemas()
    key = f"{resource['apiVersion']}/{resource['kind']}"
    if key not in kinds:
        raise jsonschema.ValidationError(f"not a KServe kind these schemas know: {key}")
    # The Kubernetes definitions refer to each other as "#/$defs/...": validate inside them.
    schema = {**json.loads(json.dumps(defs)), **kinds[key]}
    jsonschema.Draft202012Validator(schema).validate(resource)
