"""Young people, families, safe contact, cases, plans, referrals, notes and contacts.

This app holds the records and their state machines; it never decides who may see them.
"""
