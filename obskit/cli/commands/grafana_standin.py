"""obskit grafana-standin"""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "grafana-standin", help="serve an in-memory stand-in for Grafana's HTTP API, to try obskit apply without a Grafana",
        description="Serve the stand-in obskit's tests use for Grafana's HTTP API: the legacy /api (folders, "
                    "dashboards, search, datasources, health) and, for --version 12 or newer, the resource API "
                    "/apis (dashboard.grafana.app, folder.grafana.app) with resourceVersion conflicts and "
                    "Kubernetes Status errors. Everything lives in memory and is gone when it stops (Ctrl-C). "
                    "It prints the GRAFANA_URL and GRAFANA_TOKEN to use. Not a Grafana: no UI, no queries.")
    p.add_argument("--port", type=int, default=3000, help="port to listen on (default 3000; 0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--version", default="12", metavar="V",
                   help="the Grafana release to act as (default 12): 10 and 11 serve the legacy /api only, "
                        "12 and 13 both APIs")
    p.add_argument("--org-id", type=int, default=1, metavar="N",
                   help="the org of the token (resource API namespace default for 1, org-<N> otherwise)")
    p.add_argument("--stack-id", type=int, default=None, metavar="N",
                   help="act as Grafana Cloud stack N (resource API namespace stacks-<N>)")
    p.add_argument("--latency", type=float, default=0.0, metavar="SECONDS", help="delay every answer")
    p.add_argument("--contract", default=None, metavar="PATH",
                   help="check every /api request against this OpenAPI subset (shared/schemas/grafana-http/"
                        "openapi-subset.json); violations are printed at exit (exit 1)")
    p.set_defaults(func=run)


def run(args) -> int:
    import secrets
    import signal
    import sys
    import threading

    from obskit.apply.standin import GrafanaStandin

    try:
        standin = GrafanaStandin(token=f"glsa_standin_{secrets.token_hex(16)}", version=args.version,
                                 latency=args.latency, contract=args.contract, org_id=args.org_id,
                                 stack_id=args.stack_id, host=args.host, port=args.port)
        standin.start()
    except (ValueError, OSError) as exc:
        print(f"obskit: grafana-standin: {exc}", file=sys.stderr)
        return 1
    apis = "legacy /api and resource API /apis" if standin.resource_api else "legacy /api only"
    print(f"obskit grafana-standin: Grafana {standin.version} stand-in ({apis}, namespace {standin.namespace}) "
          f"on {standin.url}\n"
          f"  export GRAFANA_URL={standin.url}\n"
          f"  export GRAFANA_TOKEN={standin.token}\n"
          f"  obskit diff; obskit apply            # or: obskit apply --from build/\n"
          f"everything is kept in memory; Ctrl-C stops it", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(0.5):
        pass
    standin.stop()
    if standin.violations:
        print("obskit: grafana-standin: requests that broke the contract:\n  " + "\n  ".join(standin.violations[:20]),
              file=sys.stderr)
        return 1
    return 0
