"""Settings for the granian process of bench/identity.py: the product's settings with a URLconf
that adds the bench-only bare view (never part of the product)."""

from tongban.settings import *  # noqa: F403

ROOT_URLCONF = "bench_identity_urls"
