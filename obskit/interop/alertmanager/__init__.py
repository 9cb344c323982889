"""``alertmanager.yml`` → a Python module of obskit's Alertmanager model (``obskit import alertmanager``).

What converts, and how:

* ``route`` (every level): receiver, ``group_by``, ``matchers`` (as written), ``continue``,
  ``group_wait``/``group_interval``/``repeat_interval``, mute and active time intervals. The
  deprecated ``match``/``match_re`` become ``matchers`` (``changed``: same alerts match).
* ``receivers``: Slack, PagerDuty, email, webhook, Opsgenie, Teams (v1, v2), Jira, Rocket.Chat,
  incident.io, Mattermost with the fields obskit models. A secret (``api_url``, ``routing_key``,
  ``auth_password``, a webhook URL with a credential, ...) never becomes a literal in the code:
  a literal value becomes ``Secret(name=<receiver>, key=<field>)``, read from
  ``<secrets_dir>/<name>/<key>`` (``changed``: put the value there), and a ``*_file`` field keeps
  its path (``Secret(..., path=...)``). Chat integrations with no ``title``/``text`` get Alertmanager's
  own defaults written out (``{{ template "slack.default.title" . }}``), so notifications read as
  before (obskit would otherwise write its own). Fields and integrations obskit does not model
  (``http_config``, Discord, Telegram, ...) are ``lost``: the import is partial.
* ``inhibit_rules`` (``source_matchers``/``target_matchers``/``equal``; the deprecated
  ``source_match``/... become matchers), ``time_intervals`` (and the deprecated top-level
  ``mute_time_intervals``), ``templates`` (the files the globs match, relative to the config,
  embedded as ``Template`` objects), ``global`` (the fields ``GlobalConfig`` has).
* obskit's generated inhibitions are switched off (``generated_inhibitions=False``): the built config
  inhibits exactly what the original did.

:func:`label_sets` derives label sets that reach every route (and fall through each matcher);
``tests/test_import_alertmanager.py`` routes them through the original and the built config with
amtool and requires the same receivers, and runs ``amtool check-config`` on the built one.

The package: :mod:`.source` (keys, the conversion context, value readers), :mod:`.receivers`,
:mod:`.convert` (routes, inhibit rules, intervals, global, templates; :func:`convert`) and
:mod:`.probes` (:func:`label_sets`).
"""
from obskit.interop.alertmanager.convert import AlertmanagerImport, convert  # noqa: F401
from obskit.interop.alertmanager.probes import label_sets  # noqa: F401
