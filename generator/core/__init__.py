"""The domain: notices, times, what is open at a given now, the Statuspage mapping.

Frozen data and pure functions, no I/O. Everything else imports from here."""
