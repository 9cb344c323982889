"""Receivers and their integrations (what Alertmanager sends notifications with).

Each integration class knows its Alertmanager YAML key (``slack_configs`` ...), the Alertmanager
version that added it, and which of its fields are secrets. Secret fields take a
:class:`~obskit.model.alertmanager.secrets.Secret` (rendered as the ``*_file`` field); a literal
string there is an error located at the definition.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import ClassVar, Dict, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

from obskit.location import Location
from obskit.model.alertmanager.secrets import Secret
from obskit.model.base import Problems, locate, set_attr

_RECEIVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_TOKENISH = re.compile(r"(token|key|secret|password|passwd|sig|signature|auth)", re.I)
_SLACK_HOOK = re.compile(r"hooks\.slack\.com/services/", re.I)


def _fmt_version(v: Tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


# -- the default notification of the chat integrations (Slack, Teams, Rocket.Chat, Mattermost) -----
# Written into an integration's title/text when the definition leaves them unset, so that a message
# says what is wrong and where to act: the group's status and summary, then each alert's summary,
# description, runbook and dashboard (the annotations obskit writes on SLO alerts; hand-written alerts
# have summary, description and runbook_url too). Inline templates, not a template file: the
# AlertmanagerConfig resource cannot carry files. Only Go template builtins and functions of
# Alertmanager 0.25 (toUpper, join); tests/test_alert_annotations_render.py renders them with amtool.

#: ``[FIRING:2] <common summary, or the group's label values>``
CHAT_TITLE = ('[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
              '{{ if .CommonAnnotations.summary }}{{ .CommonAnnotations.summary }}'
              '{{ else }}{{ .GroupLabels.SortedPairs.Values | join " " }}{{ end }}')
#: one block per alert: summary (else the alert name), description, runbook, dashboard
CHAT_TEXT = ('{{ range .Alerts }}{{ if eq .Status "resolved" }}[RESOLVED] {{ end }}'
             '{{ if .Annotations.summary }}{{ .Annotations.summary }}{{ else }}{{ .Labels.alertname }}{{ end }}\n'
             '{{ with .Annotations.description }}{{ . }}\n{{ end }}'
             '{{ with .Annotations.runbook_url }}Runbook: {{ . }}\n{{ end }}'
             '{{ with .Annotations.dashboard_url }}Dashboard: {{ . }}\n{{ end }}'
             '\n{{ end }}')
CHAT_DEFAULTS = {"title": CHAT_TITLE, "text": CHAT_TEXT}


@dataclass(frozen=True, kw_only=True, eq=False)
class Integration:
    """Base of one notification integration in a receiver."""

    KIND: ClassVar[str] = ""            # Alertmanager key, e.g. "slack_configs"
    LABEL: ClassVar[str] = ""           # human name, e.g. "Slack"
    SINCE: ClassVar[Tuple[int, int]] = (0, 25)
    SECRETS: ClassVar[Tuple[str, ...]] = ()
    #: fields only some versions accept: field → (version that added it)
    FIELD_SINCE: ClassVar[Dict[str, Tuple[int, int]]] = {}
    #: why a field needs its version, when it is not plain: field → note
    FIELD_NOTE: ClassVar[Dict[str, str]] = {}
    RENAMES: ClassVar[Dict[str, str]] = {"from_": "from", "class_": "class"}
    #: notification templates written for fields left unset (chat integrations: title and text)
    DEFAULTS: ClassVar[Dict[str, str]] = {}

    send_resolved: Optional[bool] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"{self.LABEL} integration", locate(self))
        for name in self.SECRETS:
            value = getattr(self, name)
            if value is None or isinstance(value, Secret):
                continue
            if isinstance(value, str):
                p.add("literal-secret", f"{name} is a secret and must not be written in the definition",
                      hint=f"use {name}=Secret(name='<k8s secret>', key='<key>'); it renders {name}_file")
            else:
                p.add("bad-secret", f"{name} must be a Secret(name=..., key=...), got {value!r}")
        if self.send_resolved is not None and not isinstance(self.send_resolved, bool):
            p.add("bad-field", f"send_resolved must be True or False, got {self.send_resolved!r}")
        self._check(p)
        p.done()

    def _check(self, p: Problems) -> None:  # subclasses add their checks
        pass

    def _require_one(self, p: Problems, a: str, b: str) -> None:
        if (getattr(self, a) is None) == (getattr(self, b) is None):
            p.add("bad-field", f"give exactly one of {a}= or {b}=")

    def items(self) -> Tuple[Tuple[str, object], ...]:
        """(Alertmanager field name, value) in declaration order, unset fields left out.
        Secret values stay :class:`Secret` objects: the renderer turns them into ``<name>_file``."""
        return self._items({})

    def notification_items(self) -> Tuple[Tuple[str, object], ...]:
        """What obskit writes: :meth:`items`, with :attr:`DEFAULTS` for the template fields left unset
        (the chat integrations' title and text)."""
        return self._items(self.DEFAULTS) if self.DEFAULTS else self.items()

    def _items(self, defaults: Dict[str, str]) -> Tuple[Tuple[str, object], ...]:
        out = []
        for f in fields(self):
            if f.name in ("location",) or not f.init:
                continue
            value = getattr(self, f.name)
            if value is None and f.name in defaults:
                value = defaults[f.name]
            if value is None or value == () or value == {}:
                continue
            out.append((self.RENAMES.get(f.name, f.name), value))
        # send_resolved first in the base class: put it last, where Alertmanager docs list it
        out.sort(key=lambda kv: kv[0] == "send_resolved")
        return tuple(out)

    def since_fields(self) -> Tuple[Tuple[str, Tuple[int, int]], ...]:
        """Fields set here that a newer Alertmanager added."""
        return tuple((n, v) for n, v in self.FIELD_SINCE.items() if getattr(self, n, None) not in (None, (), {}))


def _check_url(p: Problems, name: str, value, secret_hint: str = "") -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        p.add("bad-url", f"{name} {value!r} must be an http(s) URL")
        return
    parts = urlsplit(value)
    if parts.password or any(_TOKENISH.search(k) for k, _ in parse_qsl(parts.query)) or _SLACK_HOOK.search(value):
        p.add("literal-secret", f"{name} {value!r} carries a credential; it must not be written in the definition",
              hint=secret_hint or "move it into a Secret")


@dataclass(frozen=True, kw_only=True, eq=False)
class Slack(Integration):
    KIND, LABEL = "slack_configs", "Slack"
    DEFAULTS = CHAT_DEFAULTS
    SECRETS = ("api_url",)
    api_url: Optional[Secret] = None          # default: the global slack_api_url
    channel: Optional[str] = None
    username: Optional[str] = None
    title: Optional[str] = None
    title_link: Optional[str] = None
    text: Optional[str] = None
    color: Optional[str] = None
    icon_emoji: Optional[str] = None

    def _check(self, p: Problems) -> None:
        if self.channel is not None and not (isinstance(self.channel, str) and self.channel.startswith(("#", "@"))):
            p.add("bad-field", f"channel {self.channel!r} must start with '#' or '@'")


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

@dataclass(frozen=True)
class Section:
    """A nested block of an integration (``http_config: {basic_auth: {...}}``); its Secret values
    render as ``*_file`` like top-level ones."""

    items: Tuple[Tuple[str, object], ...]


@dataclass(frozen=True, kw_only=True, eq=False)
class MSTeams(Integration):
    """Incoming-webhook Teams connector (0.26). Its URL is a secret, read from ``webhook_url_file``,
    which Alertmanager 0.27 added: obskit writes MSTeams for 0.27 and newer."""

    KIND, LABEL, SINCE = "msteams_configs", "Microsoft Teams", (0, 26)
    DEFAULTS = CHAT_DEFAULTS
    SECRETS = ("webhook_url",)
    webhook_url: Optional[Secret] = None
    title: Optional[str] = None
    summary: Optional[str] = None
    text: Optional[str] = None
    FIELD_SINCE = {"webhook_url": (0, 27), "summary": (0, 27)}
    FIELD_NOTE = {"webhook_url": "written as webhook_url_file"}

    def _check(self, p: Problems) -> None:
        if self.webhook_url is None:
            p.add("missing-field", "webhook_url is required (Alertmanager has no global Teams URL)")


@dataclass(frozen=True, kw_only=True, eq=False)
class MSTeamsV2(Integration):
    """Teams through a Power Automate Workflows webhook (0.28)."""

    KIND, LABEL, SINCE = "msteamsv2_configs", "Microsoft Teams (Workflows)", (0, 28)
    DEFAULTS = CHAT_DEFAULTS
    SECRETS = ("webhook_url",)
    webhook_url: Optional[Secret] = None
    title: Optional[str] = None
    text: Optional[str] = None

    def _check(self, p: Problems) -> None:
        if self.webhook_url is None:
            p.add("missing-field", "webhook_url is required (Alertmanager has no global Teams URL)")


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
class RocketChat(Integration):
    """Rocket.Chat (0.28): a personal access token and its user id, both Secrets."""

    KIND, LABEL, SINCE = "rocketchat_configs", "Rocket.Chat", (0, 28)
    DEFAULTS = CHAT_DEFAULTS
    SECRETS = ("token", "token_id")
    api_url: Optional[str] = None               # default https://open.rocket.chat
    token: Optional[Secret] = None
    token_id: Optional[Secret] = None
    channel: Optional[str] = None
    color: Optional[str] = None
    title: Optional[str] = None
    title_link: Optional[str] = None
    text: Optional[str] = None
    message_text: Optional[str] = None          # 0.35
    emoji: Optional[str] = None
    icon_url: Optional[str] = None
    image_url: Optional[str] = None
    thumb_url: Optional[str] = None
    short_fields: Optional[bool] = None
    link_names: Optional[bool] = None
    FIELD_SINCE = {"message_text": (0, 35)}

    def _check(self, p: Problems) -> None:
        _check_url(p, "api_url", self.api_url)
        for name in ("token", "token_id"):
            if getattr(self, name) is None:
                p.add("missing-field", f"{name} is required (amtool: no global Rocketchat {name} set)")


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


@dataclass(frozen=True, kw_only=True, eq=False)
class Mattermost(Integration):
    """Mattermost incoming webhook (0.30). The attachment fields (``title``, ``title_link``,
    ``color``, ``fallback``, ``pretext``) were flattened into the top level in 0.32."""

    KIND, LABEL, SINCE = "mattermost_configs", "Mattermost", (0, 30)
    DEFAULTS = {"text": CHAT_TITLE + "\n" + CHAT_TEXT}   # title: 0.32
    SECRETS = ("webhook_url",)
    webhook_url: Optional[Secret] = None
    channel: Optional[str] = None
    username: Optional[str] = None
    text: Optional[str] = None
    icon_url: Optional[str] = None
    icon_emoji: Optional[str] = None
    title: Optional[str] = None
    title_link: Optional[str] = None
    color: Optional[str] = None
    fallback: Optional[str] = None
    pretext: Optional[str] = None
    FIELD_SINCE = {n: (0, 32) for n in ("title", "title_link", "color", "fallback", "pretext")}

    def _check(self, p: Problems) -> None:
        if self.webhook_url is None:
            p.add("missing-field", "webhook_url is required (amtool: missing webhook_url or webhook_url_file)")


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
