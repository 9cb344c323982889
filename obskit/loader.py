"""Find definitions by convention: every ``*.py`` in ``slos/``, ``alerts/``, ``dashboards/`` and
``telemetry/`` (scrape, log and trace configuration).

Module-level instances of :class:`~obskit.model.base.Definition` subclasses (or lists, tuples and
dict values of them) are gathered into a :class:`~obskit.project.Project`. Nothing registers itself anywhere: the loader reads
the modules' namespaces. Every problem is collected and raised together as one DefinitionError.
"""
from __future__ import annotations

import contextlib
import importlib.util
import itertools
import sys
import traceback
from pathlib import Path
from typing import Dict, List, Tuple

from obskit.errors import DefinitionError, Diagnostic, collecting
from obskit.location import Location
from obskit.model.base import Definition, is_valid, set_attr
from obskit.project import Project
from obskit.phases import phase
from obskit.settings_file import load_settings
from dataclasses import replace

DEFINITION_DIRS = ("slos", "alerts", "dashboards", "telemetry")
_counter = itertools.count()
#: names of the projects' own modules (helpers the definitions import) that loads put in sys.modules;
#: the next load, of any project, imports them afresh (a long-lived process such as a test run would
#: otherwise keep the first version of an edited helper, or another project's helper of that name)
_LOCAL_MODULES: set = set()
_OBSKIT_DIR = Path(__file__).resolve().parent


def _inside(module, root: Path) -> bool:
    file = getattr(module, "__file__", None)
    if not file:
        return False
    path = Path(file).resolve()
    return path.is_relative_to(root) and not path.is_relative_to(_OBSKIT_DIR)


@contextlib.contextmanager
def _fresh_local_modules(root: Path):
    for name in sorted(_LOCAL_MODULES):
        sys.modules.pop(name, None)
    _LOCAL_MODULES.clear()
    before = set(sys.modules)
    try:
        yield
    finally:
        _LOCAL_MODULES.update(n for n in set(sys.modules) - before
                              if not n.startswith("_obskit_defs_") and _inside(sys.modules[n], root))


def definition_files(root: Path) -> List[Path]:
    files: List[Path] = []
    for folder in DEFINITION_DIRS:
        d = root / folder
        if d.is_dir():
            files.extend(p for p in sorted(d.rglob("*.py"))
                         if not any(part.startswith(("_", ".")) for part in p.relative_to(d).parts))
    return files


def _import(path: Path, root: Path, diags: List[Diagnostic]):
    name = f"_obskit_defs_{next(_counter)}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except DefinitionError as exc:  # raised outside collecting(): keep its diagnostics
        diags.extend(exc.diagnostics)
        return None
    except SyntaxError as exc:
        diags.append(Diagnostic("python-syntax", f"{exc.msg}", str(path.name),
                                Location(str(path), exc.lineno or 0)))
        return None
    except Exception as exc:  # noqa: BLE001 - user code may raise anything
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
        line = frames[-1].lineno if frames else 0
        diags.append(Diagnostic("import-failed", f"{type(exc).__name__}: {exc}", str(path.name),
                                Location(str(path), line or 0)))
        return None
    return module


def _objects(module) -> List[object]:
    found = []
    for value in vars(module).values():
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            if isinstance(item, Definition):
                found.append(item)
    return found


def load_project(root: "str | Path") -> Project:
    """Import the project's definition modules and gather what they define."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise DefinitionError(Diagnostic("no-project", f"{root} is not a directory"))
    settings = load_settings(root)
    gathered: List[object] = []
    seen = set()
    sys.path.insert(0, str(root))
    try:
        with collecting() as diags, _fresh_local_modules(root), phase("import modules"):
            for path in definition_files(root):
                module = _import(path, root, diags)
                if module is None:
                    continue
                for obj in _objects(module):
                    if id(obj) not in seen:
                        seen.add(id(obj))
                        gathered.append(obj)
    finally:
        sys.path.remove(str(root))
    # definitions that reported errors are left out, so cross-checks do not cascade from them
    gathered = sorted((o for o in gathered if is_valid(o)), key=lambda o: o.location)
    project = Project(root=root, settings=settings, definitions=tuple(gathered))
    diags = list(diags)
    for check in PROJECT_CHECKS:
        with phase(f"check {check.__name__}"):      # obskit build --phases
            diags += check(project)
        # a check may mark definitions invalid (e.g. a duplicate): later checks do not see them
        project = Project(root=root, settings=settings, definitions=tuple(o for o in project.definitions if is_valid(o)))
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        warnings = [d for d in diags if d.severity != "error"]   # shown after the errors
        raise DefinitionError(_relative(sorted(errors, key=_order) + sorted(warnings, key=_order), root))
    return replace(project, warnings=tuple(_relative(sorted(diags, key=_order), root)))


def _order(d: Diagnostic):
    return (d.location or Location("", 0), d.code, d.message)


def _relative(diags: List[Diagnostic], root: Path) -> List[Diagnostic]:
    from dataclasses import replace
    return [replace(d, location=d.location.relative_to(str(root))) if d.location else d for d in diags]


def check_slos(project: Project) -> List[Diagnostic]:
    """Checks across SLOs: unique SLO names and generated alert names."""
    from obskit.compile import conventions as conv

    diags: List[Diagnostic] = []
    first: Dict[Tuple[str, str], object] = {}
    alerts: Dict[str, object] = {}
    for slo in project.slos:
        key = (slo.service, slo.name)
        if key in first:
            diags.append(Diagnostic("duplicate-slo", f"SLO name {slo.name!r} is already used for service "
                                    f"{slo.service!r} at {first[key].location.relative_to(str(project.root))}", f"SLO {slo.service}/{slo.name}",
                                    slo.location))
            set_attr(slo, "_obskit_invalid", True)
            continue
        first[key] = slo
        alert = slo.alert_name or conv.burn_alert_name(slo.service, slo.name)
        if alert in alerts:
            other = alerts[alert]
            diags.append(Diagnostic("duplicate-alert", f"generated alert name {alert!r} is also the alert of "
                                    f"SLO {other.service}/{other.name} at {other.location.relative_to(str(project.root))}",
                                    f"SLO {slo.service}/{slo.name}", slo.location, hint="set alert_name="))
        alerts[alert] = slo
    return diags


#: Checks across definitions, run after loading; each returns diagnostics.
from obskit.compile.loki import check_loki  # noqa: E402
from obskit.verify.logql import check_logql  # noqa: E402
from obskit.compile.tracing import check_tracing  # noqa: E402

from obskit.lint import check_rules  # noqa: E402

from obskit.compile.alertmanager_checks import check_alertmanager  # noqa: E402

from obskit.compile.deployment_checks import check_scrape_and_paths as check_scrape  # noqa: E402

from obskit.compile.dashboards.project import check_dashboards  # noqa: E402
from obskit.targets.scaleout import check_scaleout  # noqa: E402
from obskit.targets.alertmanager import check_operator_routing  # noqa: E402
from obskit.targets.alert_rules import check_object_names  # noqa: E402
from obskit.compile.sli import check_native_histograms, check_utf8_names  # noqa: E402

PROJECT_CHECKS = (check_slos, check_loki, check_logql, check_tracing, check_rules, check_alertmanager, check_scrape, check_dashboards, check_scaleout,
                  check_native_histograms, check_utf8_names, check_operator_routing,
                  check_object_names)
