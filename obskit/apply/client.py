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
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from obskit import __version__

log = logging.getLogger("obskit.apply.client")

RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


class GrafanaError(Exception):
    """A request failed for good (after retries, or a status that is never retried)."""

    def __init__(self, method: str, path: str, status: Optional[int], message: str,
                 status_text: str = "", attempts: int = 1):
        self.method, self.path, self.status = method, path, status
        self.message, self.status_text, self.attempts = message, status_text, attempts
        where = f"{method} {path}"
        what = f"HTTP {status}" if status is not None else "no response"
        extra = f" ({status_text})" if status_text else ""
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{where}: {what}{extra}: {message}{tries}")


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
        """Remove the secret (and its encoded header form) from any text."""
        if not text:
            return text
        for needle in {self._secret, self.header().split(" ", 1)[1]}:
            if needle:
                text = text.replace(needle, "***")
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


class GrafanaClient:
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

    def request(self, method: str, path: str, *, json_body: Any = None,
                params: Optional[Dict[str, Any]] = None, ok: Iterable[int] = (200,)) -> Response:
        """Send with retries. Returns for statuses in ``ok``; raises :class:`GrafanaError` otherwise."""
        ok = tuple(ok)
        url = self.url + path
        attempt = 0
        while True:
            attempt += 1
            retry_after: Optional[float] = None
            self.stats.count(method, attempt > 1)
            try:
                r = self._session().request(method, url, json=json_body, params=params, timeout=self.timeout)
            except requests.RequestException as exc:
                reason = self._creds.redact(f"{type(exc).__name__}: {exc}")
                log.debug("%s %s: %s (attempt %d)", method, path, reason, attempt)
                if attempt >= self.retry.attempts:
                    raise GrafanaError(method, path, None, reason, attempts=attempt) from None
                self._wait(method, path, attempt, None, reason)
                continue
            body = _json_or_text(r)
            log.debug("%s %s -> %d (attempt %d)", method, path, r.status_code, attempt)
            if r.status_code in ok:
                return Response(r.status_code, body, attempt)
            message, status_text = _error_message(body, r)
            message = self._creds.redact(message)
            if r.status_code in RETRY_STATUSES and attempt < self.retry.attempts:
                retry_after = parse_retry_after(r.headers.get("Retry-After"))
                self._wait(method, path, attempt, retry_after, f"HTTP {r.status_code}: {message}")
                continue
            raise GrafanaError(method, path, r.status_code, message, status_text, attempts=attempt)

    def _wait(self, method: str, path: str, attempt: int, retry_after: Optional[float], reason: str) -> None:
        delay = self.retry.delay(attempt, retry_after)
        log.warning("%s %s: %s; retrying in %.2fs (attempt %d of %d)", method, path, reason, delay,
                    attempt + 1, self.retry.attempts)
        self.sleep(delay)

    # -- health --------------------------------------------------------------------------------
    def health(self) -> Dict[str, Any]:
        return self.request("GET", "/api/health").body

    # -- dashboards ----------------------------------------------------------------------------
    def get_dashboard(self, uid: str) -> Optional[Dict[str, Any]]:
        """``{"dashboard": ..., "meta": ...}`` or None when there is none with that uid."""
        r = self.request("GET", f"/api/dashboards/uid/{_seg(uid)}", ok=(200, 404))
        return r.body if r.status == 200 else None

    def save_dashboard(self, dashboard: Dict[str, Any], folder_uid: str, *, overwrite: bool,
                       message: str) -> Response:
        body = {"dashboard": dashboard, "folderUid": folder_uid, "overwrite": overwrite, "message": message}
        return self.request("POST", "/api/dashboards/db", json_body=body)

    def delete_dashboard(self, uid: str) -> Response:
        return self.request("DELETE", f"/api/dashboards/uid/{_seg(uid)}", ok=(200, 404))

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
            batch = self.request("GET", "/api/search", params=params).body or []
            hits.extend(batch)
            if len(batch) < page_size:
                return hits
            page += 1

    # -- folders -------------------------------------------------------------------------------
    def get_folder(self, uid: str) -> Optional[Dict[str, Any]]:
        r = self.request("GET", f"/api/folders/{_seg(uid)}", ok=(200, 404))
        return r.body if r.status == 200 else None

    def child_folders(self, parent_uid: str) -> List[Dict[str, Any]]:
        return self.request("GET", "/api/folders", params={"parentUid": parent_uid, "limit": 1000}).body or []

    def create_folder(self, uid: str, title: str) -> Response:
        return self.request("POST", "/api/folders", json_body={"uid": uid, "title": title}, ok=(200, 409))

    def update_folder(self, uid: str, title: str, *, version: Optional[int], overwrite: bool) -> Response:
        body: Dict[str, Any] = {"title": title, "overwrite": overwrite}
        if version is not None:
            body["version"] = version
        return self.request("PUT", f"/api/folders/{_seg(uid)}", json_body=body, ok=(200, 412))

    def delete_folder(self, uid: str) -> Response:
        # forceDeleteRules=false: Grafana refuses (400) to delete a folder that holds alert rules
        return self.request("DELETE", f"/api/folders/{_seg(uid)}", params={"forceDeleteRules": "false"},
                            ok=(200, 404))

    # -- datasources ---------------------------------------------------------------------------
    def list_datasources(self) -> List[Dict[str, Any]]:
        return self.request("GET", "/api/datasources").body or []

    def get_datasource(self, uid: str) -> Optional[Dict[str, Any]]:
        r = self.request("GET", f"/api/datasources/uid/{_seg(uid)}", ok=(200, 404))
        return r.body if r.status == 200 else None

    def create_datasource(self, body: Dict[str, Any]) -> Response:
        return self.request("POST", "/api/datasources", json_body=body, ok=(200, 409))

    def update_datasource(self, uid: str, body: Dict[str, Any]) -> Response:
        return self.request("PUT", f"/api/datasources/uid/{_seg(uid)}", json_body=body, ok=(200, 409))

    def delete_datasource(self, uid: str) -> Response:
        return self.request("DELETE", f"/api/datasources/uid/{_seg(uid)}", ok=(200, 404))


def _seg(value: str) -> str:
    return quote(value, safe="")


def _json_or_text(r: requests.Response) -> Any:
    if not r.content:
        return None
    try:
        return r.json()
    except ValueError:
        return r.text[:500]


def _error_message(body: Any, r: requests.Response) -> "tuple[str, str]":
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or r.reason or ""), str(body.get("status") or "")
    if isinstance(body, str) and body.strip():
        return body.strip().splitlines()[0][:200], ""
    return r.reason or "", ""
