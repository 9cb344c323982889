"""obskit's layers: no module imports a layer above its own (docs/architecture.md, "Layers").

Every import counts, at module level and inside functions alike: an import hidden in a function is
still a dependency. The order is written once, in :data:`LAYERS`; docs/architecture.md shows the
same table (``test_the_docs_table_is_this_order``). A module may import its own layer and the layers
below it. The few imports that go up are in :data:`ALLOWED`, each with its reason; an entry that no
import uses any more fails too, so the list only shrinks.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Bottom to top: (layer, the modules and packages in it). A package stands for its submodules.
LAYERS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("base", ("obskit.errors", "obskit.location", "obskit.duration", "obskit.promql", "obskit.promql_ast",
              "obskit.tracing", "obskit.phases")),
    ("model", ("obskit.model", "obskit.policy", "obskit.project", "obskit.settings_file")),
    ("compile", ("obskit.compile",)),
    ("lint", ("obskit.lint",)),
    ("render", ("obskit.render",)),
    ("verify", ("obskit.verify",)),
    ("targets", ("obskit.targets",)),
    ("loader", ("obskit.loader",)),
    ("commands", ("obskit.build", "obskit.build_cache", "obskit.build_inputs", "obskit.output", "obskit.testing",
                  "obskit.scaffold", "obskit.settings_doc", "obskit.interop", "obskit.report", "obskit.live",
                  "obskit.apply")),
    ("cli", ("obskit.cli", "obskit.__main__")),
    ("face", ("obskit",)),
)

#: What modules below may read of the package face (obskit/__init__.py): its metadata, set before the
#: face imports the public API (importing any obskit module runs the face first anyway).
FACE_METADATA = frozenset({"__version__", "__file__"})

#: (importer, imported module) → why this import may go up a layer.
ALLOWED: Dict[Tuple[str, str], str] = {
    ("obskit.model.rule_files", "obskit.interop.prometheus_rules"):
        "RuleFile(path=...) parses the rule file it names when it is defined, so its errors carry the "
        "file:line of the YAML at load time; interop.prometheus_rules is the one reader of Prometheus "
        "rule files (it needs only errors, location, model and interop's YAML helpers)",
    ("obskit.model.rule_files", "obskit.interop.common"):
        "the SourceError of that same reader",
    ("obskit.compile.dashboards.legacy", "obskit.verify.grafana_schema"):
        "reads only schema_dir(), where the bundled Grafana JSON schemas lie, to keep the panel keys "
        "Grafana's schema allows; no verification runs",
    ("obskit.verify.promtool_files", "obskit.interop.pycode"):
        "imported rule files are found by the Python identifier their module stem became (pycode.identifier)",
    ("obskit.verify.routing", "obskit.loader"):
        "assert_routes(directory), a pytest helper, accepts a project directory and loads it",
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    function: Optional[str]      # None: at module level
    names: Tuple[str, ...] = ()  # from X import names

    def where(self, root: Path, package: str) -> str:
        path = module_path(root, self.importer, package)
        inside = f" in {self.function}()" if self.function else " at module level"
        return f"{path}:{self.line}{inside}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_path(root: Path, module: str, package: str) -> str:
    base = root.joinpath(*module.split("."))
    return str((base / "__init__.py" if base.is_dir() else base.with_suffix(".py")).relative_to(root))


def _is_module(root: Path, dotted: str) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports(root: Path, package: str) -> Iterator[Import]:
    """Every import of ``package`` inside ``root/package``, module level and function level."""
    for path in sorted((root / package).rglob("*.py")):
        module = module_name(path, root)
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), filename=str(path))

        def visit(node: ast.AST, function: Optional[str]) -> Iterator[Import]:
            for child in ast.iter_child_nodes(node):
                inner = function
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    inner = f"{function}.{child.name}" if function else child.name
                if isinstance(child, ast.Import):
                    for alias in child.names:
                        if alias.name == package or alias.name.startswith(package + "."):
                            yield Import(module, alias.name, child.lineno, function)
                elif isinstance(child, ast.ImportFrom):
                    base = child.module or ""
                    if child.level:
                        parts = module.split(".") if is_package else module.split(".")[:-1]
                        parts = parts[:len(parts) - (child.level - 1)]
                        base = ".".join(parts + ([base] if base else []))
                    if base == package or base.startswith(package + "."):
                        plain = []
                        for alias in child.names:   # from pkg import submodule: an import of the submodule
                            if _is_module(root, f"{base}.{alias.name}"):
                                yield Import(module, f"{base}.{alias.name}", child.lineno, function)
                            else:
                                plain.append(alias.name)
                        if plain:
                            yield Import(module, base, child.lineno, function, tuple(plain))
                yield from visit(child, inner)

        yield from visit(tree, None)


def layer_of(module: str, layers) -> Optional[int]:
    """The index of the layer ``module`` is in: the longest listed prefix wins; the root package (the
    face) stands for its ``__init__.py`` only."""
    best, index = -1, None
    for i, (_name, members) in enumerate(layers):
        for m in members:
            if (module == m or ("." in m and module.startswith(m + "."))) and len(m) > best:
                best, index = len(m), i
    return index


def _face_attributes(root: Path, module: str, package: str) -> List[str]:
    """The attributes a module reads off the bare name ``package`` (after ``import package``)."""
    tree = ast.parse((root / module_path(root, module, package)).read_text())
    return sorted({n.attr for n in ast.walk(tree)
                   if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == package})


def check(root: Path, package: str, layers, allowed, face_metadata=FACE_METADATA) -> Tuple[List[str], List[str]]:
    """(violations, unknown modules). A violation names the importing file:line, the function (or
    module level), the two layers, and what to do."""
    names = [n for n, _ in layers]
    violations, unknown, used = [], set(), set()
    for imp in imports(root, package):
        low, high = layer_of(imp.importer, layers), layer_of(imp.imported, layers)
        if low is None:
            unknown.add(imp.importer)
            continue
        if high is None:
            unknown.add(imp.imported)
            continue
        if high <= low:
            continue
        if imp.imported == package:      # the face: metadata only
            read = set(imp.names) if imp.names else set(_face_attributes(root, imp.importer, package))
            if read <= set(face_metadata):
                continue
        if (imp.importer, imp.imported) in allowed:
            used.add((imp.importer, imp.imported))
            continue
        violations.append(f"{imp.where(root, package)}: {imp.importer} ({names[low]}) imports {imp.imported} "
                          f"({names[high]}), a layer above: move the code to the layer it belongs to")
    stale = [f"ALLOWED entry {k} matches no import any more: delete it" for k in allowed if k not in used]
    return violations + stale, sorted(unknown)


def test_no_import_goes_up_a_layer():
    violations, _ = check(ROOT, "obskit", LAYERS, ALLOWED)
    assert not violations, "\n".join(violations)


def test_every_module_is_in_a_layer():
    _, unknown = check(ROOT, "obskit", LAYERS, ALLOWED)
    assert not unknown, f"modules in no layer of tests/test_layers.py LAYERS: {unknown}"


def test_every_exception_has_a_reason():
    for key, reason in ALLOWED.items():
        assert len(reason.split()) >= 5, key


def _package(tmp_path: Path, files: Dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


PLANTED_LAYERS = (("low", ("pkg.low",)), ("high", ("pkg.high",)), ("face", ("pkg",)))


@pytest.mark.parametrize("source, where", [
    ("from pkg.high import thing\n", "pkg/low/a.py:1 at module level"),
    ("import pkg.high.thing\n", "pkg/low/a.py:1 at module level"),
    ("def f():\n    from pkg.high.thing import x\n    return x\n", "pkg/low/a.py:2 in f()"),
    ("class C:\n    def m(self):\n        from ..high import thing\n", "pkg/low/a.py:3 in m()"),
    ("from pkg import high\n", "pkg/low/a.py:1 at module level"),
    ("from pkg import helper\n", "pkg/low/a.py:1 at module level"),
    ("import pkg\nX = pkg.helper\n", "pkg/low/a.py:1 at module level"),
])
def test_a_planted_violation_fails(tmp_path, source, where):
    root = _package(tmp_path, {"__init__.py": "__version__ = '1'\nfrom pkg.high.thing import x as helper\n",
                               "low/__init__.py": "", "low/a.py": source,
                               "high/__init__.py": "", "high/thing.py": "from pkg.low import a\nx = 1\n"})
    violations, unknown = check(root, "pkg", PLANTED_LAYERS, {})
    assert unknown == []
    assert len(violations) == 1 and violations[0].startswith(where + ": pkg.low.a (low) imports pkg"), violations
    # the same import, allowed with a reason, passes; the entry is then in use
    imported = re.search(r"imports (\S+)", violations[0]).group(1)
    assert check(root, "pkg", PLANTED_LAYERS, {("pkg.low.a", imported): "a reason"}) == ([], [])


def test_imports_down_and_the_faces_version_pass(tmp_path):
    root = _package(tmp_path, {"__init__.py": "__version__ = '1'\n", "low/__init__.py": "",
                               "low/a.py": "from pkg import __version__\nimport pkg\nV = pkg.__version__\n",
                               "high/__init__.py": "", "high/thing.py": "def f():\n    from pkg.low import a\n"})
    assert check(root, "pkg", PLANTED_LAYERS, {}) == ([], [])
    # an unused exception is reported, so the list cannot outlive its imports
    (stale,), _ = check(root, "pkg", PLANTED_LAYERS, {("pkg.low.a", "pkg.high"): "gone"})
    assert "matches no import" in stale
    # a module no layer names is reported
    (tmp_path / "pkg" / "other.py").write_text("from pkg.low import a\n")
    assert check(root, "pkg", PLANTED_LAYERS, {})[1] == ["pkg.other"]


def _docs_table(text: str) -> List[Tuple[str, Tuple[str, ...]]]:
    """The rows of docs/architecture.md's layer table: ``| n | layer | `a`, `b` |``."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\|\s*(\d+)\s*\|\s*([a-z]+)\s*\|(.*)\|\s*$", line)
        if m:
            rows.append((int(m.group(1)), m.group(2), tuple(re.findall(r"`([a-z_.]+)`", m.group(3)))))
    return [(name, members) for _, name, members in sorted(rows)]


def test_the_docs_table_is_this_order():
    table = _docs_table((ROOT / "docs" / "architecture.md").read_text())
    assert table == list(LAYERS), "docs/architecture.md's layer table differs from LAYERS"
