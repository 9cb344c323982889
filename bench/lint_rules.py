"""How long the rule lint takes on many rules, and what the reference alert tests cost.

    python bench/lint_rules.py [N_RULES]
"""
import sys
import time
from pathlib import Path

from obskit.lint import lint
from obskit.model.rules import AlertRule, RecordingRule, RuleGroup
from obskit.project import Project, Settings


def synthetic(n: int):
    groups = []
    for g in range(n // 20):
        rules = []
        for i in range(20):
            k = g * 20 + i
            if i % 2:
                rules.append(RecordingRule(record=f"job:metric_{k}:rate5m",
                                           expr=f'sum by (job) (rate(metric_{k}_total{{env="prod"}}[5m]))'))
            else:
                rules.append(AlertRule(name=f"Alert{k}", expr=f"sum by (job, instance) (rate(m_{k}[5m])) / "
                                                                f"sum by (job, instance) (rate(t_{k}[5m])) > 0.05",
                                       for_="5m", severity="warning", summary=f"alert {k}",
                                       description="{{ $labels.instance }} of {{ $labels.job }}: "
                                                   "{{ $value | humanizePercentage }}"))
        groups.append(RuleGroup(name=f"group-{g}", rules=tuple(rules)))
    return groups


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    t0 = time.perf_counter()
    groups = synthetic(n)
    t1 = time.perf_counter()
    project = Project(root=Path.cwd(), settings=Settings(), definitions=tuple(groups))
    found = lint(project)
    t2 = time.perf_counter()
    print(f"rules: {n}  define (incl. PromQL syntax check): {t1 - t0:.2f}s  lint: {t2 - t1:.2f}s "
          f"({(t2 - t1) / n * 1e3:.2f} ms/rule)  findings: {len(found)}")

    from obskit.loader import load_project
    from obskit.verify.alert_tests import AlertTest, alert_tests
    root = Path(__file__).resolve().parent.parent
    t3 = time.perf_counter()
    proj = load_project(root)
    t4 = time.perf_counter()
    outcomes, _ = alert_tests(proj, None, None)
    t5 = time.perf_counter()
    tests = sum(len(o.test_names) for o in outcomes)
    print(f"repository: load+lint {t4 - t3:.2f}s; {len(proj.of(AlertTest))} alert tests in {len(outcomes)} promtool "
          f"run(s): {t5 - t4:.2f}s, {'all passed' if all(o.ok for o in outcomes) else 'FAILURES'} ({tests} tests)")


if __name__ == "__main__":
    main()
