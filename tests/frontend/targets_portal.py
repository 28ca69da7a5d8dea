"""The portal pages in the page authorization matrix (see tests/frontend/pages.py).

Only the young person of the world's case reads or writes them; staff of every organization
and the other young person get 404 (the portal is a young person's own door, R32/R33).
"""

from tests.frontend.pages import PageTarget

ME = ("young_person",)
# Pages about "my" records without an id: every young person opens their own (the other young
# person sees their own empty lists; tests/frontend/test_portal_pages.py checks they never
# show the world's young person's records).
ANY_YOUNG_PERSON = ("young_person", "other_young_person")

TARGETS: dict[str, PageTarget] = {
    "portal-home": PageTarget(readers=ANY_YOUNG_PERSON),
    "portal-plan-approve": PageTarget(
        kwargs=lambda pw: {"version_id": pw.plan_version_id}, writers=ME, get=False, post=True
    ),
    "portal-plan-changes": PageTarget(
        kwargs=lambda pw: {"version_id": pw.plan_version_id}, readers=ME, writers=ME, post=True
    ),
    # The page world posts no notice; any id answers 404 to everyone but its young person.
    "portal-notice-read": PageTarget(
        kwargs=lambda pw: {"notice_id": pw.active_consent.pk}, writers=ME, get=False, post=True
    ),
    "portal-consents": PageTarget(readers=ANY_YOUNG_PERSON),
    "portal-consent-approve": PageTarget(
        kwargs=lambda pw: {"consent_id": pw.pending_consent.pk},
        readers=ME,
        writers=ME,
        post=True,
    ),
    "portal-consent-decline": PageTarget(
        kwargs=lambda pw: {"consent_id": pw.pending_consent.pk},
        readers=ME,
        writers=ME,
        post=True,
    ),
    "portal-consent-revoke": PageTarget(
        kwargs=lambda pw: {"consent_id": pw.active_consent.pk},
        readers=ME,
        writers=ME,
        post=True,
    ),
    "portal-consent-receipt": PageTarget(
        kwargs=lambda pw: {"consent_id": pw.active_consent.pk}, readers=ME
    ),
    "portal-consent-receipt-json": PageTarget(
        kwargs=lambda pw: {"consent_id": pw.active_consent.pk}, readers=ME
    ),
    "portal-access-log": PageTarget(readers=ANY_YOUNG_PERSON),
    # Each young person chooses their own reminders; no id, so nobody else's can be reached.
    "portal-reminders": PageTarget(readers=ANY_YOUNG_PERSON, writers=ANY_YOUNG_PERSON, post=True),
    # Each young person answers their own due check-in (issue 21); no id in the URL.
    "portal-check-in": PageTarget(readers=ANY_YOUNG_PERSON, writers=ANY_YOUNG_PERSON, post=True),
    "portal-export": PageTarget(readers=ANY_YOUNG_PERSON),
    "portal-export-json": PageTarget(readers=ANY_YOUNG_PERSON),
    "portal-export-zip": PageTarget(readers=ANY_YOUNG_PERSON),
    "portal-document": PageTarget(kwargs=lambda pw: {"document_id": pw.document_id}, readers=ME),
}
