"""Proving the import's routing: label sets that reach every route of the original tree and fall
through each matcher, which the tests route through the original and the built config with amtool."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence


def _candidates(values: Sequence[str]) -> List[str]:
    from obskit.promql_ast import regex_patterns
    out = []
    for v in values:
        for p in sorted(regex_patterns(v) or (), key=lambda p: p.text):
            out += [p.text, p.text + "00", p.text + "0", p.text + "a", p.text + "x", p.text + "-x"]
        out += [v, f"not-{v}", v + "x"]
    return list(dict.fromkeys(out + ["", "x", "other-value"]))


def _satisfy(matchers, labels: Dict[str, str]) -> Optional[Dict[str, str]]:
    """``labels`` extended so that every matcher matches, or None when no candidate value does."""
    out = dict(labels)
    by_name: Dict[str, list] = {}
    for m in matchers:
        by_name.setdefault(m.name, []).append(m)
    for name, ms in by_name.items():
        pool = ([out[name]] if name in out else []) + _candidates([m.value for m in ms])
        ok = next((v for v in pool if all(m.matches({name: v}) for m in ms)), None)
        if ok is None:
            return None
        if ok:
            out[name] = ok
        else:
            out.pop(name, None)
    return out


def label_sets(path: "str | Path") -> List[Dict[str, str]]:
    """Label sets that reach every route of ``path``'s tree, and that fall through each of its
    matchers (the parents' matched, this one not); the empty set too."""
    from obskit.model.alertmanager.matchers import Matcher, parse_matchers
    import yaml
    doc = yaml.safe_load(Path(path).read_text())
    found: List[Dict[str, str]] = [{}]

    def matchers_of(r) -> list:
        ms, _ = parse_matchers(r.get("matchers") or [])
        ms = list(ms)
        for k, v in (r.get("match") or {}).items():
            ms.append(Matcher(str(k), "=", str(v)))
        for k, v in (r.get("match_re") or {}).items():
            ms.append(Matcher(str(k), "=~", str(v)))
        return ms

    def walk(r, above: list) -> None:
        mine = matchers_of(r)
        here = _satisfy(above + mine, {})
        if here is not None:
            found.append(here)
        for i, m in enumerate(mine):
            flipped = Matcher(m.name, {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}[m.op], m.value)
            miss = _satisfy(above + mine[:i] + [flipped], {})
            if miss is not None:
                found.append(miss)
        for child in r.get("routes") or []:
            walk(child, above + mine)

    walk(doc["route"], [])
    unique = []
    for s in found:
        if s not in unique:
            unique.append(s)
    return unique
