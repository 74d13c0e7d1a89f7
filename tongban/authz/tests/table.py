"""The rows of the authorization matrix: each endpoint with a concrete target from the world, and
who may do what there, written as rules over kinds of actor.

An expectation is a status, or (status, Location path) for a redirect; `LOGIN` is the redirect to
the sign-in page with this URL as `next`, `ADMIN_LOGIN` the admin's own. Rules resolve from the
most specific key: the actor kind itself, then its group (`anonymous`, `people`, `staff`,
`systems`), then `default`. On pages (not the API) a department system's bearer token means
nothing: it is treated as anonymous unless the row says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
PEOPLE = (
    "citizen_l1",
    "citizen_l2",
    "principal",
    "helper",
    "revoked_helper",
    "legal_rep",
    "former_rep",
    "agent",
    "expired_agent",
    "revoked_agent",
)
STAFF = (
    "window_clerk",
    "approving_officer",
    "department_admin",
    "other_department_officer",
    "other_region_officer",
    "other_region_admin",
    "inspector",
    "platform_admin",
    "superuser",
)
SYSTEMS = ("system_jiangxia", "system_jianghan")
ACTORS = (ANONYMOUS, *PEOPLE, *STAFF, *SYSTEMS)
GROUPS = {ANONYMOUS: "anonymous"} | dict.fromkeys(PEOPLE, "people") | dict.fromkeys(STAFF, "staff")
GROUPS |= dict.fromkeys(SYSTEMS, "systems")

# The admin's model pages are decided by Django's admin alone (signed in, is_staff, then the
# model permission; no grant, department or region enters), so each kind of account the admin
# distinguishes is tried there: nobody, a person, a department system, staff of a department,
# staff without one, and a superuser. Every other row tries every kind of actor.
ADMIN_ACTORS = (ANONYMOUS, "citizen_l2", "system_jiangxia", "window_clerk", "platform_admin", "superuser")

LOGIN = "login"  # 302 to /accounts/login/?next=<this url>
ADMIN_LOGIN = "admin-login"  # 302 to /admin/login/?next=<this url>

# The staff of each department (the world's 江夏 and 江汉 departments), inspectors and superusers
# see every case.
JIANGXIA_STAFF = ("window_clerk", "approving_officer", "department_admin")
JIANGHAN_STAFF = ("other_region_officer", "other_region_admin")
PROVINCE = ("inspector", "superuser")

# Who is on the applicant's side of each case in the world (owner and grantees valid now): the
# principal's current helper (帮办, consent for all items) acts for her on every case of hers,
# whoever submitted it (accounts.queries.may_act_for); submitting a case gives nothing by itself.
PRINCIPAL_SIDE = {"principal", "helper"}
CASES = {
    "case_own": ("jiangxia", PRINCIPAL_SIDE),
    "case_accepted": ("jiangxia", PRINCIPAL_SIDE),
    "case_helper": ("jiangxia", PRINCIPAL_SIDE),
    "case_revoked_helper": ("jiangxia", PRINCIPAL_SIDE),
    "case_ent_a": ("jiangxia", {"legal_rep", "agent"}),
    "case_ent_b": ("jiangxia", {"legal_rep"}),
    "case_expired": ("jiangxia", {"legal_rep"}),
    "case_revoked": ("jiangxia", {"legal_rep"}),
    "case_window": ("jiangxia", PRINCIPAL_SIDE),
    "case_jianghan": ("jianghan", PRINCIPAL_SIDE),
}


def department_staff(case: str) -> tuple[str, ...]:
    return JIANGXIA_STAFF if CASES[case][0] == "jiangxia" else JIANGHAN_STAFF


def owners(case: str) -> set[str]:
    return CASES[case][1]


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    url: str  # with {placeholders} from World.ids
    route: str  # the endpoint it covers: a URL route, or "METHOD /api/v1/path"
    rules: dict = field(default_factory=dict)
    data: dict | None = None
    json: bool = False  # send `data` as a JSON body
    writes: bool = False  # a write: refusals must change nothing
    actors: tuple[str, ...] = ACTORS  # who is tried (every kind, but see ADMIN_ACTORS)

    def expect(self, actor: str):
        for key in (actor, GROUPS[actor]):
            if key in self.rules:
                return self.rules[key]
        if GROUPS[actor] == "systems" and not self.route.startswith(("GET /api", "POST /api")):
            return self.expect(ANONYMOUS)
        return self.rules["default"]


@dataclass(frozen=True)
class Refusal:
    """A refusal that answers with a redirect (a message on the page it sends you back to): like
    any refusal of a write, it must change nothing."""

    status: int
    location: str | re.Pattern


# An expected cell: a status; (status, Location) where the Location is a path (compared with the
# answer's path), a full path with query (compared exactly) or a compiled pattern (matched on the
# path, for an object the cell itself creates); LOGIN or ADMIN_LOGIN; a Refusal; or a callable
# of World.ids giving one of these.
Expectation = int | tuple | str | Refusal | Callable


def rules(default=None, **by_actor_or_group) -> dict:
    return {"default": default, **by_actor_or_group}


def each(actors, value) -> dict:
    return dict.fromkeys(actors, value)
