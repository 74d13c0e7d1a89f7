"""What the rating forms post, read the same way by every door (online, link, hall screen)."""

from __future__ import annotations

from .enums import Level, Reason


def posted(post) -> dict:
    return {
        "level": post.get("level", ""),
        "reasons": post.getlist("reasons"),
        "text": post.get("text", ""),
    }


def choices() -> dict:
    return {"levels": Level.choices, "reasons": Reason.choices, "bad_levels": [4, 5]}
