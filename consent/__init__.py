"""The access policy (the one place that decides who may see what) and, with the consent
engine, consents, signatures and the access log. Disclosures to other organizations live here.
"""
