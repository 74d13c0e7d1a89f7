"""Kernel background tasks (django.tasks)."""

from django.tasks import task

from .audit import verify_chain


@task()
def verify_audit_chain() -> dict:
    """Verify the whole audit chain; scheduled nightly by operators."""
    report = verify_chain()
    return {"checked": report.checked, "broken_at": report.broken_at, "reason": report.reason}
