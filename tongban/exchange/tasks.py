"""exchange tasks (see README.md)."""

from django.tasks import task


@task()
def tick() -> dict:
    """The daily `exchange tick` as a task: escalate overdue share requests, expire grants;
    scheduled daily by operators, as `cases tick` is."""
    from . import grants

    report = grants.tick()
    return {"escalated": report.escalated, "expired": report.expired, "failed": report.failed}


@task()
def rollup() -> dict:
    """The daily `exchange rollup` as a task: the call log's past days into the public
    statistics (`stats.rollup`, idempotent); scheduled daily by operators, after midnight."""
    from . import stats

    return {"days": stats.rollup()}
