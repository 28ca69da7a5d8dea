"""The community pages in the page authorization matrix (see tests/frontend/pages.py).

The community index and the outstanding supports report, printable and as CSV, hold counts
only (R22): staff of any member organization read them, in any role. Young people, and people
without a role (the superuser), get 404.
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

TARGETS: dict[str, PageTarget] = {
    "community": PageTarget(readers=STAFF),
    "community-outstanding-supports": PageTarget(readers=STAFF),
    "community-report": PageTarget(readers=STAFF),
    "community-report-csv": PageTarget(readers=STAFF),
}
