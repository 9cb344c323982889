"""Credentials and TLS settings for a Prometheus connection.

Secrets come from a file or the environment, never from the command line (argv is visible to every
user of the machine in ``ps``), and never appear in a message: :meth:`Auth.redact` replaces every form
of them (the token, the password, the ``Authorization`` header's base64) in any text before it is
shown. ``repr`` of an :class:`Auth` names the kind and the source only.
"""
from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from typing import Mapping, Optional

from obskit.errors import DefinitionError, Diagnostic

ENV_TOKEN = "OBSKIT_PROMETHEUS_TOKEN"
ENV_USER = "OBSKIT_PROMETHEUS_USER"
ENV_PASSWORD = "OBSKIT_PROMETHEUS_PASSWORD"
REDACTED = "<redacted>"


@dataclass(frozen=True)
class Auth:
    """A bearer token or a user and password, and where they came from (for messages)."""

    kind: str                           # "bearer" or "basic"
    source: str                         # "--bearer-token-file", "$OBSKIT_PROMETHEUS_TOKEN", ...
    token: str = field(default="", repr=False)
    user: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    def header(self) -> str:
        if self.kind == "bearer":
            return f"Bearer {self.token}"
        raw = f"{self.user}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def secrets(self) -> "list[str]":
        """Every string that must never be shown, longest first (so a part never masks the whole)."""
        values = [self.token, self.password, self.header().split(" ", 1)[1]]
        return sorted((v for v in values if v), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, REDACTED)
        return text

    def describe(self) -> str:
        what = "a bearer token" if self.kind == "bearer" else f"basic auth as user {self.user!r}"
        return f"{what} from {self.source}"


@dataclass(frozen=True)
class TLS:
    """Server verification (a CA bundle; the system's store when None) and an optional client cert."""

    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None

    def verify(self):
        return self.ca_file if self.ca_file else True

    def cert(self):
        if not self.cert_file:
            return None
        return (self.cert_file, self.key_file) if self.key_file else self.cert_file


def _problem(option: str, message: str, hint: str = "") -> DefinitionError:
    return DefinitionError(Diagnostic(code="live-connection-options", message=message, obj=option, hint=hint))


def _read_secret_file(path: str, option: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise _problem(option, f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _problem(option, f"{path} is not UTF-8 text") from None
    text = text.strip()
    if not text:
        raise _problem(option, f"{path} is empty")
    return text


def _basic(text: str, source: str, option: str) -> Auth:
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise _problem(option, f"{source} must hold USER:PASSWORD on one line (no ':' found or no user)")
    return Auth(kind="basic", source=source, user=user, password=password)


def auth_from(bearer_token_file: Optional[str], basic_auth_file: Optional[str],
              environ: Optional[Mapping[str, str]] = None) -> Optional[Auth]:
    """The credentials: a file option wins over the environment; two kinds at once are refused."""
    env = os.environ if environ is None else environ
    if bearer_token_file and basic_auth_file:
        raise _problem("--bearer-token-file", "give either --bearer-token-file or --basic-auth-file, not both")
    if bearer_token_file:
        return Auth(kind="bearer", source="--bearer-token-file",
                    token=_read_secret_file(bearer_token_file, "--bearer-token-file"))
    if basic_auth_file:
        text = _read_secret_file(basic_auth_file, "--basic-auth-file")
        return _basic(text, "--basic-auth-file", "--basic-auth-file")
    token = env.get(ENV_TOKEN, "").strip()
    user = env.get(ENV_USER, "").strip()
    if token and user:
        raise _problem(f"${ENV_TOKEN}", f"both ${ENV_TOKEN} and ${ENV_USER} are set: unset one of them")
    if token:
        return Auth(kind="bearer", source=f"${ENV_TOKEN}", token=token)
    if user:
        return Auth(kind="basic", source=f"${ENV_USER}/${ENV_PASSWORD}", user=user,
                    password=env.get(ENV_PASSWORD, ""))
    if env.get(ENV_PASSWORD):
        raise _problem(f"${ENV_PASSWORD}", f"${ENV_PASSWORD} is set without ${ENV_USER}")
    return None


def tls_from(ca_file: Optional[str], cert_file: Optional[str], key_file: Optional[str]) -> TLS:
    for option, path in (("--ca-file", ca_file), ("--cert-file", cert_file), ("--key-file", key_file)):
        if path and not os.path.isfile(path):
            raise _problem(option, f"{path} does not exist or is not a file")
    if key_file and not cert_file:
        raise _problem("--key-file", "--key-file needs --cert-file (the client certificate it belongs to)")
    return TLS(ca_file=ca_file, cert_file=cert_file, key_file=key_file)
