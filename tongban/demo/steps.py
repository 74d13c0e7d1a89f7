"""Later demo steps: each app's demo seeding, run in order after the core demo.

Each entry is "module:function"; the function takes (actor=..., say=...) and returns True when it
wrote something (False when everything was already there). Append one line per step.
"""

LATER_STEPS: list[str] = []
LATER_STEPS.append("tongban.demo.supervision_core:seed_supervision_core")
LATER_STEPS.append("tongban.demo.supervision_draw:seed_draws")
LATER_STEPS.append("tongban.demo.hotline_story:seed_hotline_story")
LATER_STEPS.append("tongban.demo.hotline_kb:seed_hotline_kb")
LATER_STEPS.append("tongban.demo.ratings_story:seed_ratings")
LATER_STEPS.append("tongban.demo.hotline_story:rate_story_ticket")
LATER_STEPS.append("tongban.demo.bundles_themes:seed_bundle_themes")
LATER_STEPS.append("tongban.demo.supervision_iot:seed")
LATER_STEPS.append("tongban.demo.bundles_submitted:seed_submitted_bundle")
LATER_STEPS.append("tongban.demo.bundles_completed:seed_done_bundle")
LATER_STEPS.append("tongban.demo.bundles_completed:complete_done_bundle")
