"""The SRE Workbook's multiwindow, multi-burn-rate catalog ("Alerting on SLOs", table 5-8),
with the 3x/1d ticket tier Sloth adds. Budget shares are fixed; burn factors follow from the SLO
period (factor = share × period / long window): 14.4, 6, 3, 1 at 30 days; 13.44, 5.6, 2.8, 0.933 at 28.
"""

PAGE = (
    {"long": "1h", "short": "5m", "budget_share": 0.02},
    {"long": "6h", "short": "30m", "budget_share": 0.05},
)

TICKET = (
    {"long": "1d", "short": "2h", "budget_share": 0.10},
    {"long": "3d", "short": "6h", "budget_share": 0.10},
)
