"""One module per delivery channel: how a rendered message leaves the building."""
