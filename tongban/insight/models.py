"""insight models (see README.md)."""

from .models_evaluation import *  # noqa: F403  (the annual evaluation: helper "evaluation")
