"""Which failures of a request mean that Grafana cannot be reached at all (as opposed to one exchange
that went wrong and may work when retried): :func:`unreachable_reason`, used by the client to stop a
run with one message instead of failing every request the same way."""
from __future__ import annotations

import re
from typing import Optional, Tuple

import requests


def unreachable_reason(exc: BaseException, timeout: Tuple[float, float]) -> Optional[Tuple[str, bool]]:
    """``(why, connect_level)`` when ``exc`` (from ``requests``) says the server cannot be reached (refused,
    DNS, TLS, a timeout), None for a failure of one exchange (a reset, a dropped connection) that a retry
    may fix. ``connect_level`` is False for a read timeout (the server took the connection)."""
    if isinstance(exc, requests.exceptions.SSLError):
        inner = exc.args[0] if exc.args else exc
        detail = str(getattr(inner, "reason", inner))
        detail = re.sub(r"^.*?\(Caused by SSLError\((.*)\)\)$", r"\1", detail)
        return f"TLS handshake failed: {detail[:200]}", True
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within {timeout[0]:g}s (connect timeout)", True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no answer within {timeout[1]:g}s (--timeout)", False
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc)
        if "NameResolutionError" in text or "Name or service not known" in text or "nodename nor servname" in text \
                or "getaddrinfo failed" in text or "Temporary failure in name resolution" in text:
            host = re.search(r"host='([^']*)'", text)
            return f"{'the name ' + repr(host.group(1)) if host else 'the host name'} does not resolve (DNS)", True
        if "Connection refused" in text or "Errno 111" in text or "ECONNREFUSED" in text:
            return "connection refused (is Grafana running, is the port right?)", True
        if "No route to host" in text or "Network is unreachable" in text:
            return "no route to the host", True
    return None
