"""openness models (see README.md)."""

from .models_disclosure import *  # noqa: F403  依申请公开、回应关切 (helper "disclosure")
