"""Validate dashboard JSON against Grafana's JSON schemas (``shared/schemas/grafana``, draft-07, copied
from grafana-foundation-sdk); schema v2 resources against grafana-foundation-sdk's ``dashboardv2`` types
(:func:`validate_v2_dashboard`).

Three levels: the whole document (``dashboard.jsonschema.json``); each panel's ``options`` and
``fieldConfig.defaults.custom`` against its panel type's schema; each query against its datasource's
schema (``prometheus``, ``loki``, ``tempo``). Panel types and datasources without a schema there
(``row``, plugins) are checked at the document level only.

Two deliberate relaxations, where the export turned Grafana's CUE "any" (``_``) into ``object``:
``DynamicConfigValue.value`` (an override property: ``{"id": "unit", "value": "s"}`` is what Grafana's
own editor writes) and ``MatcherConfig.options`` (``{"id": "byName", "options": "P95"}``) accept any
JSON value, as Grafana does. A third, in the table schema: ``TableCellOptions`` is ``anyOf`` its
variants instead of ``oneOf``, because the export gave every variant's ``type`` the whole set of display
modes, so ``{"type": "auto"}`` (Grafana's default) matched several variants and was refused.

Prometheus queries are also parsed as PromQL (Grafana variables substituted), so a typo in a
dashboard query fails the build rather than showing "parse error" in a panel.

Panels are validated one by one against ``Panel`` or ``RowPanel`` (chosen by ``type``) so that an
error names the panel and the field instead of "not valid under any of the given schemas".

Every check runs first in jsonschema-rs (compiled, some 50 times faster than the Python
``jsonschema`` on big builds); only an instance it finds invalid is validated again by ``jsonschema``,
whose messages are the ones reported. Formats are not checked by either. Repeated instances (the
options and styles shared by generated panels) are checked once per validator.

The package: :mod:`.v1` (classic dashboards, the schemas and validators), :mod:`.v2` (schema v2
resources); :func:`validate_files` checks a build's dashboards with whichever fits.
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional

import orjson

from obskit.verify.grafana_schema.v1 import (ENV, PANEL_SCHEMAS, QUERY_SCHEMAS, SchemasMissing,  # noqa: F401
                                             _panels, _validator, promql_problem, schema_dir, validate_dashboard)
from obskit.verify.grafana_schema.v2 import V2_MODULES, _v2_validator, v2_schema, validate_v2_dashboard  # noqa: F401


def _parse(data: bytes):
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:     # NaN, integers beyond 64 bits: Python's reader takes them
        return json.loads(data)


def validate_files(files: Dict[str, bytes], schema_version: Optional[int] = None, schema: Optional[str] = None,
                   api: Optional[str] = None) -> List[str]:
    """Validate every ``grafana/dashboards/**.json`` of a build; problems prefixed with the path. A schema
    v2 resource (``apiVersion`` dashboard.grafana.app/v2...) is checked by :func:`validate_v2_dashboard`,
    a classic dashboard by :func:`validate_dashboard`; ``schema`` ("v1" or "v2"), when given, is the model
    every file must be in, ``api`` the v2 ``apiVersion`` they must have."""
    directory = schema_dir()
    out = []
    for path, data in sorted(files.items()):
        if path.startswith("grafana/dashboards/") and path.endswith(".json"):
            doc = _parse(data)
            v2 = isinstance(doc, dict) and "apiVersion" in doc
            if schema is not None and v2 != (schema == "v2"):
                out.append(f"{path}: a {'schema v2' if v2 else 'classic'} dashboard in a build of schema {schema}")
                continue
            problems = (validate_v2_dashboard(doc, api, directory) if v2
                        else validate_dashboard(doc, schema_version, directory))
            out += [f"{path}: {m}" for m in problems]
    return out
