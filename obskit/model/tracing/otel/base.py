"""The collector model's shared pieces: id, name, duration and endpoint rules, the :class:`Component`
base class, and the small checks every component uses."""
from __future__ import annotations

import re
from typing import ClassVar, Tuple

from obskit.model.base import Problems


SIGNALS = ("traces", "metrics", "logs")
_ID = re.compile(r"^[a-z][a-z0-9_]*(/[A-Za-z0-9_.\-]+)?$")
_NAME = re.compile(r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$")
_GO_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
_ENDPOINT = re.compile(r"^[A-Za-z0-9.\-_\[\]:]*:\d{1,5}$")
_ENV = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$")
SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "x-scope-orgid-token", "token")


def go_duration_ok(value: object) -> bool:
    return isinstance(value, str) and bool(_GO_DURATION.match(value)) and any(c != "0" for c in re.sub(r"\D", "", value))


def endpoint_ok(value: object) -> bool:
    return isinstance(value, str) and bool(_ENDPOINT.match(value)) and 0 < int(value.rsplit(":", 1)[1]) < 65536


def is_env_ref(value: object) -> bool:
    return isinstance(value, str) and bool(_ENV.match(value))


class Component:
    """Base of every collector component; ``TYPE`` is the id's type, ``KIND`` its section."""

    TYPE: ClassVar[str] = ""
    KIND: ClassVar[str] = ""
    SIGNALS: ClassVar[Tuple[str, ...]] = SIGNALS

    def problems(self, p: Problems, where: str) -> None:  # pragma: no cover - overridden
        pass


def _positive_int(p: Problems, where: str, name: str, value, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
        p.add("bad-component", f"{where}: {name} must be a {'non-negative' if allow_zero else 'positive'} "
                               f"integer, got {value!r}")


def _duration(p: Problems, where: str, name: str, value) -> None:
    if not go_duration_ok(value):
        p.add("bad-component", f"{where}: {name} {value!r} is not a positive Go duration like '200ms', '10s'")


def _endpoint(p: Problems, where: str, name: str, value) -> None:
    if not endpoint_ok(value):
        p.add("bad-endpoint", f"{where}: {name} {value!r} must be host:port (e.g. '0.0.0.0:4317')")


def _headers(p, where, headers) -> None:
    for k, v in dict(headers).items():
        if not isinstance(k, str) or not isinstance(v, str):
            p.add("bad-component", f"{where}: headers must map strings to strings")
        elif k.lower() in SECRET_HEADERS and not is_env_ref(v):
            p.add("literal-secret", f"{where}: header {k!r} looks like a credential and must not be written "
                                    "literally", hint=f"use '${{env:{k.upper().replace('-', '_')}}}'")
