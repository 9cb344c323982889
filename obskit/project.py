"""The explicit project object: every definition found in a project directory, and its settings."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping, Optional, Tuple, Type, TypeVar

from obskit.duration import Duration
from obskit.model.slo import SLO

T = TypeVar("T")


_HTTP_URL = re.compile(r"^https?://[^\s/?#]+[^\s?#]*$")                   # [grafana] url: no query
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")                       # RFC 1123 label, <= 63
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")  # <= 253
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")          # <= 63
#: ``alertmanagerConfigMatcherStrategy.type`` values of the Alertmanager object (operator v0.93.0)
MATCHER_STRATEGIES = ("OnNamespace", "OnNamespaceExceptForAlertmanagerNamespace", "None")
#: how dashboards are shipped into the cluster: ``[kubernetes] dashboards``
DASHBOARD_FORMATS = ("configmap", "grafana-operator", "both", "none")


def _check_dns_label(what: str, value) -> None:
    if not isinstance(value, str) or len(value) > 63 or not _DNS_LABEL.match(value):
        raise ValueError(f"{what} = {value!r} is not a Kubernetes namespace/label name (lowercase letters, "
                         "digits and '-', starting and ending with a letter or digit, at most 63 characters)")


def _check_label_key(what: str, key) -> None:
    if not isinstance(key, str) or not key:
        raise ValueError(f"{what}: key {key!r} must be a non-empty string")
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise ValueError(f"{what}: key {key!r} has an invalid prefix {prefix!r} (a DNS subdomain such as "
                         "'example.com')")
    if len(name) > 63 or not _LABEL_NAME.match(name):
        raise ValueError(f"{what}: key {key!r} is not a valid Kubernetes label/annotation key (letters, digits, "
                         "'-', '_', '.', starting and ending with a letter or digit, at most 63 characters after "
                         "an optional 'prefix/')")


def _pairs(what: str, value, label_values: bool) -> Tuple[Tuple[str, str], ...]:
    """A TOML inline table of string values → sorted ``((key, value), ...)`` (immutable, deterministic)."""
    if isinstance(value, (tuple, list)):
        value = dict(value)
    if not isinstance(value, dict):
        raise ValueError(f"{what} must be a table of strings, e.g. {what} = {{ release = \"kube-prometheus-stack\" }}")
    out = []
    for k, v in value.items():
        _check_label_key(what, k)
        if not isinstance(v, str):
            raise ValueError(f"{what}: value of {k!r} must be a string (quote it: {k} = \"{v}\"), got {v!r}")
        if label_values and v and (len(v) > 63 or not _LABEL_NAME.match(v)):
            raise ValueError(f"{what}: value {v!r} of {k!r} is not a valid Kubernetes label value (letters, "
                             "digits, '-', '_', '.', at most 63 characters)")
        out.append((k, v))
    return tuple(sorted(out))


@dataclass(frozen=True)
class KubernetesSettings:
    """``obskit.toml``'s ``[kubernetes]`` table: how generated Kubernetes objects land in a cluster
    (docs/kubernetes.md, "Deploying into kube-prometheus-stack"). Tables (labels, annotations,
    selectors) are kept as sorted ``((key, value), ...)`` tuples."""

    namespace: Optional[str] = None              # of every object; falls back to [project] namespace
    labels: Tuple[Tuple[str, str], ...] = ()     # on every object, e.g. { release = "kube-prometheus-stack" }
    annotations: Tuple[Tuple[str, str], ...] = ()  # on every object
    name_prefix: str = "obskit"                  # object names: <prefix>-<service>, <prefix>-<group>-rules, ...
    alertmanager_config_name: str = "obskit"     # the AlertmanagerConfig's name (receivers become <ns>/<name>/<r>)
    matcher_strategy: str = "OnNamespace"        # the Alertmanager object's alertmanagerConfigMatcherStrategy.type
    alertmanager_namespace: Optional[str] = None  # the Alertmanager object's namespace (OnNamespaceExcept...)
    namespace_label: bool = True                 # SLO alerts carry namespace="<namespace>" when the strategy needs it
    dashboards: Optional[str] = None             # configmap | grafana-operator | both | none; unset: configmap with Kubernetes settings, else none
    dashboard_namespace: Optional[str] = None    # of the dashboard objects (default: namespace)
    dashboard_label: str = "grafana_dashboard"   # the Grafana sidecar's sidecar.dashboards.label
    dashboard_label_value: str = "1"             # ... and sidecar.dashboards.labelValue
    dashboard_folder_annotation: str = "grafana_folder"  # the sidecar's sidecar.dashboards.folderAnnotation ("" = none)
    grafana_instance_selector: Tuple[Tuple[str, str], ...] = (("dashboards", "grafana"),)  # GrafanaDashboard spec

    def __post_init__(self):
        for name in ("namespace", "alertmanager_namespace", "dashboard_namespace"):
            if getattr(self, name) is not None:
                _check_dns_label(name, getattr(self, name))
        for name, label_values in (("labels", True), ("annotations", False), ("grafana_instance_selector", True)):
            object.__setattr__(self, name, _pairs(name, getattr(self, name), label_values))
        if not isinstance(self.name_prefix, str) or len(self.name_prefix) > 40 or not _DNS_LABEL.match(self.name_prefix):
            raise ValueError(f"name_prefix = {self.name_prefix!r} must be lowercase letters, digits and '-' "
                             "(at most 40 characters), e.g. \"obskit\"")
        name = self.alertmanager_config_name
        if not isinstance(name, str) or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
            raise ValueError(f"alertmanager_config_name = {name!r} is not a Kubernetes object name")
        if self.matcher_strategy not in MATCHER_STRATEGIES:
            raise ValueError(f"matcher_strategy = {self.matcher_strategy!r}; known: {', '.join(MATCHER_STRATEGIES)} "
                             "(the Alertmanager object's spec.alertmanagerConfigMatcherStrategy.type)")
        if self.matcher_strategy == "OnNamespaceExceptForAlertmanagerNamespace" and self.alertmanager_namespace is None:
            raise ValueError("matcher_strategy = \"OnNamespaceExceptForAlertmanagerNamespace\" needs "
                             "alertmanager_namespace (the namespace of the Alertmanager object)")
        if not isinstance(self.namespace_label, bool):
            raise ValueError(f"namespace_label must be true or false, got {self.namespace_label!r}")
        if self.dashboards is not None and self.dashboards not in DASHBOARD_FORMATS:
            raise ValueError(f"dashboards = {self.dashboards!r}; known: {', '.join(DASHBOARD_FORMATS)}")
        _check_label_key("dashboard_label", self.dashboard_label)
        _pairs("dashboard_label_value", {self.dashboard_label: self.dashboard_label_value}, True)
        if self.dashboard_folder_annotation:
            _check_label_key("dashboard_folder_annotation", self.dashboard_folder_annotation)
        elif self.dashboard_folder_annotation != "":
            raise ValueError("dashboard_folder_annotation must be a string (\"\" for none)")


def kubernetes_namespace(settings: "Settings") -> Optional[str]:
    """The namespace of generated Kubernetes objects: ``[kubernetes] namespace``, else ``[project] namespace``."""
    return settings.kubernetes.namespace or settings.namespace


def alert_namespace(settings: "Settings") -> Optional[str]:
    """The ``namespace`` label value an alert needs to be routed by the AlertmanagerConfig, as the
    operator rewrites it under ``matcher_strategy``; None when no namespace matcher is added (strategy
    ``None``, the Alertmanager's own namespace under ``OnNamespaceExceptForAlertmanagerNamespace``, or
    no namespace known)."""
    k8s = settings.kubernetes
    namespace = kubernetes_namespace(settings)
    if namespace is None or k8s.matcher_strategy == "None":
        return None
    if k8s.matcher_strategy == "OnNamespaceExceptForAlertmanagerNamespace" and namespace == k8s.alertmanager_namespace:
        return None
    return namespace


#: Grafana datasource types obskit provisions or references by a configurable uid
GRAFANA_DATASOURCE_TYPES = ("prometheus", "loki", "tempo", "jaeger")
#: default datasource uids: kube-prometheus-stack's Grafana names its Prometheus datasource's uid "prometheus"
DEFAULT_DATASOURCE_UIDS = {kind: kind for kind in GRAFANA_DATASOURCE_TYPES}
#: the Grafana release dashboards target when ``[grafana] version`` is not set
DEFAULT_GRAFANA_VERSION = "12"
#: dashboard schema v2 (``elements`` + ``layout``) arrived in this Grafana release
GRAFANA_SCHEMA_V2_SINCE = 12
_GRAFANA_UID = re.compile(r"[a-zA-Z0-9_-]{1,40}")


def _grafana_major(version: str) -> Optional[int]:
    match = re.match(r"(\d+)(\.\d+)*$", version)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class GrafanaSettings:
    """``obskit.toml``'s ``[grafana]`` table: the Grafana the dashboards land in (docs/dashboards.md)."""

    # --- dashboards and datasources (docs/dashboards.md, "Settings") ---
    version: Optional[str] = None            # Grafana release dashboards target ("11", "12", "13"); None: "12"
    schema: str = "v1"                       # dashboard model written: "v1" (classic JSON) or "v2" (Grafana 12+)
    datasources: Optional[Tuple[Tuple[str, str], ...]] = None   # { prometheus|loki|tempo|jaeger = URL }: only
    #                                        these are provisioned; kept as sorted ((type, URL), ...)
    # the uid dashboards use for each type (the ${datasource} variable's default; legacy names such as
    # "Prometheus" in authored dashboards) and that a provisioned datasource of that type gets
    prometheus_datasource_uid: str = DEFAULT_DATASOURCE_UIDS["prometheus"]
    loki_datasource_uid: str = DEFAULT_DATASOURCE_UIDS["loki"]
    tempo_datasource_uid: str = DEFAULT_DATASOURCE_UIDS["tempo"]
    jaeger_datasource_uid: str = DEFAULT_DATASOURCE_UIDS["jaeger"]
    # --- alerts (docs/slos.md, "Alert annotations") ---
    url: Optional[str] = None                # Grafana's base URL: SLO alerts link their dashboard (dashboard_url)
    # --- obskit apply / diff (docs/apply.md); the command-line options win over these ---
    api: str = "auto"                        # Grafana API apply uses: auto (by /api/health's version), legacy or resource
    org_id: Optional[int] = None             # the org apply writes to (resource API namespace org-<id>; 1 is "default")
    api_namespace: Optional[str] = None      # resource API namespace instead (Grafana Cloud: stacks-<stack id>)

    def __post_init__(self):
        if self.api not in ("auto", "legacy", "resource"):
            raise ValueError(f"api = {self.api!r}; known: auto, legacy, resource")
        if self.org_id is not None and (isinstance(self.org_id, bool) or not isinstance(self.org_id, int)
                                        or self.org_id < 1):
            raise ValueError(f"org_id = {self.org_id!r} must be a whole number, 1 or more")
        if self.api_namespace is not None and not (isinstance(self.api_namespace, str) and re.fullmatch(
                r"default|org-[1-9][0-9]*|stacks-[1-9][0-9]*", self.api_namespace)):
            raise ValueError(f"api_namespace = {self.api_namespace!r}: expected default, org-<id> or stacks-<id>")
        if self.org_id is not None and self.api_namespace is not None:
            raise ValueError("api_namespace and org_id both set: give one (org_id N means namespace org-N)")
        if self.url is not None and not (isinstance(self.url, str) and _HTTP_URL.match(self.url)):
            raise ValueError(f"url {self.url!r} is not an http(s) URL such as \"https://grafana.example.com\"")
        if isinstance(self.version, int) and not isinstance(self.version, bool):
            object.__setattr__(self, "version", str(self.version))     # version = 12 in TOML
        if self.version is not None:
            if not isinstance(self.version, str) or _grafana_major(self.version) is None:
                raise ValueError(f"version {self.version!r} is not a Grafana release such as \"12\" or \"11.6\"")
        if self.schema not in ("v1", "v2"):
            raise ValueError(f"schema {self.schema!r} is not \"v1\" (classic dashboard JSON) or \"v2\"")
        if self.schema == "v2" and _grafana_major(self.target_version) < GRAFANA_SCHEMA_V2_SINCE:
            raise ValueError(f"schema = \"v2\" needs Grafana {GRAFANA_SCHEMA_V2_SINCE} or newer (dashboard schema v2 "
                             f"arrived in Grafana {GRAFANA_SCHEMA_V2_SINCE}.0); the target is Grafana "
                             f"{self.target_version}: use schema = \"v1\" or raise the version")
        for kind in GRAFANA_DATASOURCE_TYPES:
            name = f"{kind}_datasource_uid"
            uid = getattr(self, name)
            if not isinstance(uid, str) or not _GRAFANA_UID.fullmatch(uid):
                raise ValueError(f"{name} {uid!r} is not a Grafana uid (1-40 characters of a-z, A-Z, 0-9, _ and -)")
        if self.datasources is not None:
            given = self.datasources
            if isinstance(given, (tuple, list)):
                given = dict(given)
            if not isinstance(given, Mapping):
                raise ValueError("datasources must be a table of datasource type = URL, e.g. "
                                 "datasources = { prometheus = \"http://prometheus:9090\" }")
            for key, value in sorted(given.items()):
                if key not in GRAFANA_DATASOURCE_TYPES:
                    raise ValueError(f"datasources: unknown datasource {key!r}; known: "
                                     f"{', '.join(sorted(GRAFANA_DATASOURCE_TYPES))}")
                if not isinstance(value, str) or not value.startswith(("http://", "https://")):
                    raise ValueError(f"datasources.{key}: {value!r} is not an http(s) URL")
            object.__setattr__(self, "datasources", tuple(sorted(given.items())))

    @property
    def target_version(self) -> str:
        """The Grafana release dashboards target: ``version``, else :data:`DEFAULT_GRAFANA_VERSION`."""
        return self.version or DEFAULT_GRAFANA_VERSION

    def datasource_uid(self, kind: str) -> str:
        """The uid dashboards use for a datasource type (``prometheus``, ``loki``, ``tempo``, ``jaeger``)."""
        return getattr(self, f"{kind}_datasource_uid")


#: obskit.toml tables besides ``[project]``, each read into its own settings class
TABLES = {"kubernetes": KubernetesSettings, "grafana": GrafanaSettings}


@dataclass(frozen=True)
class Settings:
    """Project settings from ``obskit.toml``'s ``[project]`` table (all optional)."""

    namespace: Optional[str] = None          # Kubernetes namespace of generated objects
    prometheus_version: str = "2.42"         # the oldest Prometheus the output must load in
    alertmanager_version: str = "0.25"       # the oldest Alertmanager the output must load in
    grafana_version: Optional[str] = None    # deprecated alias of [grafana] version (moved there)
    scrape_interval: int = 60                # a duration ("30s"; integers are seconds); lint checks of rate() ranges
    evaluation_interval: int = 60            # a duration ("1m"; integers are seconds); generated tests
    loki_version: str = "3.0"                # the oldest Loki the Loki configs must load in (2.x or 3.x)
    grafana_datasources: Optional[dict] = None  # deprecated alias of [grafana] datasources (moved there)
    ruler_layout: Optional[str] = None       # "mimir" (also Cortex) or "thanos": scale-out rule files, docs/scale-out.md
    # how rules are written: "files" (prometheus/rules/*.yml), "prometheusrule" (kubernetes/*-prometheusrule.yaml,
    # for the Prometheus Operator) or "both"; default: "prometheusrule" when the project has Kubernetes settings
    # ([project] namespace or a [kubernetes] key other than the dashboard ones; also the files when a Prometheus
    # config of the project loads them), else "files". One copy where one serves; promtool checks every rule.
    rule_output: Optional[str] = None
    promtool_versions: Tuple[str, ...] = ()  # obskit test: only these installed promtool versions (prefixes, "3.5")
    amtool_versions: Tuple[str, ...] = ()    # obskit test: only these installed amtool versions (prefixes, "0.35")
    kubernetes: KubernetesSettings = field(default_factory=KubernetesSettings)   # [kubernetes]
    grafana: GrafanaSettings = field(default_factory=GrafanaSettings)            # [grafana]

    def __post_init__(self):
        for name in ("scrape_interval", "evaluation_interval"):    # "30s", "1m" or seconds
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, str)) or Duration.parse(value).seconds <= 0:
                raise ValueError(f"{name} = {value!r} must be a duration more than 0s, e.g. \"30s\" (integers are seconds)")
            object.__setattr__(self, name, Duration.parse(value).seconds)
        if self.rule_output is not None and self.rule_output not in RULE_OUTPUTS:
            raise ValueError(f"rule_output = {self.rule_output!r}; known: {', '.join(RULE_OUTPUTS)}")
        for name in ("promtool_versions", "amtool_versions"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, name, tuple(str(v) for v in value))
        self._move_grafana_aliases()

    def _move_grafana_aliases(self) -> None:
        """``[project] grafana_version`` / ``grafana_datasources`` (from before ``[grafana]``) mean
        ``[grafana] version`` / ``datasources``: moved there and cleared here, so ``grafana`` is the one
        place to read them. Both places set to different values is an error."""
        moved, used = {}, []
        for old, new in GRAFANA_ALIASES.items():
            value = getattr(self, old)
            if value is None:
                continue
            used.append(old)
            object.__setattr__(self, old, None)
            value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
            there = getattr(self.grafana, new)
            if new == "datasources":
                value = tuple(sorted(dict(value).items())) if isinstance(value, (dict, list, tuple)) else value
            if there is not None and there != value:
                raise ValueError(f"{old} (deprecated) and [grafana] {new} are both set, to different values: "
                                 f"keep [grafana] {new} only")
            moved[new] = value
        if moved:
            object.__setattr__(self, "grafana", replace(self.grafana, **moved))
        # not a field: settings compare equal however they were written
        object.__setattr__(self, "_deprecated_keys", tuple(used))

    @property
    def deprecated_keys(self) -> Tuple[str, ...]:
        """The deprecated ``[project]`` keys this project's obskit.toml used (the loader's check warns)."""
        return self.__dict__.get("_deprecated_keys", ())


#: ``[project] rule_output``: rule files, PrometheusRule objects or both
RULE_OUTPUTS = ("files", "prometheusrule", "both")
#: ``[kubernetes]`` keys about how dashboards ship only: they do not make a project's rules Kubernetes ones
_DASHBOARD_KEYS = ("dashboards", "dashboard_namespace", "dashboard_label", "dashboard_label_value",
                   "dashboard_folder_annotation", "grafana_instance_selector")
_NO_KUBERNETES = KubernetesSettings()


def rule_outputs(settings: "Settings") -> Tuple[bool, bool]:
    """``(rule files, PrometheusRule objects)`` the build writes: ``[project] rule_output``, else what
    the settings imply (PrometheusRule objects for a project with Kubernetes settings, rule files
    otherwise), so one copy of the rules is written where one serves."""
    choice = settings.rule_output
    if choice is None:
        rules_side = replace(settings.kubernetes, **{f: getattr(_NO_KUBERNETES, f) for f in _DASHBOARD_KEYS})
        kubernetes = settings.namespace is not None or rules_side != _NO_KUBERNETES
        choice = "prometheusrule" if kubernetes else "files"
    return choice in ("files", "both"), choice in ("prometheusrule", "both")


def dashboard_objects(settings: "Settings") -> str:
    """How the dashboards ship into a cluster besides their JSON files (``[kubernetes] dashboards``):
    the setting, else what the settings imply: ConfigMaps for the Grafana sidecar in a project with
    Kubernetes settings (a namespace, any ``[kubernetes]`` key, rules written as PrometheusRule
    objects), ``"none"`` otherwise, so a project deployed without Kubernetes gets one copy of each
    dashboard (and no ConfigMap size limit applies to it)."""
    if settings.kubernetes.dashboards is not None:
        return settings.kubernetes.dashboards
    kubernetes = (settings.namespace is not None or settings.kubernetes != _NO_KUBERNETES
                  or rule_outputs(settings)[1])
    return "configmap" if kubernetes else "none"


#: deprecated ``[project]`` keys → their ``[grafana]`` keys
GRAFANA_ALIASES = {"grafana_version": "version", "grafana_datasources": "datasources"}


@dataclass(frozen=True)
class Project:
    """What the loader found, in definition order (file, line). It knows the model only: definitions of
    other layers (an ``SLOScenario`` of :mod:`obskit.verify`) are read with ``project.of(SLOScenario)``."""

    root: Path
    settings: Settings = field(default_factory=Settings)
    definitions: Tuple[object, ...] = ()
    warnings: Tuple[object, ...] = field(default=(), compare=False)   # Diagnostics of severity "warning"

    def of(self, kind: Type[T]) -> Tuple[T, ...]:
        """Every definition of one type (subclasses included)."""
        return tuple(d for d in self.definitions if isinstance(d, kind))

    @property
    def slos(self) -> Tuple[SLO, ...]:
        return self.of(SLO)
