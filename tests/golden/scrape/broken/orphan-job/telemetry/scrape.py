# expect: unused-scrape-config at 4
from obskit.model.scrape import ScrapeConfig

job = ScrapeConfig(job_name="api", targets=["api:8080"])
