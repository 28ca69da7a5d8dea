"""The community's view: de-identified reports about needs and the services that meet them.

The gap analysis ("outstanding supports") lives here, beside the other reports that leave the
lead organization (reports/caseload.py), and not in providers/ as DESIGN.md first placed it:
it counts planned services and referrals, and providers/ sits below cases/ (import-linter
forbids providers -> cases). It reads the directory's facts from providers.models.
"""
