"""Case writes (办件), the one entry point other apps and the views use: apply, pre-check, accept, the approval steps, pauses and extensions, the
decision, conclusion and delivery, and the daily tick of the clock.

One transaction per step: the case row is locked (`select_for_update`), the expected state is
checked, the change, its timeline event and its audit event are written together, and side
effects (SMS) run on commit. Two officers acting on the same step: the second finds the state
changed and gets a Conflict. A retried request with the same idempotency key returns the case
without acting again.

The work is split by meaning: `applying` (forms, submission, window intake, pre-check),
`handling` (steps, clock pauses, decision, conclusion, delivery), `extensions` (延期 requested
and approved by a named approver), `results` (the
result licence 出证 issues), `tick` (the daily clock) and `common` (what they share).
"""

from .applying import (
    STAGED_DAYS,
    Upload,
    check_upload,
    do_accept,
    do_refuse,
    do_request_supplement,
    do_return,
    do_save_draft,
    do_set_chain,
    do_set_form,
    do_stage_uploads,
    do_submit,
    do_supply,
    do_unstage,
    do_window_intake,
    draft_data,
    material_plan,
    may_defer,
    missing_required,
    prefill_values,
    prefilled_form,
    purge_staged,
    staged_files,
)
from .common import (
    MAX_EXTENSION_DAYS,
    MAX_FILE_BYTES,
    SUPPLEMENT_DAYS,
    SystemActor,
    access_case,
    chain_for,
    chain_separates,
    delivery_address,
    form_data,
    form_schema,
    is_department_staff,
    may_see,
    run_once,
    step_done_by,
    working_days_of,
)
from .extensions import do_decide_extension, do_extend
from .handling import (
    do_assign_step,
    do_choose_delivery,
    do_complete_step,
    do_conclude,
    do_deliver,
    do_mark_read,
    do_pause,
    do_resume,
    do_withdraw,
)
from .results import LicenceDraft, licence_draft
from .tick import TickReport, do_tick, refresh_levels

__all__ = [
    "MAX_EXTENSION_DAYS",
    "MAX_FILE_BYTES",
    "STAGED_DAYS",
    "SUPPLEMENT_DAYS",
    "LicenceDraft",
    "SystemActor",
    "TickReport",
    "Upload",
    "access_case",
    "chain_for",
    "chain_separates",
    "check_upload",
    "delivery_address",
    "do_accept",
    "do_assign_step",
    "do_choose_delivery",
    "do_complete_step",
    "do_conclude",
    "do_decide_extension",
    "do_deliver",
    "do_extend",
    "do_mark_read",
    "do_pause",
    "do_refuse",
    "do_request_supplement",
    "do_resume",
    "do_return",
    "do_save_draft",
    "do_set_chain",
    "do_set_form",
    "do_stage_uploads",
    "do_submit",
    "do_supply",
    "do_tick",
    "do_unstage",
    "do_window_intake",
    "do_withdraw",
    "draft_data",
    "form_data",
    "form_schema",
    "is_department_staff",
    "licence_draft",
    "material_plan",
    "may_defer",
    "may_see",
    "missing_required",
    "prefill_values",
    "prefilled_form",
    "purge_staged",
    "refresh_levels",
    "run_once",
    "staged_files",
    "step_done_by",
    "working_days_of",
]

# 一事联办 (bundles): member cases created by a bundle's dispatcher and delivered with its pickup.
from . import bundled  # noqa: F401 - services.bundled.*
