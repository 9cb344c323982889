"""What ``obskit diff`` and ``obskit apply`` share: arguments, building, connecting, running.

Exit codes (both commands): 0 the server matches the build (diff) / everything applied (apply);
1 a failure (server unreachable, a request failed, a build tool failed); 2 definition errors (nothing
sent); 3 differences remain: ``diff`` found changes, or ``apply`` skipped something (drift, conflict,
provisioned) without failing anything.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit
from typing import Iterator, Optional

from obskit.apply.client import Credentials, GrafanaClient, RetryPolicy, safe_url
from obskit.apply.local import read_output
from obskit.cli.common import EXIT_FAILED, EXIT_OK, add_output_options, add_project_dir, print_json

EXIT_CHANGES = 3


def add_arguments(p) -> None:
    add_project_dir(p)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--out", metavar="OUT_DIR", default=None,
                     help="build into OUT_DIR and keep it (default: a temporary directory)")
    src.add_argument("--from", dest="from_dir", metavar="OUT_DIR", default=None,
                     help="use an existing build output instead of building PROJECT_DIR")
    p.add_argument("--no-verify", action="store_true", help="build without checking files with promtool/amtool")
    p.add_argument("--grafana-url", default=None, metavar="URL",
                   help="Grafana base URL (default: $GRAFANA_URL, else [grafana] url in obskit.toml)")
    p.add_argument("--token-env", default="GRAFANA_TOKEN", metavar="NAME",
                   help="environment variable holding a service-account token (default: GRAFANA_TOKEN); "
                        "tokens are never taken on the command line")
    p.add_argument("--basic-auth", action="store_true",
                   help="use basic auth from $GRAFANA_USER and $GRAFANA_PASSWORD instead of a token")
    p.add_argument("--prune", action="store_true",
                   help="delete (apply) / show (diff) resources obskit owns that the build no longer has")
    p.add_argument("--force", action="store_true",
                   help="overwrite (or prune) owned resources changed on the server since obskit applied them")
    p.add_argument("--owner", default=None, metavar="NAME",
                   help="ownership scope written into every resource (default: $OBSKIT_OWNER or 'default'); give "
                        "each project that applies to the same Grafana its own, so --prune never crosses over")
    p.add_argument("--api", choices=("auto", "legacy", "resource"), default=None,
                   help="Grafana API: legacy /api (Grafana 10/11), the resource API /apis (dashboard.grafana.app, "
                        "folder.grafana.app; Grafana 12+), or auto: /api/health's version decides (default: "
                        "[grafana] api in obskit.toml, else auto)")
    ns = p.add_mutually_exclusive_group()
    ns.add_argument("--namespace", default=None, metavar="NS",
                    help="resource API namespace (default: [grafana] api_namespace or org_id, else 'default', "
                         "i.e. org 1; Grafana Cloud: stacks-<stack id>)")
    ns.add_argument("--org-id", type=int, default=None, metavar="N",
                    help="the org the token belongs to: namespace 'default' for 1, 'org-<N>' otherwise")
    p.add_argument("--concurrency", type=int, default=4, metavar="N",
                   help="requests in flight at once (1-64, default 4)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="read timeout per request")
    p.add_argument("--retries", type=int, default=4, metavar="N",
                   help="retries on connection errors, 429 and 5xx (default 4; never on other 4xx)")
    add_output_options(p)


class UsageError(Exception):
    pass


@contextmanager
def build_output(args) -> Iterator[Path]:
    """The build output directory: ``--from``, or a fresh build (kept with ``--out``)."""
    if args.from_dir:
        path = Path(args.from_dir)
        if not path.is_dir():
            raise UsageError(f"--from {path}: no such directory")
        yield path
        return
    from obskit.build import build
    tmp: Optional[str] = None
    out = args.out
    if out is None:
        tmp = tempfile.mkdtemp(prefix="obskit-apply-")
        out = tmp
    try:
        result = build(args.project_dir, out, verify=not args.no_verify)
        print(f"obskit: built {len(result.files)} file(s) into {result.out if args.out else 'a temporary directory'}",
              file=sys.stderr)
        yield Path(result.out)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def resolve_owner(args, environ=None) -> str:
    from obskit.apply.normalise import DEFAULT_OWNER
    env = os.environ if environ is None else environ
    owner = args.owner or env.get("OBSKIT_OWNER") or DEFAULT_OWNER
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,29}", owner):   # the tag obskit-owner:<owner> stays <= 43
        raise UsageError(f"--owner {owner!r}: use 1-30 characters of [a-z0-9._-]")
    return owner


def project_defaults(args) -> None:
    """``[grafana] url / api / org_id / api_namespace`` of the project's obskit.toml, where the command
    line gave none (``--from`` reads no project: only the command line and the environment count)."""
    settings = None
    if not getattr(args, "from_dir", None):
        from obskit.settings_file import load_settings
        project_dir = Path(getattr(args, "project_dir", None) or ".")
        if project_dir.is_dir():
            settings = load_settings(project_dir).grafana       # DefinitionError: located, exit 2
    if getattr(args, "api", None) is None:
        args.api = settings.api if settings is not None else "auto"
    if settings is None:
        return
    if not getattr(args, "namespace", None) and getattr(args, "org_id", None) is None:
        args.namespace, args.org_id = settings.api_namespace, settings.org_id
    if not args.grafana_url:
        args.settings_url = settings.url


def connect(args, environ=None) -> GrafanaClient:
    env = os.environ if environ is None else environ
    url = args.grafana_url or env.get("GRAFANA_URL", "") or getattr(args, "settings_url", None) or ""
    if not url:
        raise UsageError("no Grafana URL: pass --grafana-url, set GRAFANA_URL or [grafana] url in obskit.toml")
    if not 1 <= args.concurrency <= 64:
        raise UsageError("--concurrency must be between 1 and 64")
    if args.retries < 0:
        raise UsageError("--retries must be 0 or more")
    try:
        creds = Credentials.from_env(args.token_env, basic=args.basic_auth, environ=env)
        return GrafanaClient(url, creds, timeout=args.timeout, retry=RetryPolicy(attempts=args.retries + 1),
                             pool_size=args.concurrency)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def resolve_namespace(args, url: str) -> "tuple[str, bool]":
    """``(namespace, given)``: ``--namespace``, or from ``--org-id``, else ``default``."""
    from obskit.apply.resource import namespace_for
    namespace = getattr(args, "namespace", None)
    if namespace:
        if not re.fullmatch(r"default|org-[1-9][0-9]*|stacks-[1-9][0-9]*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", namespace):
            raise UsageError(f"--namespace {namespace!r}: expected default, org-<id> or stacks-<id>")
        return namespace, True
    org = getattr(args, "org_id", None)
    if org is not None:
        if org < 1:
            raise UsageError("--org-id must be 1 or more")
        return namespace_for(org), True
    return "default", False


def run(args, *, apply: bool, stdout=None, stderr=None, environ=None) -> int:
    """The whole of ``obskit diff`` (apply=False) and ``obskit apply`` (apply=True)."""
    from obskit.apply.apply import execute
    from obskit.apply.plan import make_plan
    from obskit.apply.progress import Progress
    from obskit.apply.report import plan_counts, render_changes, render_diff, render_summary
    from obskit.apply.client import GrafanaError
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    try:
        project_defaults(args)
        owner = resolve_owner(args, environ)
        client = connect(args, environ)
        with build_output(args) as directory:
            local = read_output(directory, environ=environ)
    except UsageError as exc:
        print(f"obskit: {exc}", file=err)
        return EXIT_FAILED
    target = safe_url(client.url)
    if local.empty:
        print("obskit: the build has no Grafana resources (no grafana/ folders, dashboards or datasources)",
              file=err)
    as_json = getattr(args, "output", "text") == "json"
    info = None
    if not local.empty or args.prune:
        from obskit.apply.resource import ApiError, select
        try:
            namespace, given = resolve_namespace(args, client.url)
            backend, info = select(client, getattr(args, "api", None) or "auto", namespace=namespace, owner=owner)
            host = (urlsplit(client.url).hostname or "").lower()
            if info.api == "resource" and not given and host.endswith(".grafana.net"):
                raise UsageError(f"{host} is Grafana Cloud: its resource API namespace is stacks-<stack id>; pass "
                                 "--namespace stacks-<id> (or --api legacy)")
        except (ApiError, UsageError, GrafanaError) as exc:
            print(f"obskit: {exc}", file=err)
            if as_json:
                print_json({"ok": False, "exit_code": EXIT_FAILED, "grafana": target, "error": str(exc),
                            "requests": client.stats.requests, "writes": 0}, out)
            return EXIT_FAILED
        print(f"obskit: {info.describe()}", file=err)
        client = backend
    progress = Progress("reading", len(local.folders) + len(local.dashboards) + len(local.datasources), stream=err)
    try:
        plan = make_plan(client, local, force=args.force, prune=args.prune, concurrency=args.concurrency,
                         tick=progress.tick, owner=owner, grow=progress.grow)
    except GrafanaError as exc:  # fatal (401/403, a redirect): make_plan reports everything else per resource
        progress.close()
        print(f"obskit: {exc}", file=err)
        if as_json:
            print_json({"ok": False, "exit_code": EXIT_FAILED, "grafana": target, "error": str(exc),
                        "requests": client.stats.requests, "writes": 0}, out)
        return EXIT_FAILED
    progress.close()

    if not apply:
        code = EXIT_FAILED if plan.count("error") else EXIT_OK if plan.in_sync else EXIT_CHANGES
        if as_json:
            print_json({"ok": code != EXIT_FAILED, "exit_code": code, "grafana": target,
                        "api": info.as_json() if info else None,
                        "requests": client.stats.requests, "writes": 0,
                        "changes": [{"kind": c.kind, "uid": c.uid, "title": c.title, "action": c.action,
                                     "reason": c.reason} for c in plan.changes]}, out)
            return code
        text = render_diff(plan, stat=getattr(args, "stat", False))
        if text:
            print(text, file=out)
        print(f"obskit diff against {target}: {plan_counts(plan)} "
              f"({client.stats.requests} request(s), 0 writes)", file=out)
        if plan.count("error"):
            return EXIT_FAILED
        return EXIT_OK if plan.in_sync else EXIT_CHANGES

    writes = sum(1 for c in plan.changes if c.writes)
    progress.phase("applying", writes)
    result = execute(client, plan, concurrency=args.concurrency, dry_run=args.dry_run, tick=progress.tick)
    progress.close()
    s = client.stats
    code = EXIT_FAILED if result.failed else EXIT_CHANGES if result.skipped else EXIT_OK
    if result.fatal is not None:
        print(f"obskit: {result.fatal}", file=err)
        err.flush()
    if as_json:
        print_json({"ok": code != EXIT_FAILED, "exit_code": code, "grafana": target, "dry_run": result.dry_run,
                    "api": info.as_json() if info else None,
                    "counts": result.counts, "requests": s.requests, "writes": s.writes, "retries": s.retries,
                    "error": str(result.fatal) if result.fatal is not None else None,
                    "outcomes": [{"kind": o.change.kind, "uid": o.change.uid, "title": o.change.title,
                                  "action": o.change.action, "outcome": o.outcome, "message": o.message}
                                 for o in result.outcomes]}, out)
        return code
    changes = render_changes(result)
    if changes and not getattr(args, "quiet", False):
        print(changes, file=out)
    print(render_summary(result, s.requests, s.writes, s.retries) + f"\nGrafana: {target}", file=out)
    return code
