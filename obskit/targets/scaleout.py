"""Rules for horizontally scaled rulers, opt-in with ``ruler_layout`` in ``obskit.toml``:

- ``"mimir"`` (Grafana Mimir, Cortex): ``mimir/rules/<namespace>.yaml``, each ``namespace:`` +
  ``groups:``, for ``mimirtool rules sync --rule-dirs=mimir/rules`` (or ``cortextool``);
- ``"thanos"``: ``thanos/rules/<namespace>.yaml``, plain Prometheus rule files for Thanos Ruler's
  ``--rule-file=thanos/rules/*.yaml``.

Both are verified with ``promtool check rules`` of the project's floor. Thanos's own ``tools
rules-check`` is not run: Thanos does not compile as a dependent Go module (docs/scale-out.md).

One namespace per rule file obskit writes for Prometheus: one per SLO service (an SLO's recording rules
and its alerts always share a namespace, see docs/scale-out.md) and one per module of hand-written
rules (``<module>-alerts``). Opt-in because a project on one Prometheus has no use for a second copy
of its rules, and a ruler setup that loads both directories would evaluate every rule twice.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

from obskit.compile import conventions as conv
from obskit.errors import Diagnostic, ToolError
from obskit.location import Location
from obskit.project import Project

#: the keys mimirtool's RuleNamespace knows (it decodes strictly)
MIMIR_KEYS = ("namespace", "groups")


def rule_files(project: Project) -> Tuple:
    """Every rule file of the Prometheus build, SLO services first, then hand-written modules."""
    from obskit.compile.project import compile_project
    from obskit.compile.rules import compile_rule_files
    return tuple(compile_project(project).rule_files) + tuple(compile_rule_files(project))


class ScaleOut:
    name = "scale-out-rules"

    prometheus_version = "2.42"     # the project's floor, kept by render: verify checks with that promtool

    def render(self, project: Project) -> Dict[str, bytes]:
        from obskit.render import ruler_namespaces
        self.prometheus_version = project.settings.prometheus_version
        layout = project.settings.ruler_layout
        if layout not in conv.RULER_LAYOUTS:
            return {}     # None (off), or a bad value the project check reported
        files: Dict[str, bytes] = {}
        for rf in rule_files(project):
            ns = conv.ruler_namespace(rf.name)
            if layout == "mimir":
                files[conv.ruler_file(conv.MIMIR_RULES_DIR, ns)] = ruler_namespaces.render_mimir(rf, ns)
            else:
                files[conv.ruler_file(conv.THANOS_RULES_DIR, ns)] = ruler_namespaces.render_thanos(rf)
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        from obskit.verify import promtool
        directory = Path(directory)
        thanos = [str(directory / p) for p in sorted(files) if p.startswith(conv.THANOS_RULES_DIR + "/")]
        mimir = {p: data for p, data in sorted(files.items()) if p.startswith(conv.MIMIR_RULES_DIR + "/")}
        problems: List[str] = []
        for path, data in mimir.items():
            problems += check_mimir_namespace(path, data)
        if problems:
            raise ToolError("generated Mimir rule namespaces are malformed:\n" + "\n".join(problems))
        with tempfile.TemporaryDirectory(prefix="obskit-mimir-") as tmp:
            stripped = write_groups_only(mimir, Path(tmp))
            paths = thanos + [str(p) for p in stripped]
            if paths:
                from obskit.verify.tools import for_target
                tool = for_target("promtool", self.prometheus_version)
                res = promtool.check_rules(paths, tool=tool)
                if not res.ok:
                    raise ToolError(f"promtool check rules failed on the generated ruler files ({tool.label}):\n"
                                    + res.output)
        if thanos:
            check_thanos(thanos)


def check_thanos(paths: List[str]) -> None:
    """``thanos tools rules-check`` on the Thanos Ruler files, when a thanos binary is installed."""
    from obskit.verify.tools import installed, run
    found = installed("thanos")
    if not found:
        return
    tool = found[-1]
    res = run("thanos", ["tools", "rules-check", *(f"--rules={p}" for p in paths)], timeout=120, tool=tool)
    if not res.ok:
        raise ToolError(f"{tool.label} tools rules-check failed on the generated Thanos ruler files:\n" + res.output)


def check_mimir_namespace(path: str, data: bytes) -> List[str]:
    """The wrapper mimirtool reads: one mapping with exactly ``namespace`` (the file's stem, so a
    missing key would not change anything either) and ``groups``, group names unique within it."""
    import yaml
    try:
        docs = list(yaml.safe_load_all(data))
    except yaml.YAMLError as exc:
        return [f"{path}: not YAML: {exc}"]
    if len(docs) != 1 or not isinstance(docs[0], dict):
        return [f"{path}: expected one YAML mapping, got {len(docs)} documents"]
    doc = docs[0]
    out = []
    if tuple(doc) != MIMIR_KEYS:
        out.append(f"{path}: keys {list(doc)}, expected {list(MIMIR_KEYS)}")
    ns = doc.get("namespace")
    if not isinstance(ns, str) or not ns or ns != Path(path).stem:
        out.append(f"{path}: namespace {ns!r} must be the file name without extension")
    groups = doc.get("groups")
    if not isinstance(groups, list) or not groups:
        return out + [f"{path}: groups must be a non-empty list"]
    names = [g.get("name") if isinstance(g, dict) else None for g in groups]
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes or not all(names):
        out.append(f"{path}: group names must be set and unique in the namespace (repeated: {dupes})")
    return out


def write_groups_only(files: Dict[str, bytes], directory: Path) -> List[Path]:
    """Each Mimir namespace file with ``namespace:`` removed: a Prometheus rule file promtool checks."""
    import yaml
    from obskit.render.yamlfmt import dump
    out = []
    for path, data in files.items():
        doc = yaml.safe_load(data)
        target = directory / Path(path).name
        target.write_text(dump({"groups": doc["groups"]}))
        out.append(target)
    return out


# --- project check (obskit.loader.PROJECT_CHECKS) ---------------------------------------------------
def check_scaleout(project: Project) -> List[Diagnostic]:
    """``ruler_layout`` must be known; with ``"mimir"``, warn where Mimir's default per-tenant limits
    (20 rules per group, 70 groups per tenant) would refuse the rules."""
    layout = project.settings.ruler_layout
    if layout is None:
        return []
    toml = Location(str(project.root / "obskit.toml"), 0)
    if layout not in conv.RULER_LAYOUTS:
        return [Diagnostic("bad-config", f"ruler_layout {layout!r} is not one of {list(conv.RULER_LAYOUTS)}",
                           "obskit.toml", toml, hint='"mimir" also covers Cortex; remove the setting for none')]
    if layout != "mimir":
        return []
    from obskit.compile.project import compile_project
    from obskit.compile.rules import compile_groups
    diags: List[Diagnostic] = []
    user = compile_groups(project)
    for c in user:
        n = len(c.group.rules)
        if n > conv.MAX_RULES_PER_GROUP:
            diags.append(Diagnostic(
                "ruler-group-too-big",
                f"{n} rules; Mimir refuses rule groups above ruler_max_rules_per_rule_group "
                f"(default {conv.MAX_RULES_PER_GROUP}) when loading namespace "
                f"{conv.ruler_namespace(c.file)!r}",
                f"rule group {c.group.name!r}", c.source.location,
                hint="split the group, or raise the tenant's ruler_max_rules_per_rule_group", severity="warning"))
    compiled = compile_project(project)
    slo_groups = sum(len(rf.groups) for rf in compiled.rule_files)
    user_groups = len(user)
    total = slo_groups + user_groups
    if total > conv.MIMIR_MAX_GROUPS_PER_TENANT:
        namespaces = len(compiled.rule_files) + len({c.file for c in user})
        diags.append(Diagnostic(
            "ruler-tenant-groups",
            f"{total} rule groups in {namespaces} namespaces ({slo_groups} from {len(compiled.slos)} SLOs, "
            f"{user_groups} hand-written); Mimir refuses groups beyond ruler_max_rule_groups_per_tenant "
            f"(default {conv.MIMIR_MAX_GROUPS_PER_TENANT}) in one tenant",
            "obskit.toml", toml,
            hint="raise the tenant's ruler_max_rule_groups_per_tenant, or sync the namespaces into several "
                 "tenants (docs/scale-out.md)", severity="warning"))
    return diags
