"""Loki → ``loki/<name>/config.yaml`` and ruler files ``loki/rules/<tenant>/<name>.yaml``."""
from __future__ import annotations

from typing import Dict

import yaml

from obskit.compile import loki as compile_loki
from obskit.errors import ToolError
from obskit.model.loki import LokiConfig, LokiRules
from obskit.project import Project
from obskit.render import loki as render_loki


class LokiTarget:
    name = "loki"

    def render(self, project: Project) -> Dict[str, bytes]:
        files: Dict[str, bytes] = {}
        default = getattr(project.settings, "loki_version", "3.0")
        for config in project.of(LokiConfig):
            plan = compile_loki.plan(config, default, project.root)
            files[compile_loki.config_path(config)] = render_loki.render_config(plan)
        for rules in project.of(LokiRules):
            files[compile_loki.rule_path(rules)] = render_loki.render_rules(compile_loki.rule_file(rules, project.root))
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        """Configs: Loki's own config rules for the target version, in Python (no Loki binary here).
        Rule files: the structural checks of a Prometheus rule file, then every expr through Grafana's
        LogQL grammar (ToolError when node is missing)."""
        from obskit.verify import logql

        problems = []
        exprs = []
        for path in sorted(files):
            if not path.startswith("loki/"):
                continue
            doc = yaml.safe_load(files[path])
            if path.startswith("loki/rules/"):
                problems += [f"{path}: {p}" for p in logql.check_rule_file(doc)]
                for g in (doc or {}).get("groups", []) if isinstance(doc, dict) else []:
                    for r in g.get("rules", []) if isinstance(g, dict) else []:
                        if isinstance(r, dict) and isinstance(r.get("expr"), str):
                            exprs.append((path, r["expr"]))
            elif path.endswith("/config.yaml"):
                version = render_loki.version_from_header(files[path])
                if version is None:
                    problems.append(f"{path}: no Loki profile line in the header")
                    continue
                problems += [f"{path}: {p}" for p in compile_loki.check_config_document(doc, version)]
        if exprs:
            for (path, expr), res in zip(exprs, logql.check([e for _, e in exprs])):
                if not res.ok:
                    problems.append(f"{path}: {res.describe()}: {expr}")
                elif not res.is_metric:
                    problems.append(f"{path}: not a metric query: {expr}")
        if problems:
            raise ToolError("Loki files failed verification:\n  " + "\n  ".join(problems))
