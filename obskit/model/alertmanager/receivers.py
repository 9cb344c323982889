"""Receivers and their integrations (what Alertmanager sends notifications with).

Each integration class knows its Alertmanager YAML key (``slack_configs`` ...), the Alertmanager
version that added it, and which of its fields are secrets. Secret fields take a
:class:`~obskit.model.alertmanager.secrets.Secret` (rendered as the ``*_file`` field); a literal
string there is an error located at the definition.

The base class and what the integrations share are in :mod:`.integration`, the chat integrations in
:mod:`.chat`; :class:`Receiver`, :data:`INTEGRATIONS` and every integration are importable from here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Optional, Tuple

from obskit.location import Location
from obskit.model.alertmanager.chat import Mattermost, MSTeams, MSTeamsV2, RocketChat, Section, Slack  # noqa: F401
from obskit.model.alertmanager.integration import _EMAIL, _RECEIVER_NAME, Integration, _check_url  # noqa: F401
from obskit.model.alertmanager.secrets import Secret
from obskit.model.base import Problems, locate, set_attr


@dataclass(frozen=True, kw_only=True, eq=False)
class PagerDuty(Integration):
    """Events API v2 (``routing_key``) or the older Prometheus integration (``service_key``)."""

    KIND, LABEL = "pagerduty_configs", "PagerDuty"
    SECRETS = ("routing_key", "service_key")
    routing_key: Optional[Secret] = None
    service_key: Optional[Secret] = None
    url: Optional[str] = None
    client: Optional[str] = None
    client_url: Optional[str] = None
    description: Optional[str] = None
    severity: Optional[str] = None
    class_: Optional[str] = None
    component: Optional[str] = None
    group: Optional[str] = None
    details: Tuple[Tuple[str, str], ...] = ()

    def _check(self, p: Problems) -> None:
        self._require_one(p, "routing_key", "service_key")
        _check_url(p, "url", self.url)
        details = self.details.items() if isinstance(self.details, dict) else self.details
        set_attr(self, "details", tuple(sorted((str(k), str(v)) for k, v in details)))

    def items(self):
        return tuple((k, dict(v) if k == "details" else v) for k, v in super().items())


@dataclass(frozen=True, kw_only=True, eq=False)
class Email(Integration):
    KIND, LABEL = "email_configs", "email"
    SECRETS = ("auth_password", "auth_secret")
    to: str
    from_: Optional[str] = None
    smarthost: Optional[str] = None
    auth_username: Optional[str] = None
    auth_password: Optional[Secret] = None
    auth_secret: Optional[Secret] = None
    auth_identity: Optional[str] = None
    require_tls: Optional[bool] = None
    html: Optional[str] = None
    text: Optional[str] = None
    headers: Tuple[Tuple[str, str], ...] = ()
    FIELD_SINCE = {"auth_secret": (0, 31)}   # auth_secret_file: 0.31 (auth_password_file: 0.25)

    def _check(self, p: Problems) -> None:
        for name in ("to", "from_"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and (_EMAIL.match(value.split(",")[0].strip())
                                                                      or "{{" in value)):
                p.add("bad-field", f"{name.rstrip('_')} {value!r} is not an email address")
        if self.smarthost is not None and not re.match(r"^[^:\s]+:\d+$", str(self.smarthost)):
            p.add("bad-field", f"smarthost {self.smarthost!r} must be host:port")
        headers = self.headers.items() if isinstance(self.headers, dict) else self.headers
        set_attr(self, "headers", tuple(sorted((str(k), str(v)) for k, v in headers)))

    def items(self):
        return tuple((k, dict(v) if k == "headers" else v) for k, v in super().items())


@dataclass(frozen=True, kw_only=True, eq=False)
class Webhook(Integration):
    """``url`` may be a literal when it carries no credential; ``url_secret`` reads it from a file
    (``url_file``, Alertmanager 0.26+)."""

    KIND, LABEL = "webhook_configs", "webhook"
    SECRETS = ("url_secret",)
    url: Optional[str] = None
    url_secret: Optional[Secret] = None
    max_alerts: Optional[int] = None
    FIELD_SINCE = {"url_secret": (0, 26)}
    RENAMES = {"url_secret": "url"}

    def _check(self, p: Problems) -> None:
        self._require_one(p, "url", "url_secret")
        _check_url(p, "url", self.url, "use url_secret=Secret(...) (Alertmanager 0.26+)")
        if self.max_alerts is not None and (not isinstance(self.max_alerts, int) or self.max_alerts < 0):
            p.add("bad-field", f"max_alerts must be a non-negative integer, got {self.max_alerts!r}")


@dataclass(frozen=True, kw_only=True, eq=False)
class Opsgenie(Integration):
    KIND, LABEL = "opsgenie_configs", "Opsgenie"
    SECRETS = ("api_key",)
    api_key: Optional[Secret] = None          # default: the global opsgenie_api_key
    api_url: Optional[str] = None
    message: Optional[str] = None
    description: Optional[str] = None
    source: Optional[str] = None
    tags: Optional[str] = None
    note: Optional[str] = None
    priority: Optional[str] = None

    def _check(self, p: Problems) -> None:
        _check_url(p, "api_url", self.api_url)
        if self.priority is not None and self.priority not in ("P1", "P2", "P3", "P4", "P5") and "{{" not in self.priority:
            p.add("bad-field", f"priority {self.priority!r} must be P1..P5 (or a template)")


# -- integrations newer than Alertmanager 0.25: refused when the target version is older ------------
# Versions from Alertmanager's CHANGELOG and its config structs (v0.28.1, v0.33.1, v0.35.0 sources),
# and each one tested against the real amtool 0.25 and 0.35 (tests/test_alertmanager_versions.py).


_JIRA_API_TYPES = ("auto", "cloud", "datacenter")


@dataclass(frozen=True, kw_only=True, eq=False)
class Jira(Integration):
    """Jira issues (0.28). ``api_url`` is the REST API base (``https://<site>.atlassian.net/rest/api/2``);
    ``username`` + ``password`` (an API token, a Secret) become ``http_config.basic_auth``."""

    KIND, LABEL, SINCE = "jira_configs", "Jira", (0, 28)
    SECRETS = ("password",)
    api_url: Optional[str] = None
    api_type: Optional[str] = None              # auto (default), cloud, datacenter: 0.29
    project: str = ""
    issue_type: str = "Bug"
    summary: Optional[str] = None
    description: Optional[str] = None
    labels: Tuple[str, ...] = ()
    priority: Optional[str] = None
    reopen_transition: Optional[str] = None
    resolve_transition: Optional[str] = None
    wont_fix_resolution: Optional[str] = None
    reopen_duration: Optional[object] = None     # a duration: "1h"
    fields: Tuple[Tuple[str, str], ...] = ()    # custom fields: {"customfield_10001": "..."}
    username: Optional[str] = None
    password: Optional[Secret] = None
    FIELD_SINCE = {"api_type": (0, 29)}

    def _check(self, p: Problems) -> None:
        if not self.project or not isinstance(self.project, str):
            p.add("missing-field", "project is required")
        if not self.issue_type or not isinstance(self.issue_type, str):
            p.add("missing-field", "issue_type is required")
        if self.api_url is None:
            p.add("missing-field", "api_url is required (amtool: no global Jira Cloud URL set)")
        _check_url(p, "api_url", self.api_url)
        if self.api_type is not None and self.api_type not in _JIRA_API_TYPES:
            p.add("bad-field", f"api_type {self.api_type!r} must be one of {', '.join(_JIRA_API_TYPES)}")
        if (self.username is None) != (self.password is None):
            p.add("bad-field", "give username= and password= together (Jira's basic auth: user and API token)")
        labels = (self.labels,) if isinstance(self.labels, str) else self.labels
        set_attr(self, "labels", tuple(str(x) for x in labels))
        if self.reopen_duration is not None:
            set_attr(self, "reopen_duration", p.duration(self.reopen_duration, "reopen_duration"))
        custom = self.fields.items() if isinstance(self.fields, dict) else self.fields
        set_attr(self, "fields", tuple(sorted((str(k), str(v)) for k, v in custom)))

    def items(self):
        out = []
        for k, v in super().items():
            if k in ("username", "password"):
                continue
            out.append((k, dict(v) if k == "fields" else v))
        if self.username is not None:
            auth = Section((("username", self.username), ("password", self.password)))
            out.insert(len(out) - (out[-1][0] == "send_resolved" if out else 0),
                       ("http_config", Section((("basic_auth", auth),))))
        return tuple(out)


@dataclass(frozen=True, kw_only=True, eq=False)
class Incidentio(Integration):
    """incident.io alert source (0.29): ``url`` is the alert source's HTTP URL (it carries no
    credential; ``url_secret`` reads it from a file instead), ``alert_source_token`` its token."""

    KIND, LABEL, SINCE = "incidentio_configs", "incident.io", (0, 29)
    SECRETS = ("url_secret", "alert_source_token")
    url: Optional[str] = None
    url_secret: Optional[Secret] = None
    alert_source_token: Optional[Secret] = None
    max_alerts: Optional[int] = None
    metadata: Tuple[Tuple[str, str], ...] = ()  # 0.35
    RENAMES = {"url_secret": "url"}
    FIELD_SINCE = {"metadata": (0, 35)}

    def _check(self, p: Problems) -> None:
        self._require_one(p, "url", "url_secret")
        _check_url(p, "url", self.url, "use url_secret=Secret(...)")
        if self.alert_source_token is None:
            p.add("missing-field", "alert_source_token is required (the alert source's token, a Secret)")
        if self.max_alerts is not None and (not isinstance(self.max_alerts, int) or self.max_alerts < 0):
            p.add("bad-field", f"max_alerts must be a non-negative integer, got {self.max_alerts!r}")
        meta = self.metadata.items() if isinstance(self.metadata, dict) else self.metadata
        set_attr(self, "metadata", tuple(sorted((str(k), str(v)) for k, v in meta)))

    def items(self):
        return tuple((k, dict(v) if k == "metadata" else v) for k, v in super().items())


INTEGRATIONS = (Slack, PagerDuty, Email, Webhook, Opsgenie, MSTeams, MSTeamsV2, Jira, RocketChat, Incidentio, Mattermost)


@dataclass(frozen=True, kw_only=True, eq=False)
class Receiver:
    """A named receiver and its integrations. No integrations: a receiver that drops notifications."""

    name: str
    integrations: Tuple[Integration, ...] = ()
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"receiver {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _RECEIVER_NAME.match(self.name):
            p.add("bad-name", f"receiver name {self.name!r} must be letters, digits, '_', '.' or '-'")
        items = self.integrations
        if isinstance(items, Integration):
            items = (items,)
        set_attr(self, "integrations", tuple(items))
        for i in self.integrations:
            if not isinstance(i, Integration):
                p.add("bad-integration", f"{i!r} is not an integration ({', '.join(c.__name__ for c in INTEGRATIONS)})")
        p.done()

    def newer_than(self, target: Tuple[int, int]):
        """(what, version) for every part of this receiver the target Alertmanager lacks."""
        out = []
        for i in self.integrations:
            if i.SINCE > target:
                out.append((f"{i.LABEL} ({i.KIND})", i.SINCE, i.location))
            for name, since in i.since_fields():
                if since > target:
                    note = f" ({i.FIELD_NOTE[name]})" if name in i.FIELD_NOTE else ""
                    out.append((f"{i.LABEL} field {name}{note}", since, i.location))
        return out
