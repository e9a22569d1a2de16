"""The farmer's pages: the forms, the guide, one screen per section, the receipt, the status page (:mod:`.router`)."""
