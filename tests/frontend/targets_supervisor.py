"""The supervisor and organization admin pages in the page authorization matrix (see
tests/frontend/pages.py).

Continuity pages are for supervisors of the lead organization only; the organization pages
for its admins only. Everyone else gets 404, as for records they have no basis for.
"""

from tests.frontend.pages import PageTarget

SUPERVISOR = ("supervisor",)
ADMIN = ("org_admin",)

TARGETS: dict[str, PageTarget] = {
    "supervisor-dashboard": PageTarget(readers=SUPERVISOR),
    "supervisor-list": PageTarget(kwargs=lambda pw: {"kind": "overdue"}, readers=SUPERVISOR),
    "supervisor-reassign-follow-up": PageTarget(
        kwargs=lambda pw: {"follow_up_id": pw.follow_up_id},
        readers=SUPERVISOR,
        writers=SUPERVISOR,
        post=True,
    ),
    "supervisor-primary-advocate": PageTarget(
        kwargs=lambda pw: {"case_id": pw.case_id},
        readers=SUPERVISOR,
        writers=SUPERVISOR,
        post=True,
    ),
    "supervisor-access-audit": PageTarget(
        kwargs=lambda pw: {"case_id": pw.case_id}, readers=SUPERVISOR
    ),
    "supervisor-access-audit-csv": PageTarget(
        kwargs=lambda pw: {"case_id": pw.case_id}, readers=SUPERVISOR
    ),
    "supervisor-analytics": PageTarget(readers=SUPERVISOR),
    "supervisor-analytics-export": PageTarget(
        kwargs=lambda pw: {"table": "now"}, readers=SUPERVISOR
    ),
    "supervisor-analytics-list": PageTarget(
        kwargs=lambda pw: {"kind": "open-cases"}, readers=SUPERVISOR
    ),
    "supervisor-analytics-list-export": PageTarget(
        kwargs=lambda pw: {"kind": "open-cases"}, readers=SUPERVISOR
    ),
    "supervisor-outcomes": PageTarget(readers=SUPERVISOR),
    "supervisor-outcomes-export": PageTarget(
        kwargs=lambda pw: {"table": "no-system-involvement"}, readers=SUPERVISOR
    ),
    "supervisor-outcomes-list": PageTarget(
        kwargs=lambda pw: {"kind": "no-system-involvement"}, readers=SUPERVISOR
    ),
    "supervisor-outcomes-list-export": PageTarget(
        kwargs=lambda pw: {"kind": "change-safety"}, readers=SUPERVISOR
    ),
    "organization": PageTarget(readers=ADMIN),
    "continuity-rules": PageTarget(
        kwargs=lambda pw: {"organization_id": pw.world.lead.pk},
        readers=(*SUPERVISOR, *ADMIN),
        writers=(*SUPERVISOR, *ADMIN),
        post=True,
    ),
    "organization-entry": PageTarget(
        kwargs=lambda pw: {"organization_id": pw.world.lead.pk},
        readers=ADMIN,
        writers=ADMIN,
        post=True,
    ),
    "organization-import": PageTarget(
        kwargs=lambda pw: {"organization_id": pw.world.lead.pk},
        readers=ADMIN,
        writers=ADMIN,
        post=True,
    ),
    "organization-import-template": PageTarget(readers=ADMIN),
    "organization-retention": PageTarget(
        kwargs=lambda pw: {"organization_id": pw.world.lead.pk}, readers=ADMIN
    ),
    "organization-add-member": PageTarget(
        kwargs=lambda pw: {"organization_id": pw.world.lead.pk},
        readers=ADMIN,
        writers=ADMIN,
        post=True,
    ),
    "organization-member-role": PageTarget(
        kwargs=lambda pw: {"membership_id": pw.membership_id},
        readers=ADMIN,
        writers=ADMIN,
        post=True,
    ),
    "organization-member-active": PageTarget(
        kwargs=lambda pw: {"membership_id": pw.membership_id},
        writers=ADMIN,
        get=False,
        post=True,
    ),
    "organization-invitation-resend": PageTarget(
        kwargs=lambda pw: {"invitation_id": pw.invitation_id},
        writers=ADMIN,
        get=False,
        post=True,
    ),
    "organization-invitation-cancel": PageTarget(
        kwargs=lambda pw: {"invitation_id": pw.invitation_id},
        writers=ADMIN,
        get=False,
        post=True,
    ),
    "organization-member-reset-two-factor": PageTarget(
        kwargs=lambda pw: {"membership_id": pw.membership_id},
        writers=ADMIN,
        get=False,
        post=True,
    ),
}
