#!/usr/bin/env python3
"""Where ``promtool check rules`` spends its time on obskit's generated rules.

    python bench/rule_check_cost.py                 # 2,000 SLOs (20 rule files of bench/build_scale.py's project)
    python bench/rule_check_cost.py --slos 500 --promtool 3.16

The project of bench/build_scale.py is built without verification; its rule files are then checked
by each installed promtool (or each ``--promtool`` prefix) as they are and with parts taken out:
recording rules only, with and without their labels; alerting rules only, bare, with their labels,
with plain one-word annotations, with obskit's annotations. The differences give the cost of each
part per rule and per label or annotation value. promtool parses every label and annotation value of
an alerting rule as a template, with a new template expander each (prometheus/model/rulefmt
``testTemplateParsing``): at 10,000 SLOs that alone is most of the build's verification time, and it
is why a verified 10,000-SLO build cannot take 5 s on 2 cores (bench/README.md, "Build at scale").
"""
from __future__ import annotations

import argparse
import copy
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _variants(groups_by_file):
    """name → (rules kept, transform of one rule) for each variant."""
    def keep(kind):
        return lambda r: kind in r

    def drop(*keys):
        return lambda r: {k: v for k, v in r.items() if k not in keys}

    def plain_annotations(r):
        r = drop("labels")(r)
        if "annotations" in r:
            r["annotations"] = {k: "text" for k in r["annotations"]}
        return r

    return {
        "everything": (lambda r: True, lambda r: r),
        "recording rules": (keep("record"), lambda r: r),
        "recording rules, no labels": (keep("record"), drop("labels")),
        "alerting rules": (keep("alert"), lambda r: r),
        "alerting rules, bare": (keep("alert"), drop("labels", "annotations")),
        "alerting rules, labels only": (keep("alert"), drop("annotations")),
        "alerting rules, plain annotations only": (keep("alert"), plain_annotations),
    }


def _write(variant, src_files, out: Path):
    choose, change = variant
    out.mkdir(parents=True)
    counts = {"rules": 0, "labels": 0, "annotations": 0}
    for path, doc in src_files:
        doc = copy.deepcopy(doc)
        for g in doc["groups"]:
            g["rules"] = [change(r) for r in g["rules"] if choose(r)]
            for r in g["rules"]:
                counts["rules"] += 1
                counts["labels"] += len(r.get("labels", {})) if "alert" in r else 0
                counts["annotations"] += len(r.get("annotations", {}))
        (out / path.name).write_text(yaml.safe_dump(doc, sort_keys=False))
    return counts


def _cpu(cmd) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"{cmd[0]} failed: {res.stderr or res.stdout}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--slos", type=int, default=2000)
    ap.add_argument("--promtool", action="append", default=[], metavar="VERSION")
    ap.add_argument("--repeat", type=int, default=3, help="runs per variant; the minimum CPU is kept")
    args = ap.parse_args()
    import build_scale
    from obskit.build import build
    from obskit.verify import tools

    versions = [t for t in tools.installed("promtool") if not args.promtool or any(t.matches(w) for w in args.promtool)]
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp) / "p"
        (proj / "slos").mkdir(parents=True)
        (proj / "slos" / "generated.py").write_text(textwrap.dedent(build_scale.MODULE.format(n=args.slos)))
        build(str(proj), str(Path(tmp) / "out"), verify=False, cache=False)
        src = sorted((Path(tmp) / "out" / "prometheus" / "rules").glob("*.yml"))
        docs = [(p, yaml.safe_load(p.read_text())) for p in src]
        results = {}
        for name, variant in _variants(docs).items():
            d = Path(tmp) / "v" / name.replace(" ", "_").replace(",", "")
            counts = _write(variant, docs, d)
            files = sorted(str(p) for p in d.glob("*.yml"))
            results[name] = (counts, {t.version: min(_cpu([t.path, "check", "rules", *files]) for _ in range(args.repeat))
                                      for t in versions})
    print(f"{args.slos} SLOs, {len(src)} rule files; promtool CPU s (user + system, best of {args.repeat})")
    print(f"{'variant':<42} {'rules':>7} {'labels':>7} {'annots':>7} " + " ".join(f"{t.version:>9}" for t in versions))
    for name, (c, cpu) in results.items():
        print(f"{name:<42} {c['rules']:>7} {c['labels']:>7} {c['annotations']:>7} "
              + " ".join(f"{cpu[t.version]:>9.2f}" for t in versions))
    print("derived, µs each:")
    for t in versions:
        v = t.version
        cpu = {k: r[1][v] for k, r in results.items()}
        cnt = {k: r[0] for k, r in results.items()}
        bare = cpu["alerting rules, bare"]
        per_label = (cpu["alerting rules, labels only"] - bare) / max(1, cnt["alerting rules, labels only"]["labels"])
        per_plain = (cpu["alerting rules, plain annotations only"] - bare) / max(
            1, cnt["alerting rules, plain annotations only"]["annotations"])
        per_ann = (cpu["alerting rules"] - cpu["alerting rules, labels only"]) / max(1, cnt["alerting rules"]["annotations"])
        per_rec = cpu["recording rules"] / max(1, cnt["recording rules"]["rules"])
        per_alert = bare / max(1, cnt["alerting rules, bare"]["rules"])
        templated = cpu["alerting rules"] - bare
        print(f"  promtool {v}: recording rule {1e6 * per_rec:.0f}, bare alerting rule {1e6 * per_alert:.0f}, "
              f"alert label value {1e6 * per_label:.0f}, plain annotation {1e6 * per_plain:.0f}, obskit annotation "
              f"{1e6 * per_ann:.0f}; alerts' labels and annotations: {100 * templated / cpu['everything']:.0f} % of the check")


if __name__ == "__main__":
    main()
