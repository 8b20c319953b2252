"""The kinds of record a book file holds, as its sections, in the order they are read and written.

Shared by the importers (which read them) and the exporters (which write them), so that neither
has to load the other.
"""

KINDS = ("members", "companies", "contacts", "signals", "appointments", "tickets", "services", "success_criteria",
         "notes", "handovers")
