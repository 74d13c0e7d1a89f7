"""Settings for the granian processes of bench/exchange.py: the product's settings with a URLconf
that adds the bench-only baseline view (never part of the product)."""

from tongban.settings import *  # noqa: F403

ROOT_URLCONF = "bench_exchange_urls"
