"""A small Grafana HTTP API client on ``requests``: :class:`GrafanaClient`, the legacy ``/api`` (every
Grafana; :mod:`obskit.apply.resource` is the ``/apis`` one), endpoint by endpoint.

- Auth, retries, errors and answer shapes are :mod:`obskit.apply.transport`'s (the names are importable
  from here too); every message this module builds is passed through :meth:`Credentials.redact`.
- One ``requests.Session`` per worker thread (sessions are not guaranteed thread-safe); the caller
  bounds concurrency with its thread pool.
- Only endpoints of the contract in ``shared/schemas/grafana-http/openapi-subset.json`` are used.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Optional
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from obskit import __version__
from obskit.apply.reach import unreachable_reason
from obskit.apply.transport import (OBJECT, RETRY_STATUSES, Credentials, GrafanaError, Response,  # noqa: F401
                                    RetryPolicy, Shape, Stats, Unreachable, _answer_problem, _Auth,
                                    _error_message, _json_or_text, parse_retry_after, safe_url)

log = logging.getLogger("obskit.apply.client")


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
