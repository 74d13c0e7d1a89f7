"""openness enums (see README.md)."""

from .enums_disclosure import *  # noqa: F403  依申请公开、回应关切 (helper "disclosure")
