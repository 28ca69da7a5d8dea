"""The directory pages in the page authorization matrix (see tests/frontend/pages.py).

Staff of any member organization, in any role, search the directory and read a service;
only the admins of the organization that provides a service edit its entries. Young people,
and people without a role (the superuser), get 404.
"""

from tests.frontend.pages import PageTarget

STAFF = (
    "advocate",
    "other_advocate",
    "intake",
    "supervisor",
    "org_admin",
    "partner_staff",
    "consented_partner",
)
ADMIN = ("org_admin",)

TARGETS: dict[str, PageTarget] = {
    "directory": PageTarget(readers=STAFF),
    "directory-service": PageTarget(
        kwargs=lambda pw: {"service_id": pw.directory_service_id}, readers=STAFF
    ),
    "directory-entries": PageTarget(
        kwargs=lambda pw: {"organization_id": pw.world.lead.pk}, readers=ADMIN
    ),
    "directory-service-new": PageTarget(
        kwargs=lambda pw: {"organization_id": pw.world.lead.pk},
        readers=ADMIN,
        writers=ADMIN,
        post=True,
    ),
    "directory-service-edit": PageTarget(
        kwargs=lambda pw: {"service_id": pw.directory_service_id},
        readers=ADMIN,
        writers=ADMIN,
        post=True,
    ),
    "directory-service-unpublish": PageTarget(
        kwargs=lambda pw: {"service_id": pw.directory_service_id},
        writers=ADMIN,
        get=False,
        post=True,
    ),
}
