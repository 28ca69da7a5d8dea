"""The community resource directory: search and matches (selectors), and what member
organizations publish about their own services (services). Nothing here is case data; who may
search or edit is decided by consent.policy (``can_search_directory``,
``can_edit_directory_entry``)."""
