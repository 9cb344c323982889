"""``obskit diff`` / ``obskit apply``: push the Grafana part of a build to Grafana's HTTP API.

Modules, in the order data flows through them:

- :mod:`obskit.apply.local`     reads ``OUT_DIR/grafana/`` (folders, dashboards, datasources);
- :mod:`obskit.apply.transport` what every call shares: errors, credentials, retries, answer shapes;
- :mod:`obskit.apply.client`    a small ``requests`` client: timeouts, bounded pool, no redirects; the
  legacy ``/api``, every answer checked before use;
- :mod:`obskit.apply.resource`  Grafana 12/13's resource API (``/apis``) behind the same interface, and
  the choice between the two (``--api legacy|resource|auto``);
- :mod:`obskit.apply.normalise` canonical JSON, ownership markers and content hashes;
- :mod:`obskit.apply.plan`      reads the server, compares, decides (create / update / unchanged /
  drift / conflict / provisioned / delete) without writing anything;
- :mod:`obskit.apply.apply`     executes a plan with bounded concurrency and summarises it;
- :mod:`obskit.apply.progress`  the progress line on stderr (quiet when not a terminal);
- :mod:`obskit.apply.report`    unified diffs and the summary;
- :mod:`obskit.cli.commands.grafana_common`   what the ``diff`` and ``apply`` CLI commands share (arguments, exit codes);
- :mod:`obskit.apply.standin`   an in-memory stand-in for both Grafana APIs (tests, ``obskit grafana-standin``).

See ``docs/apply.md`` for the ownership marker, drift rules and exit codes.
"""
