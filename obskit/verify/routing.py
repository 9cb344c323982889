"""Routing tests: ``labels → expected receivers`` run through ``amtool config routes test``.

From pytest::

    from obskit.verify.routing import assert_routes
    assert_routes("path/to/project", [({"service": "api", "severity": "critical"}, ["pagerduty"])])

and as the ``obskit test`` provider :func:`routing_tests` for the project's ``RouteTest``s.
amtool ignores inhibition and time intervals; the end-to-end test proves inhibition.

When the project's Kubernetes objects have a namespace (``[kubernetes]`` / ``[project] namespace``),
the tests run on the tree as the Prometheus Operator deploys the AlertmanagerConfig
(:func:`~obskit.render.alertmanager.operator_view`, under kube-prometheus-stack's own root route):
receivers are ``<namespace>/<name>/<receiver>``, the top route carries the namespace matcher of
``[kubernetes] matcher_strategy``, and each test's alert carries ``namespace="<namespace>"`` unless
it sets a namespace itself (every alert the project defines does: see
:func:`obskit.targets.alertmanager.check_operator_routing`).
"""
from __future__ import annotations

import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple, Union

from obskit.compile.alertmanager import AlertmanagerIR, AMRouteTest, compile_alertmanager
from obskit.location import Location
from obskit.model.alertmanager.route_test import RouteTest
from obskit.project import Project, alert_namespace, kubernetes_namespace
from obskit.render import alertmanager as render
from obskit.verify import amtool
from obskit.verify.runner import Outcome
from obskit.verify.tools import Tool

SUBJECT = "alertmanager routes"


@dataclass(frozen=True)
class RouteCheck:
    name: str
    labels: Tuple[Tuple[str, str], ...]
    expected: Tuple[str, ...]
    got: Tuple[str, ...]
    ok: bool
    seconds: float
    location: Optional[Location] = None
    note: str = ""              # how the tree was deployed (the operator's rewrite)

    def diff(self) -> str:
        where = f" ({self.location})" if self.location else ""
        labels = ", ".join(f'{k}="{v}"' for k, v in self.labels)
        missing = [r for r in self.expected if r not in self.got]
        extra = [r for r in self.got if r not in self.expected]
        lines = [f"route test {self.name!r}{where}",
                 f"  labels:   {{{labels}}}",
                 f"  expected: {', '.join(self.expected) or '(none)'}",
                 f"  got:      {', '.join(self.got) or '(none)'}"]
        if missing:
            lines.append(f"  missing:  {', '.join(missing)}")
        if extra:
            lines.append(f"  extra:    {', '.join(extra)}")
        if not missing and not extra and self.expected != self.got:
            lines.append("  same receivers in another order: amtool compares them in routing-tree order")
        if self.note:
            lines.append(f"  tree:     {self.note}")
        return "\n".join(lines)


Case = Union[RouteTest, AMRouteTest, Tuple[object, Sequence[str]]]


def _normalise(case: Case, i: int) -> AMRouteTest:
    if isinstance(case, (RouteTest, AMRouteTest)):
        return AMRouteTest(case.name, tuple(case.labels), tuple(case.receivers), getattr(case, "location", None))
    labels, receivers = case
    items = tuple(sorted(labels.items() if hasattr(labels, "items") else labels))
    receivers = (receivers,) if isinstance(receivers, str) else tuple(receivers)
    return AMRouteTest(f"case {i + 1}: " + ", ".join(f"{k}={v}" for k, v in items), items, receivers, None)


def write_config(ir: AlertmanagerIR, directory: Path) -> Path:
    """Write alertmanager.yml and its templates into ``directory``; return the config path."""
    path = directory / "alertmanager.yml"
    path.write_bytes(render.render(ir))
    for rel, data in render.render_templates(ir).items():
        (directory / rel).parent.mkdir(parents=True, exist_ok=True)
        (directory / rel).write_bytes(data)
    return path


@dataclass(frozen=True)
class OperatorTree:
    """How the Prometheus Operator deploys the project's AlertmanagerConfig (``[kubernetes]``)."""

    namespace: str                       # of the AlertmanagerConfig
    name: str                            # of the AlertmanagerConfig
    strategy: str                        # the Alertmanager object's alertmanagerConfigMatcherStrategy
    alertmanager_namespace: Optional[str]
    alert_namespace: Optional[str]       # the namespace label an alert needs (None: no matcher added)

    @property
    def prefix(self) -> str:
        return f"{self.namespace}/{self.name}/"

    @property
    def note(self) -> str:
        matcher = (f'namespace="{self.alert_namespace}" matcher on its top route, added to each alert without '
                   "a namespace label" if self.alert_namespace else "no namespace matcher")
        return (f"as the operator deploys AlertmanagerConfig {self.namespace}/{self.name} "
                f"(matcher_strategy {self.strategy}: {matcher}; receivers prefixed {self.prefix!r})")

    def case(self, t: AMRouteTest) -> AMRouteTest:
        labels = dict(t.labels)
        if self.alert_namespace and "namespace" not in labels:
            labels["namespace"] = self.alert_namespace
        return AMRouteTest(t.name, tuple(sorted(labels.items())), tuple(self.prefix + r for r in t.receivers),
                           t.location)

    def config(self, ir: AlertmanagerIR, base: Optional[dict] = None) -> dict:
        return render.operator_view(ir, self.namespace, name=self.name, strategy=self.strategy,
                                    alertmanager_namespace=self.alertmanager_namespace,
                                    base=base or render.KUBE_PROMETHEUS_STACK_BASE)


def operator_tree(project: Project) -> Optional[OperatorTree]:
    """The operator's deployment of the project's AlertmanagerConfig; None without a Kubernetes namespace."""
    namespace = kubernetes_namespace(project.settings)
    if namespace is None:
        return None
    k8s = project.settings.kubernetes
    return OperatorTree(namespace, k8s.alertmanager_config_name, k8s.matcher_strategy, k8s.alertmanager_namespace,
                        alert_namespace(project.settings))


def write_operator_config(ir: AlertmanagerIR, tree: OperatorTree, directory: Path,
                          base: Optional[dict] = None) -> Path:
    """Write the operator-generated ``alertmanager.yml`` (:meth:`OperatorTree.config`) into ``directory``."""
    from obskit.render.yamlfmt import dump
    path = directory / "alertmanager-operator.yml"
    path.write_text(render.header(ir) + dump(tree.config(ir, base)))
    return path


def check_routes(config: Path, cases: Iterable[Case], workers: Optional[int] = None,
                 tool: Optional[Tool] = None, note: str = "") -> List[RouteCheck]:
    """Run every case through ``amtool config routes test --verify.receivers`` (``tool``: one
    installed amtool, default :func:`~obskit.verify.tools.pick`)."""
    tests = [_normalise(c, i) for i, c in enumerate(cases)]

    def one(t: AMRouteTest) -> RouteCheck:
        start = time.monotonic()
        res = amtool.routes_test(config, t.labels, t.receivers, tool=tool)
        return RouteCheck(t.name, t.labels, t.receivers, res.got, res.ok, time.monotonic() - start, t.location,
                          note)

    with ThreadPoolExecutor(max_workers=workers or 4) as pool:
        return list(pool.map(one, tests))


def _config_for(target, directory: Path, operator: Optional[bool] = None
                ) -> Tuple[Path, Optional[AlertmanagerIR], Optional[OperatorTree]]:
    if isinstance(target, AlertmanagerIR):
        return write_config(target, directory), target, None
    if isinstance(target, Project):
        ir = compile_alertmanager(target)
        if ir is None:
            raise ValueError(f"project {target.root} defines no Alertmanager")
        tree = operator_tree(target) if operator is not False else None
        if operator and tree is None:
            raise ValueError(f"project {target.root} has no Kubernetes namespace: set [kubernetes] namespace")
        if tree is not None:
            return write_operator_config(ir, tree, directory), ir, tree
        return write_config(ir, directory), ir, None
    path = Path(target)
    if path.is_dir():
        from obskit.loader import load_project
        return _config_for(load_project(path), directory, operator)
    return path, None, None


def assert_routes(target, cases: Iterable[Case] = None, tool: Optional[Tool] = None,
                  operator: Optional[bool] = None) -> List[RouteCheck]:
    """For pytest. ``target``: a project directory, a Project, an AlertmanagerIR or an
    alertmanager.yml path; ``cases``: RouteTests or ``(labels, receivers)`` pairs (default: the
    project's RouteTests). A project with a Kubernetes namespace is routed as the operator deploys
    it (receivers named as in the project; ``operator=False``: the plain alertmanager.yml).
    Raises AssertionError with a readable diff per failing case."""
    directory = Path(tempfile.mkdtemp(prefix="obskit-routes-"))
    try:
        config, ir, tree = _config_for(target, directory, operator)
        if cases is None:
            if ir is None:
                raise ValueError("give cases= when routing a plain alertmanager.yml")
            cases = ir.route_tests
        cases = [_normalise(c, i) for i, c in enumerate(cases)]
        if tree is not None:
            cases = [tree.case(c) for c in cases]
        checks = check_routes(config, cases, tool=tool, note=tree.note if tree else "")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    failed = [c for c in checks if not c.ok]
    if failed:
        raise AssertionError(f"{len(failed)} of {len(checks)} routing case(s) failed:\n"
                             + "\n".join(c.diff() for c in failed))
    return checks


def routing_tests(project: Project, workers: Optional[int], keep: Optional[Path], tool: Optional[Tool] = None):
    """``obskit test`` provider: the project's RouteTests through amtool (``tool``: one version)."""
    ir = compile_alertmanager(project)
    if ir is None:
        return [], []
    if not ir.route_tests:
        return [], [f"{SUBJECT}: the project defines no RouteTest"]
    sub = f"alertmanager-{tool.version}" if tool else "alertmanager"
    directory = Path(keep) / sub if keep else Path(tempfile.mkdtemp(prefix="obskit-routes-"))
    directory.mkdir(parents=True, exist_ok=True)
    tree = operator_tree(project)
    try:
        if tree is None:
            config, cases = write_config(ir, directory), ir.route_tests
        else:   # the tree as deployed by the operator (module docstring)
            config, cases = write_operator_config(ir, tree, directory), tuple(tree.case(t) for t in ir.route_tests)
        checks = check_routes(config, cases, workers, tool=tool, note=tree.note if tree else "")
    finally:
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)
    outcomes = [Outcome(SUBJECT, c.name, (c.name,), c.ok, "" if c.ok else c.diff(), c.seconds,
                        frozenset() if c.ok else frozenset({c.name}), tool.label if tool else "") for c in checks]
    return outcomes, untested_routes(project)


def untested_routes(project: Project) -> List[str]:
    """Notes for the leaf routes where no RouteTest's alert ends (by obskit's tree walk, which a
    property test holds to amtool's)."""
    from obskit.model.alertmanager import Alertmanager
    am = project.of(Alertmanager)[0]
    reached = {p for t in project.of(RouteTest) for p in am.route.matching(dict(t.labels))}
    root = str(project.root)
    notes = []
    for path, r in am.route.paths():
        if r.routes or path in reached:
            continue
        selectors = [", ".join(map(str, node.matchers)) for _, node in _ancestry(am.route, path)]
        notes.append(f"{SUBJECT}: no RouteTest ends on the route to {r.receiver_name or '(inherited)'!r} "
                     f"defined at {r.location.relative_to(root)} under {' / '.join(s for s in selectors if s) or 'the root'}")
    return notes


def _ancestry(root, path):
    node = root
    yield (), node
    for depth, i in enumerate(path):
        node = node.routes[i]
        yield path[:depth + 1], node
