"""Date, time and number formats of the center's pages, by language (``FORMAT_MODULE_PATH``)."""
