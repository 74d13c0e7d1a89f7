"""bundles models. Each part of the app keeps its models in models.py or models_<part>.py, imported at the
end of this module."""

from .models_fanout import *  # noqa: F403
