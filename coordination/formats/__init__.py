"""Date and time formats Harbor uses instead of Django's defaults (FORMAT_MODULE_PATH)."""
