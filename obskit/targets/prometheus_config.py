"""PrometheusConfig/ScrapeConfig → ``prometheus/prometheus*.yml`` and ``kubernetes/*-{pod,service}monitor.yaml``.

Verification: every relative ``rule_files`` pattern must match at least one built file, then
``promtool check config`` of the project's floor (``prometheus_version``, see
:func:`obskit.verify.tools.for_target`) runs on a copy of each file. The Go-built promtools (3.x)
include Kubernetes service discovery and check the file whole. Debian's promtool 2.42 is built without
it and refuses ``kubernetes_sd_configs``: for a promtool that does (found by running it on a probe,
:func:`has_kubernetes_sd`), the copy has those blocks removed (their relabel steps stay and are
checked) and the build says so; the Kubernetes parts were validated in Python when loading.
"""
from __future__ import annotations

import fnmatch
from dataclasses import replace
from functools import lru_cache
import posixpath
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

import yaml

from obskit.compile.prometheus_config import compile_scrape
from obskit.errors import ToolError
from obskit.project import Project
from obskit.render import prometheus_config, servicemonitor

#: files of this target, recognised in verify() by their path
_CONFIG_PREFIX = "prometheus/prometheus"


class PrometheusConfigTarget:
    name = "prometheus-config"

    prometheus_version = "2.42"     # the project's floor, kept by render: verify checks with that promtool

    def render(self, project: Project) -> Dict[str, bytes]:
        self.prometheus_version = project.settings.prometheus_version
        compiled = compile_scrape(project)
        files: Dict[str, bytes] = {}
        for pf in compiled.files:
            files[pf.path] = prometheus_config.render(pf)
        for m in compiled.monitors:
            files[m.path] = servicemonitor.render(m, settings=project.settings)
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        configs = [p for p in sorted(files) if p.startswith(_CONFIG_PREFIX) and p.endswith(".yml")]
        if not configs:
            return
        problems: List[str] = []
        for path in configs:
            problems += unresolved_rule_files(path, files)
        if problems:
            raise ToolError("rule_files do not resolve in the build output:\n" + "\n".join(problems))
        from obskit.verify.tools import for_target
        tool = for_target("promtool", self.prometheus_version)
        for path in configs:
            result, stripped = check_config(Path(directory), path, tool=tool)
            if not result.ok:
                raise ToolError(f"promtool check config failed on {path} ({tool.label}"
                                + (f", checked without the kubernetes_sd_configs of {', '.join(stripped)}"
                                   if stripped else "") + "):\n" + result.output)
            if stripped:
                print(f"obskit: {path}: promtool checked everything but the kubernetes_sd_configs of "
                      f"{', '.join(stripped)} ({tool.label} has no Kubernetes discovery, as Debian's build); "
                      "obskit validated those in Python", file=sys.stderr)
        for job, where in unscraped_jobs(configs, files).items():
            print(f"obskit: warning: {', '.join(where)} select job=\"{job}\" but no generated Prometheus "
                  "configuration scrapes a job of that name", file=sys.stderr)


def unresolved_rule_files(config_path: str, files: Dict[str, bytes]) -> List[str]:
    """rule_files patterns of a built prometheus.yml that match no built file."""
    doc = yaml.safe_load(files[config_path]) or {}
    base = posixpath.dirname(config_path)
    out = []
    for pattern in doc.get("rule_files") or ():
        full = posixpath.normpath(posixpath.join(base, pattern))
        folder, name = posixpath.split(full)
        if not any(posixpath.dirname(f) == folder and fnmatch.fnmatchcase(posixpath.basename(f), name)
                   for f in files):
            out.append(f"  {config_path}: rule_files entry {pattern!r} matches no built file "
                       f"(looked for {full}); set rule_files=() if the project builds no rules")
    return out


def _selectors(node):
    """Every vector selector of a parsed PromQL expression."""
    if isinstance(node, list):
        for item in node:
            yield from _selectors(item)
    elif type(node).__name__ == "VectorSelector":
        yield node
    elif node is not None:
        for attr in ("expr", "lhs", "rhs", "param", "args", "vector_selector"):
            if hasattr(node, attr):
                yield from _selectors(getattr(node, attr))


def unscraped_jobs(configs: List[str], files: Dict[str, bytes]) -> Dict[str, List[str]]:
    """Jobs that built Prometheus rules select with ``job="…"`` but that no built configuration
    scrapes (by job_name, or by a relabel step setting ``job`` to a constant)."""
    import promql_parser

    scraped = set()
    for path in configs:
        for job in (yaml.safe_load(files[path]) or {}).get("scrape_configs") or ():
            scraped.add(job["job_name"])
            for step in job.get("relabel_configs") or ():
                if step.get("target_label") == "job" and "$" not in str(step.get("replacement", "$1")):
                    scraped.add(step["replacement"])
    wanted: Dict[str, List[str]] = {}
    for path in sorted(p for p in files if p.startswith("prometheus/rules/") and p.endswith((".yml", ".yaml"))):
        for group in (yaml.safe_load(files[path]) or {}).get("groups") or ():
            for rule in group.get("rules") or ():
                try:
                    tree = promql_parser.parse(str(rule.get("expr", "")))
                except ValueError:
                    continue  # promtool check rules reports it
                for sel in _selectors(tree):
                    for m in sel.matchers.matchers:
                        if m.name == "job" and str(m.op).endswith("Equal") and "Not" not in str(m.op) \
                                and m.value not in scraped and path not in wanted.get(m.value, []):
                            wanted.setdefault(m.value, []).append(path)
    return dict(sorted(wanted.items()))


def without_kubernetes_sd(text: str):
    """The config with every ``kubernetes_sd_configs`` block removed, and the jobs it touched."""
    doc = yaml.safe_load(text) or {}
    stripped = []
    for job in doc.get("scrape_configs") or ():
        if job.pop("kubernetes_sd_configs", None) is not None:
            stripped.append(job["job_name"])
    return doc, stripped


def _file_refs(job: dict):
    """(holder dict, key) of every file path a scrape job reads credentials or certificates from."""
    auth = job.get("authorization") or {}
    if "credentials_file" in auth:
        yield auth, "credentials_file"
    if "bearer_token_file" in job:
        yield job, "bearer_token_file"
    tls = job.get("tls_config") or {}
    for key in ("ca_file", "cert_file", "key_file"):
        if key in tls:
            yield tls, key


_K8S_PROBE = "scrape_configs:\n- job_name: probe\n  kubernetes_sd_configs:\n  - role: pod\n"


@lru_cache(maxsize=None)
def _k8s_sd_probe(path: str) -> bool:
    from obskit.verify.tools import Tool, run
    with tempfile.TemporaryDirectory(prefix="obskit-promtool-probe-") as tmp:
        probe = Path(tmp) / "prometheus.yml"
        probe.write_text(_K8S_PROBE)
        res = run("promtool", ["check", "config", str(probe)], tool=Tool("promtool", "", path), timeout=60)
    if res.ok:
        return True
    if "kubernetes_sd_configs" in res.output:
        return False      # "field kubernetes_sd_configs not found in type config.ScrapeConfig"
    raise ToolError(f"promtool ({path}) failed on a minimal Kubernetes scrape config for another reason:\n"
                    + res.output)


def has_kubernetes_sd(tool) -> bool:
    """Whether ``tool`` (a promtool) knows ``kubernetes_sd_configs``: it is asked, by checking a
    one-job config with a pod-role Kubernetes discovery (cached per binary)."""
    return _k8s_sd_probe(tool.path)


def check_config(directory: Path, rel: str, tool=None, strip: "bool | None" = None):
    """Run ``tool`` (a promtool; default: :func:`obskit.verify.tools.pick`) check config on a copy of
    ``directory/rel``, in a temporary directory with links to the built folders so relative
    rule_files resolve. ``kubernetes_sd_configs`` are removed from the copy when ``strip`` is true
    (default: when the promtool lacks Kubernetes discovery). promtool also insists that credential
    and certificate files exist: paths that exist only inside the Prometheus deployment (e.g. the
    service-account token) point at empty placeholders in the copy. Returns the result and the jobs
    whose Kubernetes discovery was removed."""
    from obskit.verify.tools import pick, run

    tool = tool or pick("promtool")
    if strip is None:
        strip = not has_kubernetes_sd(tool)
    source = directory / rel
    if strip:
        doc, stripped = without_kubernetes_sd(source.read_text())
    else:
        doc, stripped = yaml.safe_load(source.read_text()) or {}, []
    with tempfile.TemporaryDirectory(prefix="obskit-promtool-") as tmp:
        copy_dir = Path(tmp) / posixpath.dirname(rel)
        copy_dir.mkdir(parents=True, exist_ok=True)
        for entry in source.parent.iterdir():
            if entry.is_dir():
                (copy_dir / entry.name).symlink_to(entry.resolve(), target_is_directory=True)
        placeholders = Path(tmp) / "deployment-files"
        for job in doc.get("scrape_configs") or ():
            for holder, key in _file_refs(job):
                if not Path(holder[key]).exists():
                    placeholders.mkdir(exist_ok=True)
                    stand_in = placeholders / str(len(list(placeholders.iterdir())))
                    stand_in.write_text("")
                    holder[key] = str(stand_in)
        copy = copy_dir / posixpath.basename(rel)
        copy.write_text(yaml.safe_dump(doc, sort_keys=False))
        result = run("promtool", ["check", "config", str(copy)], tool=tool)
    result = replace(result, stdout=result.stdout.replace(str(copy), rel),
                     stderr=result.stderr.replace(str(copy), rel))
    return result, stripped
