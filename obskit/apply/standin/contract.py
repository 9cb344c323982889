"""The contracts the stand-in checks its clients against: Grafana's OpenAPI subset for ``/api``
(:class:`Contract`: path, method, query parameters and JSON bodies, both ways) and the Kubernetes
conventions of the resource API for ``/apis`` (:func:`check_resource_request`,
:func:`check_resource_response`). Mismatches are text, collected in ``GrafanaStandin.violations``."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional

import jsonschema

from obskit.apply.standin.resource import RESOURCES

# Statuses Grafana documents (or its code returns) that the OpenAPI subset does not list.
def _default_contract() -> Path:
    """The contract next to the tests (a source checkout), for ``Contract()`` without arguments."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "tests" / "fixtures" / "grafana-http" / "openapi-subset.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("no Grafana HTTP contract (openapi-subset.json) found; pass its path")


KNOWN_GAPS = {
    ("DELETE", "/dashboards/uid/{uid}", 400),  # "provisioned dashboard cannot be deleted" (dashboards/errors.go)
    ("POST", "/datasources", 400),             # invalid uid / missing name (datasources API)
    ("PUT", "/datasources/uid/{uid}", 400),
    ("PUT", "/datasources/uid/{uid}", 404),    # "Data source not found"
    ("PUT", "/folders/{folder_uid}", 412),     # version-mismatch: folder.md and pkg/api/apierrors/folder.go
}


def load_contract(path: "str | Path") -> Dict[str, Any]:
    return json.loads(Path(path).read_text())


class Contract:
    """Path matching and schema validation against the OpenAPI subset."""

    def __init__(self, spec: "Optional[Dict[str, Any]] | str | Path" = None):
        if spec is None or isinstance(spec, (str, Path)):
            spec = load_contract(spec if spec is not None else _default_contract())
        self.spec = spec
        self.base = self.spec.get("servers", [{"url": "/api"}])[0]["url"].rstrip("/")
        self.routes: List[Tuple[re.Pattern, str]] = []
        for template in self.spec["paths"]:
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$"
            self.routes.append((re.compile(rx), template))
        self._validators: Dict[str, Any] = {}

    def match(self, path: str) -> Optional[str]:
        if not path.startswith(self.base + "/"):
            return None
        rel = path[len(self.base):]
        for rx, template in self.routes:
            if rx.match(rel):
                return template
        return None

    def _validator(self, schema: Dict[str, Any]):
        key = json.dumps(schema, sort_keys=True)
        v = self._validators.get(key)
        if v is None:
            full = {**schema, "components": self.spec["components"]}
            v = jsonschema.Draft202012Validator(full)
            self._validators[key] = v
        return v

    def operation(self, template: str, method: str) -> Optional[Dict[str, Any]]:
        return self.spec["paths"].get(template, {}).get(method.lower())

    def check_request(self, method: str, path: str, query: Dict[str, List[str]], body: Any) -> List[str]:
        template = self.match(path)
        if template is None:
            return [f"{method} {path}: path not in the contract"]
        op = self.operation(template, method)
        if op is None:
            return [f"{method} {template}: method not in the contract"]
        problems = []
        declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
        for name in query:
            if name not in declared:
                problems.append(f"{method} {template}: undeclared query parameter {name!r}")
        rb = op.get("requestBody")
        if rb is not None:
            schema = rb["content"]["application/json"]["schema"]
            if body is None and rb.get("required"):
                problems.append(f"{method} {template}: request body required")
            elif body is not None:
                for e in self._validator(schema).iter_errors(body):
                    problems.append(f"{method} {template}: request body: {e.message} at {list(e.absolute_path)}")
        elif body is not None:
            problems.append(f"{method} {template}: the contract takes no request body")
        return problems

    def response_schema(self, template: str, method: str, status: int) -> Optional[Dict[str, Any]]:
        op = self.operation(template, method)
        if op is None:
            return None
        resp = op.get("responses", {}).get(str(status))
        if resp is None:
            return None
        if "$ref" in resp:
            resp = self.spec["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
        content = resp.get("content", {}).get("application/json")
        return content["schema"] if content else {}

    def check_response(self, method: str, path: str, status: int, body: Any) -> List[str]:
        template = self.match(path)
        if template is None:
            return []
        op = self.operation(template, method)
        if op is None:
            return []
        if str(status) not in op.get("responses", {}):
            if (method, template, status) in KNOWN_GAPS:
                return []
            return [f"{method} {template}: status {status} not in the contract"]
        schema = self.response_schema(template, method, status)
        if not schema:
            return []
        return [f"{method} {template} -> {status}: response body: {e.message}"
                for e in self._validator(schema).iter_errors(body)]


# -- checking /apis requests and responses against the Kubernetes conventions ----------------------
_K8S_PATH = re.compile(r"^/apis(?:/(?P<group>[^/]+)(?:/(?P<version>[^/]+)(?:/namespaces/(?P<ns>[^/]+)/"
                       r"(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?)?)?)?$")


def check_resource_request(standin: "GrafanaStandin", method: str, path: str, query: Dict[str, List[str]],
                           body: Any) -> List[str]:
    """What a well-behaved client of Grafana's resource API sends (problems as text)."""
    m = _K8S_PATH.match(path)
    if not m:
        return [f"{method} {path}: not a resource API path"]
    group, version, plural, name = m.group("group"), m.group("version"), m.group("plural"), m.group("name")
    problems = []
    if group and group not in standin.resource_versions:
        problems.append(f"{method} {path}: group {group!r} is not published by this server")
    elif version and version not in standin.resource_versions.get(group, ()):
        problems.append(f"{method} {path}: version {version!r} of {group} is not published by this server")
    if plural and group in RESOURCES and plural != RESOURCES[group][0]:
        problems.append(f"{method} {path}: {group} has no resource {plural!r}")
    collection = plural is not None and name is None
    allowed = {"GET": {"limit", "continue"} if collection else set(), "POST": set(), "PUT": set(), "DELETE": set()}
    if method not in allowed or (method == "POST" and not collection) or (method in ("PUT", "DELETE") and not name):
        problems.append(f"{method} {path}: method not allowed there")
        return problems
    for key in query:
        if key not in allowed[method]:
            problems.append(f"{method} {path}: undeclared query parameter {key!r}")
    if method in ("POST", "PUT"):
        kind = RESOURCES.get(group, ("", ""))[1]
        if not isinstance(body, dict):
            problems.append(f"{method} {path}: request body must be a {kind} object")
        else:
            if body.get("apiVersion") != f"{group}/{version}" or body.get("kind") != kind:
                problems.append(f"{method} {path}: apiVersion/kind {body.get('apiVersion')}/{body.get('kind')} do "
                                f"not match the URL")
            meta = body.get("metadata")
            if not isinstance(meta, dict) or not meta.get("name"):
                problems.append(f"{method} {path}: metadata.name missing")
            elif method == "PUT" and meta.get("name") != name:
                problems.append(f"{method} {path}: metadata.name differs from the URL")
            elif method == "PUT" and not meta.get("resourceVersion"):
                problems.append(f"{method} {path}: an update without metadata.resourceVersion overwrites blindly")
            if not isinstance(body.get("spec"), dict):
                problems.append(f"{method} {path}: spec missing")
            unknown = set(body) - {"apiVersion", "kind", "metadata", "spec", "status"}
            if unknown:
                problems.append(f"{method} {path}: unknown top-level fields {sorted(unknown)}")
    elif body is not None:
        problems.append(f"{method} {path}: no request body expected")
    return problems


def check_resource_response(method: str, path: str, status: int, body: Any) -> List[str]:
    """The stand-in's own answers: Kubernetes objects, lists and Status documents."""
    where = f"{method} {path} -> {status}"
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
        return [f"{where}: not a Kubernetes object"]
    if status >= 400 or body.get("kind") == "Status":
        if body.get("kind") != "Status" or (status >= 400 and body.get("code") != status):
            return [f"{where}: an error must be a Status with its code"]
        return []
    if body["kind"].endswith("List") and body["kind"] not in ("APIGroupList", "APIResourceList"):
        if not isinstance(body.get("items"), list) or not isinstance(body.get("metadata"), dict):
            return [f"{where}: a list needs items and metadata"]
        return []
    if body["kind"] in ("APIGroupList", "APIGroup", "APIResourceList"):
        return []
    meta = body.get("metadata")
    if not isinstance(meta, dict) or not meta.get("name") or not meta.get("resourceVersion"):
        return [f"{where}: an object needs metadata.name and metadata.resourceVersion"]
    return []

