"""Events of the consent engine that the layers above it act on.

tasks/ sits above consent/ (DESIGN.md layers), so consent/ cannot create follow-ups itself.
It sends these signals inside the transaction that made the change; tasks/receivers.py turns
them into follow-ups and portal notices in that same transaction, so either both are written
or neither is. Receivers get ids only, never personal data.
"""

from django.dispatch import Signal

# A consent someone else signed for a minor now needs the young person's own signature:
# sent with ``consent_id``.
consent_needs_resign = Signal()

# A disclosure the law compelled was recorded and the young person must be told: sent with
# ``disclosure_id``.
compelled_disclosure_recorded = Signal()

# Closing a case ended the consents in force with it: sent with ``case_id`` and
# ``consent_ids``; the young person is told in their portal.
consents_ended_with_case = Signal()
