"""Human-readable output: unified diffs per changed resource and the apply summary."""
from __future__ import annotations

import difflib
from typing import List

from obskit.apply.apply import Result
from obskit.apply.normalise import pretty
from obskit.apply.plan import Change, Plan

SYMBOL = {"create": "+", "update": "~", "delete": "-", "drift": "!", "conflict": "x",
          "provisioned": "=", "error": "?", "unchanged": " ", "foreign": "o"}
ORDER = {"datasource": 0, "folder": 1, "dashboard": 2}


def _path(c: Change) -> str:
    return f"{c.kind}/{c.uid}"


def change_diff(c: Change) -> str:
    before = pretty(c.before).splitlines(keepends=True) if c.before is not None else []
    after = pretty(c.after).splitlines(keepends=True) if c.after is not None and c.action != "delete" else []
    if c.action == "delete":
        after = []
    lines = difflib.unified_diff(before, after, fromfile=f"grafana:{_path(c)}" if before else "/dev/null",
                                 tofile=f"build:{_path(c)}" if after else "/dev/null", n=3)
    return "".join(lines)


def render_diff(plan: Plan, stat: bool = False) -> str:
    """A header per resource that differs (``+`` create, ``~`` update, ``-`` delete, ``!`` drift,
    ``x`` conflict, ``=`` provisioned, ``?`` error), each followed by a unified diff unless ``stat``;
    one line (``o``) per datasource obskit does not own and leaves as it is (no diff: not a difference)."""
    out: List[str] = []
    for c in sorted(plan.changes, key=lambda c: (ORDER.get(c.kind, 9), c.uid)):
        if c.action == "unchanged":
            continue
        forced = " (--force)" if c.forced else ""
        out.append(f"{SYMBOL.get(c.action, '?')} {c.label}: {c.action}{forced}" + (f" - {c.reason}" if c.reason else ""))
        if c.action not in ("error", "foreign") and not stat:
            text = change_diff(c)
            if text:
                out.append(text.rstrip("\n"))
            out.append("")
    return "\n".join(out)


def plan_counts(plan: Plan) -> str:
    parts = []
    for action in ("create", "update", "delete", "unchanged", "drift", "conflict", "provisioned", "error", "foreign"):
        n = plan.count(action)
        if n or action in ("create", "update", "unchanged"):
            parts.append(f"{n} {'not owned' if action == 'foreign' else action}")
    return ", ".join(parts)


def render_summary(result: Result, requests: int, writes: int, retries: int) -> str:
    counts = result.counts
    head = "would be " if result.dry_run else ""
    text = [f"obskit apply{' (dry run)' if result.dry_run else ''}: "
            + ", ".join(f"{n} {head if k in ('created', 'updated', 'deleted') else ''}{k.replace('_', ' ')}"
                        for k, n in counts.items() if k != "not_owned" or n)
            + f" ({requests} request(s), {writes} write(s), {retries} retried)"]
    for kind in ("not_owned", "skipped", "failed"):
        items = [o for o in result.outcomes if o.outcome == kind and not o.stopped]
        if items:
            text.append("not owned by obskit (left as they are):" if kind == "not_owned" else f"{kind}:")
            for o in sorted(items, key=lambda o: (ORDER.get(o.change.kind, 9), o.change.uid)):
                text.append(f"  {o.change.label}: {o.message}")
    stopped = sum(1 for o in result.outcomes if o.stopped)
    if result.fatal is not None and stopped:
        status = f"HTTP {result.fatal.status}" if result.fatal.status is not None else "no answer"
        text.append(f"stopped: {stopped} write(s) not done: the run stopped at {result.fatal.method} "
                    f"{result.fatal.path} ({status}, see the obskit: line)")
    return "\n".join(text)


def render_changes(result: Result) -> str:
    """One line per write (created/updated/deleted), for the log of a CI run."""
    lines = []
    for o in sorted(result.outcomes, key=lambda o: (ORDER.get(o.change.kind, 9), o.change.uid)):
        if o.outcome in ("created", "updated", "deleted"):
            note = f" ({o.message})" if o.message else ""
            lines.append(f"{SYMBOL[o.change.action]} {o.change.label}: {o.outcome}{note}")
    return "\n".join(lines)
