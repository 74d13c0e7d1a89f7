"""Settings for the granian process of bench/licenses.py: the product's settings with a URLconf
that adds the bench-only baseline views (never part of the product)."""

from tongban.settings import *  # noqa: F403

ROOT_URLCONF = "bench_licenses_urls"
