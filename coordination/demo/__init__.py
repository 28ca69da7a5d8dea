"""Demo data for a first look at Harbor (``manage.py seed_demo``). Every name in it is invented."""
