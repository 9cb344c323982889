"""The dashboard intermediate model: what compile produces and the Grafana renderers read (classic
JSON, :mod:`obskit.render.grafana`; schema v2, :mod:`obskit.render.grafana_v2`).

Generated dashboards are fully typed (:class:`DashboardSpec`). Authored dashboards (grafanalib,
foundation-sdk, dicts) are Grafana JSON by nature: after conversion to current shapes they are kept
as canonical JSON text (:class:`AuthoredDocument`), immutable like the rest of the model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

from obskit.location import Location


@dataclass(frozen=True)
class DatasourceRef:
    type: str
    uid: str


@dataclass(frozen=True)
class Query:
    expr: str
    datasource: DatasourceRef
    legend: str = ""
    instant: bool = False
    table: bool = False          # format=table (one row per series)


@dataclass(frozen=True)
class Threshold:
    value: Optional[float]       # None is the base step
    color: str


@dataclass(frozen=True)
class DataLink:
    """A link from a value (a table cell): ``url`` may use ``${__data.fields.<field>}`` and
    ``${__url_time_range}``."""

    title: str
    url: str
    new_tab: bool = False


@dataclass(frozen=True)
class Merge:
    """Grafana's ``merge`` transformation: the frames of several table queries joined into one
    table, rows matched on their common (label) columns."""


@dataclass(frozen=True)
class Organize:
    """Grafana's ``organize`` transformation: hide, rename and order fields (by their names before
    renaming)."""

    hide: Tuple[str, ...] = ()
    rename: Tuple[Tuple[str, str], ...] = ()     # (field name, display name)
    order: Tuple[str, ...] = ()


Transformation = Union[Merge, Organize]


@dataclass(frozen=True)
class FieldOverride:
    """Field options for one column of a table (matched by its display name, after the
    transformations): unit, decimals, thresholds, cell display mode, links."""

    field: str
    unit: str = ""
    decimals: Optional[int] = None
    thresholds: Tuple[Threshold, ...] = ()
    cell: str = ""               # table cell display mode: color-background, color-text, ...
    links: Tuple[DataLink, ...] = ()
    width: Optional[int] = None  # pixels


@dataclass(frozen=True)
class Repeat:
    """A panel repeated once per selected value of a template variable: side by side (``h``, at most
    ``max_per_row`` a line) or stacked (``v``)."""

    variable: str
    direction: str = "h"         # h or v
    max_per_row: Optional[int] = None

    def __post_init__(self):
        if self.direction not in ("h", "v"):
            raise ValueError(f"repeat direction {self.direction!r} is not 'h' or 'v'")


@dataclass(frozen=True)
class Panel:
    """One visualisation; ``width``/``height`` in grid units (24 columns), placed by the layout."""

    kind: str                    # timeseries, stat, gauge, table, text
    title: str
    queries: Tuple[Query, ...] = ()
    description: str = ""
    unit: str = ""
    decimals: Optional[int] = None
    min: Optional[float] = None
    max: Optional[float] = None
    thresholds: Tuple[Threshold, ...] = ()
    width: int = 12
    height: int = 8
    text: str = ""               # markdown content of a text panel
    stack: bool = False
    color_background: bool = False
    transformations: Tuple[Transformation, ...] = ()
    overrides: Tuple[FieldOverride, ...] = ()
    sort_by: Tuple[Tuple[str, bool], ...] = ()   # table: (column display name, descending)
    repeat: Optional[Repeat] = None


@dataclass(frozen=True)
class Row:
    title: str
    panels: Tuple[Panel, ...]
    collapsed: bool = False
    repeat: Optional[str] = None  # a template variable: the row (and its panels) once per selected value


@dataclass(frozen=True)
class Variable:
    """A template variable: ``datasource`` (query = plugin type), ``query`` or ``custom``."""

    name: str
    kind: str
    query: str
    label: str = ""
    datasource: Optional[DatasourceRef] = None
    default: str = ""
    multi: bool = False
    include_all: bool = False
    all_value: str = ""          # what "All" stands for (a regex such as ".+" keeps queries short)


@dataclass(frozen=True)
class Link:
    title: str
    tags: Tuple[str, ...]


@dataclass(frozen=True)
class DashboardSpec:
    title: str
    rows: Tuple[Row, ...]
    description: str = ""
    tags: Tuple[str, ...] = ()
    variables: Tuple[Variable, ...] = ()
    links: Tuple[Link, ...] = ()
    time_from: str = "now-6h"
    refresh: str = "1m"


@dataclass(frozen=True)
class AuthoredDocument:
    """A user's dashboard converted to current Grafana shapes, as canonical JSON text."""

    json: str
    kind: str                    # grafanalib, foundation-sdk, dict


@dataclass(frozen=True)
class Folder:
    uid: str
    title: str


@dataclass(frozen=True)
class CompiledDashboard:
    uid: str
    title: str
    folder: Folder
    content: Union[DashboardSpec, AuthoredDocument]
    sources: Tuple[Location, ...] = field(default=(), compare=False)
    generated: bool = False


@dataclass(frozen=True)
class CompiledDashboards:
    folders: Tuple[Folder, ...]
    dashboards: Tuple[CompiledDashboard, ...]
