"""How a young person sees the staff who worked on their record (issue 19).

An organization chooses whether young people read its staff's names
(``Organization.names_staff_to_young_people``, off by default). Every door the young person
reads (API responses, portal pages, the data export, the access log) asks this module and
nothing else. Staff e-mail addresses are never shown to a young person.
"""

from django.utils.translation import gettext as _

from accounts.models import User
from providers.models import Organization


def named_staff(*, user: User | None, organization: Organization | None) -> str:
    """The staff member's name where their organization shows it to young people, else ""."""
    if user is None or organization is None or not organization.names_staff_to_young_people:
        return ""
    return user.full_name


def staff_as_young_person_sees(*, user: User | None, organization: Organization | None) -> str:
    """Who did it, for a young person: the name where the organization shows it, else a role
    ("Staff at <organization>"). Empty when nobody is recorded."""
    if user is None:
        return ""
    if name := named_staff(user=user, organization=organization):
        return name
    if organization is None:
        return _("Harbor staff")
    return _("Staff at %(organization)s") % {"organization": organization.name}
