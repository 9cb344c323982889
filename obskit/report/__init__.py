"""``obskit report``: the SRE Workbook's alert attributes (detection time, budget spent at detection,
reset time) measured with promtool on synthetic incidents, as Markdown, PNG plots and an HTML index."""
