"""A stand-in for Grafana's HTTP API, for tests and for trying ``obskit apply`` without a Grafana
(``obskit grafana-standin``). It keeps everything in memory and listens on 127.0.0.1 by default.

It reproduces the documented behaviour obskit relies on, for two API generations sharing one store
(as Grafana's do):

**Legacy ``/api``** (Grafana docs ``developers/http_api/{dashboard,folder,data_source}.md`` and the
error table in ``pkg/services/dashboards/errors.go``), every version:

- auth: ``Authorization: Bearer <token>`` or basic auth, else 401 (``/api/health`` is open);
- dashboards: uid at most 40 characters of ``[a-zA-Z0-9_-]`` (400 ``uid too long, max 40 characters`` /
  ``uid contains illegal characters``), empty title 400, ``version`` starts at 1 and increments on every
  save, a stale ``version`` with ``overwrite: false`` is 412 ``version-mismatch``, an unknown
  ``folderUid`` is 404 ``Folder not found``, a save without ``folderUid``/``folderId`` moves the
  dashboard to the root, provisioned dashboards refuse saves (400 ``Cannot save provisioned dashboard``)
  and deletes (400), unknown uid 404, a schema v2 dashboard read through ``/api`` is 406;
- folders: 409 on an existing uid, 412 ``version-mismatch`` on a stale update, delete removes the
  dashboards inside (as Grafana does);
- datasources: 409 on a duplicate name or uid, 409 on a stale ``version``, 403 on read-only
  (provisioned) ones, ``secureJsonData`` is write-only (GET shows ``secureJsonFields``).

**Resource API ``/apis``** (Grafana 12 and later: docs ``developer-resources/api-reference/http-api/
{apis,dashboard,folder}.md``), only when ``version`` is 12 or newer:

- discovery: ``GET /apis`` (APIGroupList) and ``GET /apis/<group>`` (APIGroup) publish
  ``dashboard.grafana.app`` (12: v0alpha1, v1beta1, v2alpha1, v2beta1; 13: v1, v1beta1, v2beta1, v2)
  and ``folder.grafana.app`` (12: v1beta1; 13: v1, v1beta1);
- ``/apis/<group>/<version>/namespaces/<ns>/{dashboards,folders}[/<name>]``: list (``limit``,
  ``continue``), get, create (POST, 201), update (PUT, 200), delete (200, a Status); ``metadata.name``
  is the uid, ``metadata.resourceVersion`` changes on every write and a PUT with a stale one is 409
  ``Conflict``; a create of an existing name is 409 ``AlreadyExists``; errors are Kubernetes
  ``Status`` objects (``{"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404}``);
- the namespace is ``default`` for org 1, ``org-<id>`` for another org, ``stacks-<id>`` on Grafana
  Cloud (``stack_id``); any other namespace is 403;
- the folder of a dashboard (and the parent of a folder) is the annotation ``grafana.app/folder``;
  ``grafana.app/message`` is input-only; the manager annotations ``grafana.app/managedBy`` /
  ``grafana.app/managerId`` are kept, file-provisioned dashboards carry ``classic-file-provisioning``,
  and a write by another manager to a managed resource is refused (400 ``BadRequest``: "resource 'x'
  is managed by ...");
- v1 specs are classic dashboard JSON (without ``uid``, ``id``, ``version``); v2 specs must have
  ``title``, ``elements`` and ``layout``; a dashboard read through the other family answers its stored
  spec with ``status.conversion.failed`` (the stand-in converts nothing).

Every ``/api`` request is checked against the contract ``shared/schemas/grafana-http/openapi-subset.json``
when one is given (path and method exist, query parameters are declared, the JSON body validates against
the request schema) and every response body against the response schema of its status; every ``/apis``
request is checked against the Kubernetes conventions above (known path, known query parameters, a body
with ``apiVersion``/``kind``/``metadata``/``spec`` matching the URL). Mismatches are collected in
:attr:`GrafanaStandin.violations` (tests assert it stays empty). The tests pass the contract; the
packaged command takes it with ``--contract`` (the subset is Grafana's, AGPL, and not shipped).

Faults for retry tests: :meth:`GrafanaStandin.inject` queues ``500``, ``429`` (with ``Retry-After``),
``reset`` (connection dropped before handling), ``reset-after`` (handled, then the connection dropped:
the write landed but the client never hears it) and ``slow`` (delay) for matching requests.

The package, along the seams of that description:

- :mod:`~obskit.apply.standin.server`     :class:`GrafanaStandin`: the store, the HTTP server, faults, auth
- :mod:`~obskit.apply.standin.legacy`     the legacy ``/api``
- :mod:`~obskit.apply.standin.resource`   the resource API ``/apis``
- :mod:`~obskit.apply.standin.contract`   the checks of requests and responses against both contracts
- :mod:`~obskit.apply.standin.fixtures`   build-output fixtures (dashboard models, ``OUT_DIR/grafana/``)
"""
from obskit.apply.standin.contract import (KNOWN_GAPS, Contract, check_resource_request,  # noqa: F401
                                           check_resource_response, load_contract)
from obskit.apply.standin.fixtures import dashboard, write_output  # noqa: F401
from obskit.apply.standin.legacy import UID_CHARS, UID_MAX  # noqa: F401
from obskit.apply.standin.resource import (ANNO_FOLDER, ANNO_MANAGED_BY, ANNO_MANAGER_ID,  # noqa: F401
                                           ANNO_MESSAGE, PROVISIONING_MANAGERS, RESOURCE_VERSIONS, RESOURCES)
from obskit.apply.standin.server import STANDIN_TOKEN, Fault, GrafanaStandin, Recorded, main  # noqa: F401
