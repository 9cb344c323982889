"""Window catalogs as data."""
