"""Loki definitions → typed plans (version profile resolved) and Prometheus-shaped rule files.

Also the project check run at load time: duplicate names, what the target Loki version cannot load
(naming the version that added or removed it), tenants that can never run, and LogQL syntax through
Grafana's grammar (one node process for the whole project).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from obskit.compile.ir import AlertingRule, RecordingRule, RuleFile, RuleGroup
from obskit.errors import Diagnostic
from obskit.location import Location
from obskit.model.loki import (
    SINGLE_TENANT, LogAlert, LokiConfig, LokiRules, S3Storage, parse_version,
    profile, rule_name,
)


@dataclass(frozen=True)
class LokiPlan:
    """A LokiConfig with every version-dependent choice made."""

    config: LokiConfig
    version: Tuple[int, int]
    index: str                         # boltdb-shipper | tsdb
    schema: str                        # v11 | v12 | v13
    object_store: str                  # filesystem | s3
    shared_store: Optional[str]        # 2.x only (removed in 3.0)
    delete_request_store: Optional[str]  # 3.x with retention
    allow_structured_metadata: Optional[bool]
    sources: Tuple[Location, ...] = ()

    @property
    def name(self) -> str:
        return self.config.name


def object_store(config: LokiConfig) -> str:
    return "s3" if isinstance(config.storage, S3Storage) else "filesystem"


def _where(loc: Location, root) -> Location:
    return loc.relative_to(str(root)) if root is not None else loc


def plan(config: LokiConfig, default_version: str, root=None) -> LokiPlan:
    version = parse_version(config.version or default_version)
    index, schema = profile(config, version)
    store = object_store(config)
    v3 = version[0] >= 3
    asm = config.allow_structured_metadata
    if v3 and asm is None and (index != "tsdb" or schema != "v13"):
        asm = False  # only reachable when the project check is bypassed; keep the file loadable
    return LokiPlan(
        config=config, version=version, index=index, schema=schema, object_store=store,
        shared_store=None if v3 else store,
        delete_request_store=store if (v3 and config.retention is not None) else None,
        allow_structured_metadata=asm if v3 else None,
        sources=(_where(config.location, root),),
    )


def rule_file(rules: LokiRules, root=None) -> RuleFile:
    groups = []
    for g in rules.groups:
        out = []
        for r in g.rules:
            if isinstance(r, LogAlert):
                out.append(AlertingRule(alert=r.alert, expr=r.expr.strip(), for_=r.for_,
                                        labels=r.labels, annotations=r.annotations))
            else:
                out.append(RecordingRule(record=r.record, expr=r.expr.strip(), labels=r.labels))
        groups.append(RuleGroup(name=g.name, rules=tuple(out), interval=g.interval, limit=g.limit))
    return RuleFile(name=f"{rules.tenant}/{rules.name}", groups=tuple(groups), sources=(_where(rules.location, root),))


def rule_path(rules: LokiRules) -> str:
    return f"loki/rules/{rules.tenant}/{rules.name}.yaml"


def config_path(config: LokiConfig) -> str:
    return f"loki/{config.name}/config.yaml"


# ------------------------------------------------------------------------------------ project check
def _diag(code, message, obj, location, hint="") -> Diagnostic:
    return Diagnostic(code, message, obj, location, hint)


def version_problems(config: LokiConfig, default_version: str) -> List[Diagnostic]:
    obj = f"Loki config {config.name!r}"
    try:
        version = parse_version(config.version or default_version)
    except ValueError as exc:
        return [_diag("bad-version", str(exc), obj, config.location, hint="set loki_version in obskit.toml")]
    vtext = f"{version[0]}.{version[1]}"
    index, schema = profile(config, version)
    out = []
    if index == "tsdb" and version < (2, 7):
        out.append(_diag("version", f"the tsdb index needs Loki 2.7 or newer; the target is Loki {vtext}",
                         obj, config.location))
    if schema == "v13" and version < (2, 9):
        out.append(_diag("version", f"schema v13 needs Loki 2.9 or newer; the target is Loki {vtext}",
                         obj, config.location))
    if version[0] >= 3:
        if (index != "tsdb" or schema != "v13") and config.allow_structured_metadata is not False:
            out.append(_diag("version", f"Loki {vtext} enables structured metadata by default, which needs the "
                                        f"tsdb index and schema v13 (got {index}/{schema}); Loki 3 refuses to start",
                             obj, config.location,
                             hint="use index='tsdb', schema='v13', or set allow_structured_metadata=False"))
        if config.limits.enforce_metric_name is not None:
            out.append(_diag("version", f"limits enforce_metric_name was removed in Loki 3.0; the target is "
                                        f"Loki {vtext}", obj, config.location, hint="drop it"))
    elif config.allow_structured_metadata is not None:
        out.append(_diag("version", f"allow_structured_metadata is a Loki 3.0 setting; the target is Loki {vtext}",
                         obj, config.location))
    return out


def check_loki(project) -> List[Diagnostic]:
    """Cross-definition and version checks for Loki configs and rules (the LogQL syntax check, which runs
    Grafana's grammar in node, is :func:`obskit.verify.logql.check_logql`)."""
    configs = project.of(LokiConfig)
    rule_sets = project.of(LokiRules)
    default = getattr(project.settings, "loki_version", "3.0")
    diags: List[Diagnostic] = []
    seen: Dict[str, LokiConfig] = {}
    for c in configs:
        if c.name in seen:
            diags.append(_diag("duplicate-loki", f"Loki config name {c.name!r} is already used at "
                                                 f"{seen[c.name].location.relative_to(str(project.root))}", f"Loki config {c.name!r}", c.location))
        seen.setdefault(c.name, c)
        diags.extend(version_problems(c, default))
    seen_rules: Dict[str, LokiRules] = {}
    single_tenant_only = bool(configs) and not any(c.auth_enabled for c in configs)
    for r in rule_sets:
        key = rule_path(r)
        obj = f"Loki rules {r.name!r}"
        if key in seen_rules:
            diags.append(_diag("duplicate-loki", f"rules {r.name!r} for tenant {r.tenant!r} are already defined at "
                                                 f"{seen_rules[key].location.relative_to(str(project.root))}", obj, r.location))
        seen_rules.setdefault(key, r)
        if single_tenant_only and r.tenant != SINGLE_TENANT:
            diags.append(_diag("bad-tenant", f"tenant {r.tenant!r} never runs: every Loki config has "
                                             "auth_enabled=False, and single-tenant Loki uses tenant 'fake'",
                               obj, r.location, hint="use tenant='fake' or set auth_enabled=True"))
    if configs and not any(c.ruler_remote_write_url for c in configs):
        for r in rule_sets:
            records = [rule_name(rule) for _, rule, _, alert in r.exprs() if not alert]
            if records:
                diags.append(_diag("no-remote-write", f"recording rules {records} would be evaluated and their samples "
                                                      "dropped: no Loki config sets ruler_remote_write_url",
                                   f"Loki rules {r.name!r}", r.location,
                                   hint="set ruler_remote_write_url on the LokiConfig (e.g. Prometheus' "
                                        "/api/v1/write), or use alerts only"))
    return diags


# ------------------------------------------------------------------- checks of a rendered config file
_TOP_KEYS = {"auth_enabled", "server", "common", "memberlist", "ingester", "schema_config", "storage_config", "compactor",
             "limits_config", "ruler", "querier", "query_range", "frontend", "distributor", "analytics"}


def check_config_document(doc: object, version: Tuple[int, int]) -> List[str]:
    """What Loki's own config validation would refuse in a rendered config, for the target version:
    unknown top-level blocks, schema/index pairs, ``shared_store`` (gone in 3.0) or its absence
    (needed by 2.x shippers), retention settings. Returns problems as text."""
    out: List[str] = []
    if not isinstance(doc, dict):
        return ["the config must be a mapping"]
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        out.append(f"unknown top-level keys {sorted(unknown)}")
    v3 = version[0] >= 3
    configs = (doc.get("schema_config") or {}).get("configs") or []
    if not configs:
        out.append("schema_config.configs is empty")
    storage = doc.get("storage_config") or {}
    limits = doc.get("limits_config") or {}
    compactor = doc.get("compactor") or {}
    for i, sc in enumerate(configs):
        store, schema = sc.get("store"), sc.get("schema")
        if store not in ("boltdb-shipper", "tsdb"):
            out.append(f"schema config {i + 1}: store {store!r} is not boltdb-shipper or tsdb")
        if (sc.get("index") or {}).get("period") != "24h":
            out.append(f"schema config {i + 1}: index period must be 24h for {store}")
        if store == "tsdb" and schema == "v11":
            out.append(f"schema config {i + 1}: tsdb needs schema v12+")
        if v3 and limits.get("allow_structured_metadata", True) and (store != "tsdb" or schema != "v13"):
            out.append(f"schema config {i + 1}: Loki 3 with structured metadata needs tsdb/v13, got {store}/{schema}")
        shipper = storage.get("tsdb_shipper" if store == "tsdb" else "boltdb_shipper")
        if not isinstance(shipper, dict):
            out.append(f"storage_config has no {'tsdb_shipper' if store == 'tsdb' else 'boltdb_shipper'} block")
        elif v3 and "shared_store" in shipper:
            out.append("shared_store was removed in Loki 3.0")
        elif not v3 and shipper.get("shared_store") != sc.get("object_store"):
            out.append("Loki 2.x shippers need shared_store equal to the schema's object_store")
        if sc.get("object_store") == "s3" and "aws" not in storage:
            out.append("object_store s3 without storage_config.aws")
        if sc.get("object_store") == "filesystem" and "filesystem" not in storage:
            out.append("object_store filesystem without storage_config.filesystem")
    aws = storage.get("aws") or {}
    from obskit.model.loki import is_env_ref
    for key in ("access_key_id", "secret_access_key"):
        if key in aws and not is_env_ref(aws[key]):
            out.append(f"storage_config.aws.{key} is a literal secret")
    if v3 and "shared_store" in compactor:
        out.append("compactor.shared_store was removed in Loki 3.0")
    if compactor.get("retention_enabled"):
        period = str(limits.get("retention_period", ""))
        if not period.endswith("h") or int(period[:-1] or 0) % 24:
            out.append(f"retention_period {period!r} must be a multiple of the 24h index period")
        if v3 and not compactor.get("delete_request_store"):
            out.append("Loki 3 needs compactor.delete_request_store when retention is enabled")
    common = doc.get("common") or {}
    store = ((common.get("ring") or {}).get("kvstore") or {}).get("store")
    if store == "inmemory" and int(common.get("replication_factor", 1) or 1) > 1:
        out.append("replication_factor above 1 with an inmemory ring (a single instance) never reaches a quorum")
    if store == "memberlist" and not (doc.get("memberlist") or {}).get("join_members"):
        out.append("ring kvstore memberlist without memberlist.join_members")
    if v3 and "enforce_metric_name" in limits:
        out.append("limits_config.enforce_metric_name was removed in Loki 3.0")
    return out
