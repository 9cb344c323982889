"""The connection to a live Prometheus, shared by ``status``, ``check --prometheus`` and ``backtest``.

:func:`add_connection_arguments` adds the options; :meth:`PrometheusAPI.from_args` turns them into a
client. Every request is bounded in time (``--timeout``: the connect, every read and the whole answer;
the server is also told to give up a query after it) and every command bounds how many requests it
sends (``max_requests``): a command over its bound stops with an error instead of hammering the server.

Every failure is one :class:`PrometheusUnavailable` (a :class:`~obskit.errors.ToolError`: exit 1) with
one message that says what happened: unreachable, too slow, not JSON, an HTTP error (the server's own
error text), refused credentials, or a partial answer. Credentials never appear in a message.

Partial answers: Prometheus (and Thanos, Cortex, Mimir in front of it) report a partial or degraded
answer as ``warnings`` in the response envelope. By default such an answer is an error (a CI gate must
not pass on half the data); with ``--allow-partial`` it is used and each warning is kept in
:attr:`PrometheusAPI.warnings` for the command to print. ``infos`` (Prometheus 3's notes such as "metric
might not be a counter") are kept in :attr:`PrometheusAPI.infos` and never fail a request.
"""
from __future__ import annotations

import argparse
import json
import math
import time as _time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit

from obskit.errors import ToolError
from obskit.live.credentials import ENV_PASSWORD, ENV_TOKEN, ENV_USER, TLS, Auth, _problem, auth_from, tls_from

DEFAULT_TIMEOUT = 30.0
MAX_BODY_BYTES = 256 * 1024 * 1024       # an answer above this is refused, not decoded
MAX_POINTS = 11000                       # Prometheus refuses a range query over 11,000 points per series

TimeLike = Union[float, int, str, datetime]


class PrometheusUnavailable(ToolError):
    """The server could not answer usefully; the message says why (exit 1)."""


#: options that would put a secret on the command line: refused (without echoing the value)
REFUSED_OPTIONS = ("--bearer-token", "--token", "--basic-auth", "--password", "--user")


class _Refuse(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(f"{option_string}: credentials are never taken from the command line (every user of the "
                     f"machine can read it); use --bearer-token-file or ${ENV_TOKEN}, --basic-auth-file or "
                     f"${ENV_USER}/${ENV_PASSWORD}")


def add_connection_arguments(parser, required: bool = True) -> None:
    """``--prometheus URL`` and the options every command that reads a live server shares."""
    g = parser.add_argument_group(
        "Prometheus connection",
        f"Credentials come from a file or the environment, never from the command line, and are never "
        f"printed: a bearer token from --bearer-token-file or ${ENV_TOKEN}; basic auth from "
        f"--basic-auth-file (USER:PASSWORD) or ${ENV_USER} and ${ENV_PASSWORD}. A file option wins over "
        f"the environment.")
    g.add_argument("--prometheus", metavar="URL", required=required,
                   help="base URL of the Prometheus HTTP API, e.g. http://127.0.0.1:9090 (a path prefix such as "
                        "/prometheus is kept; no user:password@ in it)")
    g.add_argument("--bearer-token-file", metavar="FILE", help="file holding the bearer token")
    g.add_argument("--basic-auth-file", metavar="FILE", help="file holding USER:PASSWORD")
    g.add_argument("--ca-file", metavar="FILE", help="CA bundle that signed the server's certificate (https)")
    g.add_argument("--cert-file", metavar="FILE", help="client certificate (PEM) for mutual TLS")
    g.add_argument("--key-file", metavar="FILE", help="the client certificate's private key (PEM)")
    g.add_argument("--timeout", metavar="SECONDS", type=float, default=DEFAULT_TIMEOUT,
                   help=f"give up on any one request after this long (default {DEFAULT_TIMEOUT:g})")
    for name in REFUSED_OPTIONS:       # exact names beat argparse's abbreviations of the *-file options
        g.add_argument(name, action=_Refuse, nargs="?", help=argparse.SUPPRESS)
    g.add_argument("--allow-partial", action="store_true",
                   help="use answers the server marks with warnings (possibly partial) instead of failing; "
                        "the warnings are printed")


def format_time(t: TimeLike) -> str:
    """A time for the API: a Unix timestamp, a datetime (naive = UTC) or an RFC 3339 string (kept)."""
    if isinstance(t, str):
        return t
    if isinstance(t, datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
        return f"{t.timestamp():.3f}"
    return f"{float(t):.3f}"


def parse_time(t: TimeLike) -> float:
    """Unix seconds of a time: a number, a datetime (naive = UTC) or an RFC 3339 / numeric string."""
    if isinstance(t, (int, float)):
        return float(t)
    if isinstance(t, datetime):
        return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).timestamp()
    try:
        return float(t)
    except ValueError:
        return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class Sample:
    """One element of an instant vector."""

    labels: Dict[str, str]
    value: float
    timestamp: float


@dataclass(frozen=True)
class RangeSeries:
    """One series of a range query: parallel lists of timestamps (s) and values."""

    labels: Dict[str, str]
    timestamps: List[float]
    values: List[float]


class PrometheusAPI:
    """A client of the Prometheus HTTP API (``/api/v1``), valid for 2.x and 3.x.

    Each method returns the decoded ``data`` of the API envelope; :meth:`vector` and :meth:`matrix`
    give typed results. :attr:`requests_sent` counts requests; over ``max_requests`` a request fails
    before it is sent."""

    def __init__(self, url: str, auth: Optional[Auth] = None, tls: Optional[TLS] = None,
                 timeout: float = DEFAULT_TIMEOUT, allow_partial: bool = False,
                 max_requests: Optional[int] = None, session=None):
        import requests
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _problem("--prometheus", f"{_strip_userinfo(url)!r} is not an http:// or https:// URL")
        if parts.username or parts.password:
            raise _problem("--prometheus", "the URL carries credentials (user:password@): the command line is "
                                           "visible to every user of the machine",
                           hint=f"use --basic-auth-file or ${ENV_USER}/${ENV_PASSWORD}")
        if not timeout or timeout <= 0 or math.isnan(timeout):
            raise _problem("--timeout", f"must be a positive number of seconds, not {timeout}")
        self.base = url.rstrip("/")
        self.auth, self.tls, self.timeout = auth, tls or TLS(), float(timeout)
        self.allow_partial, self.max_requests = allow_partial, max_requests
        self.requests_sent = 0
        self.warnings: List[Tuple[str, str]] = []      # (what was asked, warning text)
        self.infos: List[Tuple[str, str]] = []
        self._session = session or requests.Session()
        self._session.trust_env = False                # no ~/.netrc credentials; proxies set explicitly below
        self._proxies = requests.utils.get_environ_proxies(self.base)

    @classmethod
    def from_args(cls, args, max_requests: Optional[int] = None) -> "PrometheusAPI":
        auth = auth_from(getattr(args, "bearer_token_file", None), getattr(args, "basic_auth_file", None))
        tls = tls_from(getattr(args, "ca_file", None), getattr(args, "cert_file", None),
                       getattr(args, "key_file", None))
        return cls(args.prometheus, auth=auth, tls=tls, timeout=getattr(args, "timeout", DEFAULT_TIMEOUT),
                   allow_partial=getattr(args, "allow_partial", False), max_requests=max_requests)

    def __repr__(self) -> str:
        return f"PrometheusAPI({self.base!r}, auth={self.auth!r}, timeout={self.timeout:g})"

    # ------------------------------------------------------------------ the API
    def query(self, expr: str, time: Optional[TimeLike] = None) -> dict:
        params = {"query": expr, "timeout": f"{self.timeout:g}s"}
        if time is not None:
            params["time"] = format_time(time)
        return self.get("/api/v1/query", params, method="POST", what=f"query {_short(expr)}")

    def query_range(self, expr: str, start: TimeLike, end: TimeLike, step: float) -> dict:
        params = {"query": expr, "start": format_time(start), "end": format_time(end), "step": f"{float(step):g}",
                  "timeout": f"{self.timeout:g}s"}
        return self.get("/api/v1/query_range", params, method="POST", what=f"range query {_short(expr)}")

    def rules(self) -> dict:
        return self.get("/api/v1/rules")

    def alerts(self) -> dict:
        return self.get("/api/v1/alerts")

    def metadata(self, metric: Optional[str] = None) -> dict:
        return self.get("/api/v1/metadata", {"metric": metric} if metric else None)

    def targets(self, state: str = "active") -> dict:
        return self.get("/api/v1/targets", {"state": state})

    def series(self, match: Union[str, Sequence[str]], start: Optional[TimeLike] = None,
               end: Optional[TimeLike] = None) -> list:
        params = {"match[]": [match] if isinstance(match, str) else list(match)}
        params.update(_range(start, end))
        return self.get("/api/v1/series", params, method="POST", what=f"series {_short(str(match))}")

    def label_values(self, name: str, match: Union[None, str, Sequence[str]] = None,
                     start: Optional[TimeLike] = None, end: Optional[TimeLike] = None) -> list:
        params: dict = _range(start, end)
        if match:
            params["match[]"] = [match] if isinstance(match, str) else list(match)
        return self.get(f"/api/v1/label/{name}/values", params)

    def buildinfo(self) -> dict:
        return self.get("/api/v1/status/buildinfo")

    # ------------------------------------------------------------------ typed results
    def vector(self, expr: str, time: Optional[TimeLike] = None) -> List[Sample]:
        data = self.query(expr, time)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar":
            return [Sample({}, _float(result[1]), float(result[0]))]
        if kind != "vector":
            raise PrometheusUnavailable(f"{self.base}: query {_short(expr)} gave a {kind}, not an instant vector")
        return [Sample(dict(s.get("metric", {})), _float(s["value"][1]), float(s["value"][0]))
                for s in result if "value" in s]

    def matrix(self, expr: str, start: TimeLike, end: TimeLike, step: float,
               max_points: int = MAX_POINTS) -> List[RangeSeries]:
        """A range query split into chunks of at most ``max_points`` steps, joined per label set."""
        t0, t1, step = parse_time(start), parse_time(end), float(step)
        joined: Dict[tuple, RangeSeries] = {}
        chunk = step * (max_points - 1)
        lo = t0
        while lo <= t1:
            hi = min(t1, lo + chunk)
            for s in self.query_range(expr, lo, hi, step).get("result", []):
                key = tuple(sorted(s.get("metric", {}).items()))
                rs = joined.setdefault(key, RangeSeries(dict(key), [], []))
                for ts, v in s.get("values", []):
                    rs.timestamps.append(float(ts))
                    rs.values.append(_float(v))
            lo = hi + step
        return [joined[k] for k in sorted(joined)]

    # ------------------------------------------------------------------ transport
    def get(self, path: str, params: Optional[Mapping] = None, method: str = "GET", what: str = "") -> object:
        """Send one request and return the decoded ``data`` of the envelope, or raise
        :class:`PrometheusUnavailable` with one message."""
        import requests
        what = what or path
        if self.max_requests is not None and self.requests_sent >= self.max_requests:
            raise PrometheusUnavailable(f"{self.base}: this command's bound of {self.max_requests} requests is "
                                        f"reached before {what} (a bug in obskit, or a project larger than the "
                                        f"bound; please report it)")
        self.requests_sent += 1
        url = self.base + path
        headers = {"Accept": "application/json"}
        if self.auth:
            headers["Authorization"] = self.auth.header()
        kwargs = dict(headers=headers, timeout=(self.timeout, self.timeout), stream=True, verify=self.tls.verify(),
                      cert=self.tls.cert(), proxies=self._proxies, allow_redirects=True)
        if method == "POST":
            kwargs["data"] = params or {}
        else:
            kwargs["params"] = params or {}
        started = _time.monotonic()
        try:
            with self._session.request(method, url, **kwargs) as resp:
                body = self._read(resp, started, what)
                status, ctype = resp.status_code, resp.headers.get("Content-Type", "")
        except requests.exceptions.SSLError as exc:
            raise self._fail(what, f"TLS failed ({_reason(exc)}); with a private CA give --ca-file") from None
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout):
            raise self._slow(what) from None
        except requests.exceptions.ConnectionError as exc:
            raise self._fail(what, f"is unreachable ({_reason(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise self._fail(what, f"request failed ({_reason(exc)})") from None
        return self._decode(what, status, ctype, body)

    def _read(self, resp, started: float, what: str) -> bytes:
        """The body, abandoned once ``timeout`` has passed since the request began. ``read1`` returns what
        one socket read gives, so a server that trickles a byte at a time is stopped at the deadline (a
        plain ``read(n)`` would wait for n bytes, each socket read well within the read timeout)."""
        raw = resp.raw
        read1 = getattr(raw, "read1", None)            # urllib3 2
        chunks, size = [], 0
        while True:
            chunk = read1(64 * 1024, decode_content=True) if read1 else raw.read(64 * 1024, decode_content=True)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if _time.monotonic() - started > self.timeout:
                raise self._slow(what)
            if size > MAX_BODY_BYTES:
                raise self._fail(what, f"answered with more than {MAX_BODY_BYTES // 2**20} MiB; narrow the query")
        return b"".join(chunks)

    def _decode(self, what: str, status: int, ctype: str, body: bytes) -> object:
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            envelope = None
        if status in (401, 403):
            given = self.auth.describe() if self.auth else "no credentials"
            said = f": {envelope.get('error')}" if isinstance(envelope, dict) and envelope.get("error") else ""
            raise self._fail(what, f"refused the request with HTTP {status}{said} ({given}); check the token or "
                                   f"user/password the server expects")
        if not isinstance(envelope, dict) or "status" not in envelope:
            text = body[:200].decode("utf-8", "replace").strip().replace("\n", " ")
            kind = f"HTTP {status}" + (f", {ctype.split(';')[0]}" if ctype else "")
            raise self._fail(what, f"did not answer with Prometheus API JSON ({kind}): {text!r}; is --prometheus "
                                   f"the server's base URL?")
        if envelope.get("status") != "success":
            raise self._fail(what, f"answered HTTP {status} {envelope.get('errorType', 'error')}: "
                                   f"{envelope.get('error', '(no message)')}")
        if status >= 400:
            raise self._fail(what, f"answered HTTP {status}")
        for info in envelope.get("infos") or []:
            self.infos.append((what, self._redact(str(info))))
        warnings = [self._redact(str(w)) for w in envelope.get("warnings") or []]
        if warnings and not self.allow_partial:
            raise self._fail(what, "answered with warnings, so the data may be partial: " + "; ".join(warnings)
                             + " (pass --allow-partial to use it anyway)")
        self.warnings.extend((what, w) for w in warnings)
        return envelope.get("data")

    def _redact(self, text: str) -> str:
        return self.auth.redact(text) if self.auth else text

    def _fail(self, what: str, message: str) -> PrometheusUnavailable:
        return PrometheusUnavailable(self._redact(f"Prometheus at {self.base} ({what}) {message}"))

    def _slow(self, what: str) -> PrometheusUnavailable:
        return self._fail(what, f"did not answer within --timeout {self.timeout:g}s (the server is slow or hung)")


def _strip_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if parts.username or parts.password:
        return url.replace(parts.netloc, parts.hostname or "", 1)
    return url


def _range(start, end) -> dict:
    out = {}
    if start is not None:
        out["start"] = format_time(start)
    if end is not None:
        out["end"] = format_time(end)
    return out


def _float(v) -> float:
    return float(v)                      # Prometheus sends "NaN", "+Inf", "-Inf" as strings; float() reads them


def _short(expr: str, limit: int = 80) -> str:
    expr = " ".join(expr.split())
    return expr if len(expr) <= limit else expr[: limit - 3] + "..."


def _reason(exc: Exception) -> str:
    """The innermost reason of a requests error, without the URL it repeats (the base is named already)."""
    inner = exc
    while getattr(inner, "__context__", None) is not None and not getattr(inner, "reason", None):
        inner = inner.__context__
    text = str(getattr(inner, "reason", None) or exc)
    for marker in ("Failed to establish a new connection: ", "Failed to resolve "):
        if marker in text:
            return marker.lower() + text.split(marker, 1)[1].rstrip(")'\"")
    return text
