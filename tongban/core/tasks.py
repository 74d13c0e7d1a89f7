"""Kernel background tasks (django.tasks)."""

from django.tasks import task

from .audit import verify_chain


@task()
def verify_audit_chain() -> dict:
    """Verify the whole audit chain; scheduled nightly by operators."""
    report = verify_chain()
    return {"checked": report.checked, "broken_at": report.broken_at, "reason": report.reason}


@task()
def purge_idempotency_keys() -> dict:
    """Forget retry keys and form tokens older than the retry window; scheduled daily by operators."""
    from .idempotency import purge

    return {"deleted": purge()}
