"""Event names the product does not own: support, billing, outreach and outcomes."""

RESERVED_PREFIXES = ("support.", "invoice.", "subscription.", "customer.", "email.")


def is_product_event(name: str) -> bool:
    return not name.startswith(RESERVED_PREFIXES)
