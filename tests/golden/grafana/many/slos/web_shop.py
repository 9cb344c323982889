"""A service with more SLOs than a detail dashboard shows expanded (its rows are collapsed), whose name
has an underscore (its detail dashboard's uid is not ``slos-<service>``: the overview links to the
dashboard search for its tag)."""
from obskit import SLO, RatioSLI

_PAGES = ("cart", "checkout", "search", "product")

for _page in _PAGES:
    globals()[_page] = SLO(
        service="web_shop", name=_page, objective=99.5,
        sli=RatioSLI(total=f'http_requests_total{{job="shop",page="{_page}"}}',
                     errors=f'http_requests_total{{job="shop",page="{_page}",code=~"5.."}}'),
    )
