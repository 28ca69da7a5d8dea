"""Open Referral HSDS 3.0 import and export of the community resource directory.

``export`` builds the JSON (service objects), ``tabular`` the CSV data package, ``importer``
upserts a file's records by HSDS id, ``taxonomy`` holds Harbor's taxonomies. The project
never reads the HSDS specification files at run time: ``fields`` and ``reading`` validate
the fields Harbor uses.
"""
