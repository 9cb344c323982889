"""What every call obskit makes to Grafana shares, whichever API it uses: the errors
(:class:`GrafanaError`, :class:`Unreachable`), the shape check of an answer (:class:`Shape`), the
credentials that never show their secret (:class:`Credentials`), the retry policy and ``Retry-After``,
the request counters and the answer (:class:`Response`), and the messages built from a failed answer.

- Auth: a service-account token (``Authorization: Bearer``) read from an environment variable, or
  basic auth. The secret lives only inside a :class:`Credentials` object whose ``repr`` masks it; every
  message built from an answer is passed through :meth:`Credentials.redact` as a last line of defence.
- Retries with exponential backoff and jitter on connection errors, timeouts, 429 and 5xx (honouring
  ``Retry-After``); never on any other 4xx (:class:`RetryPolicy`, :data:`RETRY_STATUSES`).
"""
from __future__ import annotations

import email.utils
import json
import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

import requests

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
