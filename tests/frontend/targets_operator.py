"""The site operator's pages in the page authorization matrix (see tests/frontend/pages.py).

The world's superuser is a staff account with every permission and no role in any
organization: the site operator. Everyone else, organization admins included, gets 404.
"""

from tests.frontend.pages import PageTarget, PageWorld

OPERATOR = ("superuser",)


def _lead(pw: PageWorld) -> dict[str, int]:
    return {"organization_id": pw.world.lead.pk}


TARGETS: dict[str, PageTarget] = {
    "operator-organizations": PageTarget(readers=OPERATOR),
    "operator-organization-new": PageTarget(readers=OPERATOR, writers=OPERATOR, post=True),
    "operator-organization": PageTarget(
        kwargs=_lead, readers=OPERATOR, writers=OPERATOR, post=True
    ),
    "operator-organization-active": PageTarget(
        kwargs=_lead, writers=OPERATOR, get=False, post=True
    ),
    "operator-organization-invite": PageTarget(
        kwargs=_lead, writers=OPERATOR, get=False, post=True
    ),
    "operator-invitation-resend": PageTarget(
        kwargs=lambda pw: {"invitation_id": pw.admin_invitation_id},
        writers=OPERATOR,
        get=False,
        post=True,
    ),
    "operator-invitation-cancel": PageTarget(
        kwargs=lambda pw: {"invitation_id": pw.admin_invitation_id},
        writers=OPERATOR,
        get=False,
        post=True,
    ),
}
