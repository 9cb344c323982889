"""A small Grafana HTTP API client on ``requests``.

- Auth: a service-account token (``Authorization: Bearer``) read from an environment variable, or
  basic auth. The secret lives only inside a :class:`Credentials` object whose ``repr`` masks it; every
  message this module builds is passed through :meth:`Credentials.redact` as a last line of defence.
- Retries with exponential backoff and jitter on connection errors, timeouts, 429 and 5xx (honouring
  ``Retry-After``); never on any other 4xx.
- One ``requests.Session`` per worker thread (sessions are not guaranteed thread-safe); the caller
  bounds concurrency with its thread pool.
- Only endpoints of the contract in ``shared/schemas/grafana-http/openapi-subset.json`` are used.
"""
from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from obskit import __version__
from obskit.apply.reach import unreachable_reason

log = logging.getLogger("obskit.apply.client")

RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


class GrafanaError(Exception):
    """A request failed for good (after retries, or a status that is never retried), or its answer was
    not what Grafana documents (``unexpected``).

    ``fatal`` errors stop the whole run: 401/403 (the token, its scopes or its org are wrong),
    redirects (``--grafana-url`` does not point at Grafana's API) and an unreachable Grafana
    (:class:`Unreachable`). Once a client has met one it sends
    nothing more (``sent`` is False on the errors it raises instead)."""

    def __init__(self, method: str, path: str, status: Optional[int], message: str,
                 status_text: str = "", attempts: int = 1, *, fatal: bool = False, sent: bool = True,
                 unexpected: bool = False):
        self.method, self.path, self.status = method, path, status
        self.message, self.status_text, self.attempts = message, status_text, attempts
        self.fatal, self.sent, self.unexpected = fatal, sent, unexpected
        where = f"{method} {path}"
        what = f"HTTP {status}" if status is not None else "no response"
        extra = f" ({status_text})" if status_text else ""
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{where}: {what}{extra}: {message}{tries}")


class Unreachable(GrafanaError):
    """Grafana could not be reached: connection refused, a name that does not resolve, a TLS handshake
    that failed, or no answer in time. Fatal: on the first request it is raised at once (nothing is
    retried, nothing more sent: every other request would fail the same way); after Grafana has
    answered, once the retries of a refused or timed-out connection are spent (it went away)."""

    def __init__(self, method: str, path: str, url: str, why: str, attempts: int, *, answered: bool):
        super().__init__(method, path, None, why, attempts=attempts, fatal=True)
        self.url, self.why, self.answered = url, why, answered
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if answered:
            text = f"Grafana at {url} stopped answering ({method} {path}): {why}{tries}; nothing more was sent"
        else:
            text = f"cannot reach Grafana at {url}: {why} ({method} {path}); nothing more was sent"
        Exception.__init__(self, text)


@dataclass(frozen=True)
class Shape:
    """What a successful answer must look like before anything reads it: a JSON object (``kind`` dict)
    or array (``kind`` list); ``keys`` are required keys and their types, of the object or of every item
    of the array (whose items must then be objects); ``equal`` are keys whose value must be the given one
    (the uid obskit wrote)."""
    kind: type
    keys: Tuple[Tuple[str, Any], ...] = ()
    equal: Tuple[Tuple[str, Any], ...] = ()

    def problem(self, body: Any) -> Optional[str]:
        if not _is(body, self.kind):
            return f"expected a JSON {_TYPE_NAMES[self.kind]}, got {_describe(body)}"
        items = body if self.kind is list else [body]
        for i, item in enumerate(items):
            at = f"item {i}: " if self.kind is list else ""
            if self.kind is list and self.keys and not isinstance(item, dict):
                return f"expected an array of objects, {at}{_describe(item)}"
            for key, typ in self.keys:
                if key not in item:
                    return f"{at}required key {key!r} missing"
                if not _is(item[key], typ):
                    return f"{at}{key!r} is {_describe(item[key])}, expected a {_TYPE_NAMES[typ]}"
            for key, value in self.equal:
                if item.get(key) != value:
                    return f"{at}{key!r} is {item.get(key)!r}, expected {value!r}"
        return None


_TYPE_NAMES = {dict: "object", list: "array", str: "string", int: "integer", bool: "boolean"}


def _is(value: Any, typ: type) -> bool:
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"the string {str(value)[:40]!r}"


OBJECT = Shape(dict)


class Credentials:
    """Bearer token or basic auth. The secret is never exposed by ``repr``/``str``."""

    __slots__ = ("kind", "_user", "_secret", "source")

    def __init__(self, kind: str, secret: str, user: str = "", source: str = ""):
        if kind not in ("bearer", "basic"):
            raise ValueError(f"unknown auth kind {kind!r}")
        self.kind, self._secret, self._user, self.source = kind, secret, user, source

    @classmethod
    def from_env(cls, token_env: str = "GRAFANA_TOKEN", basic: bool = False,
                 user_env: str = "GRAFANA_USER", password_env: str = "GRAFANA_PASSWORD",
                 environ: Optional[Dict[str, str]] = None) -> "Credentials":
        env = os.environ if environ is None else environ
        if basic:
            user, password = env.get(user_env, ""), env.get(password_env, "")
            if not user or not password:
                raise ValueError(f"basic auth needs the environment variables {user_env} and {password_env}")
            return cls("basic", password, user=user, source=f"${user_env}/${password_env}")
        token = env.get(token_env, "")
        if not token:
            raise ValueError(f"no Grafana token: set the environment variable {token_env} to a "
                             "service-account token (or use basic auth)")
        return cls("bearer", token, source=f"${token_env}")

    def header(self) -> str:
        if self.kind == "bearer":
            return f"Bearer {self._secret}"
        import base64
        raw = f"{self._user}:{self._secret}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def redact(self, text: str) -> str:
        """Remove the secret (and its encoded header form) from any text.

        A short secret (under 12 characters) is removed only where it stands as a whole token, so an
        ordinary word that contains it is not rewritten ("dashboard" stays, password "dash" or not);
        a long one wherever it appears."""
        if not text:
            return text
        for needle in sorted({self._secret, self.header().split(" ", 1)[1]}, key=len, reverse=True):
            if not needle:
                continue
            if len(needle) >= 12:
                text = text.replace(needle, "***")
            else:
                text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(needle)}(?![A-Za-z0-9_])", "***", text)
        return text

    def __repr__(self) -> str:
        who = f" user={self._user!r}" if self._user else ""
        return f"Credentials({self.kind}{who} from {self.source or 'arguments'}, secret=***)"

    __str__ = __repr__

    def __reduce__(self):  # never pickle the secret by accident
        raise TypeError("Credentials cannot be pickled")


class _Auth(requests.auth.AuthBase):
    __slots__ = ("_creds",)

    def __init__(self, creds: Credentials):
        self._creds = creds

    def __call__(self, r):
        r.headers["Authorization"] = self._creds.header()
        return r

    def __repr__(self) -> str:
        return "<obskit auth ***>"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5               # total tries per request
    backoff: float = 0.5            # first delay in seconds, doubled each retry
    max_backoff: float = 30.0
    max_retry_after: float = 120.0  # a server asking for longer than this is capped
    jitter: bool = True

    def delay(self, attempt: int, retry_after: Optional[float]) -> float:
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_retry_after))
        base = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
        return base * (0.5 + random.random() / 2) if self.jitter else base


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """``Retry-After`` is either delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def safe_url(url: str) -> str:
    """The URL without user:password@ (for messages)."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


@dataclass
class Stats:
    requests: int = 0       # HTTP requests sent (every attempt)
    writes: int = 0         # POST/PUT/DELETE requests sent
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, method: str, retry: bool) -> None:
        with self.lock:
            self.requests += 1
            if method != "GET":
                self.writes += 1
            if retry:
                self.retries += 1


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    attempts: int


# the answers obskit reads, as the contract documents them (only the keys obskit uses are required)
DASHBOARD_SHAPE = Shape(dict, (("dashboard", dict), ("meta", dict)))
HITS_SHAPE = Shape(list, (("uid", str),))
FOLDER_SHAPE = Shape(dict, (("uid", str), ("title", str)))
DATASOURCES_SHAPE = Shape(list, (("uid", str), ("name", str)))
DATASOURCE_SHAPE = Shape(dict, (("uid", str), ("name", str)))
DATASOURCE_SAVED = Shape(dict, (("id", int), ("message", str)))


class GrafanaClient:
    """The legacy ``/api`` (every Grafana; see :mod:`obskit.apply.resource` for ``/apis``)."""

    api = "legacy"
    supports_v2 = False     # schema v2 dashboards need the resource API

    def __init__(self, url: str, credentials: Credentials, *, timeout: float = 30.0,
                 connect_timeout: float = 5.0, retry: RetryPolicy = RetryPolicy(), pool_size: int = 8,
                 sleep: Callable[[float], None] = time.sleep):
        if not url or not urlsplit(url).scheme or not urlsplit(url).netloc:
            raise ValueError(f"not a Grafana URL: {safe_url(url)!r} (expected e.g. https://grafana.example.com)")
        parts = urlsplit(url)
        if parts.username or parts.password:
            raise ValueError("put no credentials in the Grafana URL; use GRAFANA_TOKEN or basic auth")
        self.url = url.rstrip("/")
        self._creds = credentials
        self.timeout = (connect_timeout, timeout)
        self.retry = retry
        self.pool_size = pool_size
        self.sleep = sleep
        self.stats = Stats()
        self._local = threading.local()
        self._fatal: Optional[GrafanaError] = None
        self._fatal_lock = threading.Lock()
        self._answered = False        # Grafana has answered a request (then a refused connection means it went away)

    def __repr__(self) -> str:
        return f"GrafanaClient({self.url!r}, {self._creds!r})"

    # -- transport -----------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.pool_size, max_retries=0)
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            s.auth = _Auth(self._creds)
            s.headers.update({"Accept": "application/json", "User-Agent": f"obskit/{__version__}"})
            s.trust_env = False  # no ~/.netrc surprises; proxies from the environment below
            s.proxies = requests.utils.get_environ_proxies(self.url)
            self._local.session = s
        return s

    @property
    def fatal(self) -> Optional[GrafanaError]:
        """The error that stopped this client (401/403 or a redirect), if any."""
        return self._fatal

    def request(self, method: str, path: str, *, json_body: Any = None,
                params: Optional[Dict[str, Any]] = None, ok: Iterable[int] = (200,),
                shape: Optional[Shape] = None) -> Response:
        """Send with retries; never follows a redirect.

        Returns for statuses in ``ok`` when the answer is JSON (an object for every status but 2xx,
        which must match ``shape`` when given); raises :class:`GrafanaError` otherwise: after retries
        (connection errors, timeouts, 429, 5xx), at once for any other status, a redirect (fatal), 401
        and 403 (fatal), or an answer that is not shaped as documented (``unexpected``)."""
        ok = tuple(ok)
        url = self.url + path
        attempt = 0
        while True:
            stop = self._fatal
            if stop is not None:
                raise GrafanaError(method, path, None, f"not sent: the run stopped at {stop.method} {stop.path}",
                                   fatal=True, sent=False)
            attempt += 1
            retry_after: Optional[float] = None
            self.stats.count(method, attempt > 1)
            try:
                r = self._session().request(method, url, json=json_body, params=params, timeout=self.timeout,
                                            allow_redirects=False)
            except requests.RequestException as exc:
                reason = self._creds.redact(f"{type(exc).__name__}: {exc}")
                log.debug("%s %s: %s (attempt %d)", method, path, reason, attempt)
                gone = unreachable_reason(exc, self.timeout)
                if gone is not None and (not self._answered or (gone[1] and attempt >= self.retry.attempts)):
                    # never answered: every request would fail alike, stop now; answered before: it went away
                    raise self._stop(Unreachable(method, path, self._creds.redact(safe_url(self.url)),
                                                 self._creds.redact(gone[0]), attempt,
                                                 answered=self._answered)) from None
                if attempt >= self.retry.attempts:
                    raise GrafanaError(method, path, None, reason, attempts=attempt) from None
                self._wait(method, path, attempt, None, reason)
                continue
            log.debug("%s %s -> %d (attempt %d)", method, path, r.status_code, attempt)
            self._answered = True
            if 300 <= r.status_code < 400:
                location = self._creds.redact(safe_url(r.headers.get("Location", "") or "(no Location)"))
                raise self._stop(GrafanaError(
                    method, path, r.status_code,
                    f"redirect to {location} not followed (a request body can hold secrets): point "
                    "--grafana-url at Grafana itself", attempts=attempt, fatal=True))
            body = _json_or_text(r)
            if r.status_code in ok:
                problem = _answer_problem(r, body, shape if 200 <= r.status_code < 300 else OBJECT)
                if problem is None:
                    return Response(r.status_code, body, attempt)
                raise GrafanaError(method, path, r.status_code, "unexpected answer: " + self._creds.redact(problem),
                                   attempts=attempt, unexpected=True)
            message, status_text = _error_message(body, r)
            message = self._creds.redact(message)
            if r.status_code in RETRY_STATUSES and attempt < self.retry.attempts:
                retry_after = parse_retry_after(r.headers.get("Retry-After"))
                self._wait(method, path, attempt, retry_after, f"HTTP {r.status_code}: {message}")
                continue
            if r.status_code == 401:
                raise self._stop(GrafanaError(
                    method, path, 401, f"{message or 'Unauthorized'}; the credentials were refused: check that "
                    f"{self._creds.source or 'the token'} holds a valid token for this Grafana and its org",
                    status_text, attempts=attempt, fatal=True))
            if r.status_code == 403 and "read-only" not in message:   # read-only datasources are per resource
                raise self._stop(GrafanaError(
                    method, path, 403, f"{message or 'Forbidden'}; not permitted: check the token's scopes (the "
                    "service account's role or permissions) and that it belongs to the right org",
                    status_text, attempts=attempt, fatal=True))
            raise GrafanaError(method, path, r.status_code, message, status_text, attempts=attempt)

    def _stop(self, exc: GrafanaError) -> GrafanaError:
        with self._fatal_lock:
            if self._fatal is None:
                self._fatal = exc
        return exc

    def _wait(self, method: str, path: str, attempt: int, retry_after: Optional[float], reason: str) -> None:
        delay = self.retry.delay(attempt, retry_after)
        log.warning("%s %s: %s; retrying in %.2fs (attempt %d of %d)", method, path, reason, delay,
                    attempt + 1, self.retry.attempts)
        self.sleep(delay)

    # -- health --------------------------------------------------------------------------------
    def health(self) -> Dict[str, Any]:
        return self.request("GET", "/api/health", shape=OBJECT).body

    # -- dashboards ----------------------------------------------------------------------------
    def get_dashboard(self, uid: str, schema: str = "v1") -> Optional[Dict[str, Any]]:
        """``{"dashboard": ..., "meta": ...}`` or None when there is none with that uid."""
        r = self.request("GET", f"/api/dashboards/uid/{_seg(uid)}", ok=(200, 404), shape=DASHBOARD_SHAPE)
        return r.body if r.status == 200 else None

    def save_dashboard(self, dashboard: Dict[str, Any], folder_uid: str, *, overwrite: bool,
                       message: str, version: Any = None, schema: str = "v1") -> Response:
        """``version`` is already in ``dashboard`` (the legacy API compares it, 412 when stale)."""
        body = {"dashboard": dashboard, "folderUid": folder_uid, "overwrite": overwrite, "message": message}
        return self.request("POST", "/api/dashboards/db", json_body=body,
                            shape=Shape(dict, (("uid", str), ("version", int)), (("uid", dashboard.get("uid")),)))

    def delete_dashboard(self, uid: str) -> Response:
        return self.request("DELETE", f"/api/dashboards/uid/{_seg(uid)}", ok=(200, 404), shape=OBJECT)

    def search(self, *, tag: Optional[str] = None, folder_uids: Optional[List[str]] = None,
               kind: str = "dash-db", page_size: int = 1000) -> List[Dict[str, Any]]:
        """Every hit, following pages until a short one."""
        hits: List[Dict[str, Any]] = []
        page = 1
        while True:
            params: Dict[str, Any] = {"type": kind, "limit": page_size, "page": page}
            if tag:
                params["tag"] = tag
            if folder_uids is not None:
                params["folderUIDs"] = folder_uids
            batch = self.request("GET", "/api/search", params=params, shape=HITS_SHAPE).body
            hits.extend(batch)
            if len(batch) < page_size:
                return hits
            page += 1

    # -- folders -------------------------------------------------------------------------------
    def get_folder(self, uid: str) -> Optional[Dict[str, Any]]:
        r = self.request("GET", f"/api/folders/{_seg(uid)}", ok=(200, 404), shape=FOLDER_SHAPE)
        return r.body if r.status == 200 else None

    def child_folders(self, parent_uid: str) -> List[Dict[str, Any]]:
        return self.request("GET", "/api/folders", params={"parentUid": parent_uid, "limit": 1000},
                            shape=HITS_SHAPE).body

    def create_folder(self, uid: str, title: str) -> Response:
        return self.request("POST", "/api/folders", json_body={"uid": uid, "title": title}, ok=(200, 409),
                            shape=Shape(dict, FOLDER_SHAPE.keys, (("uid", uid),)))

    def update_folder(self, uid: str, title: str, *, version: Optional[int], overwrite: bool) -> Response:
        body: Dict[str, Any] = {"title": title, "overwrite": overwrite}
        if version is not None:
            body["version"] = version
        return self.request("PUT", f"/api/folders/{_seg(uid)}", json_body=body, ok=(200, 412),
                            shape=Shape(dict, FOLDER_SHAPE.keys, (("uid", uid),)))

    def delete_folder(self, uid: str) -> Response:
        # forceDeleteRules=false: Grafana refuses (400) to delete a folder that holds alert rules
        return self.request("DELETE", f"/api/folders/{_seg(uid)}", params={"forceDeleteRules": "false"},
                            ok=(200, 404), shape=OBJECT)

    # -- datasources ---------------------------------------------------------------------------
    def list_datasources(self) -> List[Dict[str, Any]]:
        return self.request("GET", "/api/datasources", shape=DATASOURCES_SHAPE).body

    def get_datasource(self, uid: str) -> Optional[Dict[str, Any]]:
        r = self.request("GET", f"/api/datasources/uid/{_seg(uid)}", ok=(200, 404), shape=DATASOURCE_SHAPE)
        return r.body if r.status == 200 else None

    def create_datasource(self, body: Dict[str, Any]) -> Response:
        return self.request("POST", "/api/datasources", json_body=body, ok=(200, 409), shape=DATASOURCE_SAVED)

    def update_datasource(self, uid: str, body: Dict[str, Any]) -> Response:
        return self.request("PUT", f"/api/datasources/uid/{_seg(uid)}", json_body=body, ok=(200, 409),
                            shape=DATASOURCE_SAVED)

    def delete_datasource(self, uid: str) -> Response:
        return self.request("DELETE", f"/api/datasources/uid/{_seg(uid)}", ok=(200, 404), shape=OBJECT)


def _seg(value: str) -> str:
    return quote(value, safe="")


def _json_or_text(r: requests.Response) -> Any:
    if not r.content:
        return None
    try:
        return r.json()
    except ValueError:
        return r.text[:500]


def _is_json(r: requests.Response) -> bool:
    ctype = (r.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    return ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json"))


def _answer_problem(r: requests.Response, body: Any, shape: Optional[Shape]) -> Optional[str]:
    """Why an answer with an expected status cannot be used, or None."""
    ctype = (r.headers.get("Content-Type") or "").split(";", 1)[0].strip() or "no Content-Type"
    if not r.content:
        return f"an empty body ({ctype}), expected JSON"
    if not _is_json(r):
        return f"expected JSON, got {ctype}: {_excerpt(r.text)}"
    try:
        r.json()
    except ValueError:
        return f"invalid JSON ({len(r.content)} bytes): {_excerpt(r.text)}"
    return shape.problem(body) if shape is not None else None


def _excerpt(text: str) -> str:
    line = " ".join(text.split())
    return repr(line[:60] + ("..." if len(line) > 60 else ""))


def _error_message(body: Any, r: requests.Response) -> "tuple[str, str]":
    if isinstance(body, dict) and body.get("kind") == "Status":      # the resource API's errors (Kubernetes)
        return str(body.get("message") or r.reason or ""), str(body.get("reason") or "")
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or r.reason or ""), str(body.get("status") or "")
    if isinstance(body, str) and body.strip():
        if not _is_json(r):   # an HTML error page from a proxy: its first words, on one line
            return f"{r.reason or 'error'} ({(r.headers.get('Content-Type') or '?').split(';')[0]}: {_excerpt(body)})", ""
        return body.strip().splitlines()[0][:200], ""
    return r.reason or "", ""
