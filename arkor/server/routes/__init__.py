"""The HTTP routes of protocol §2-§8, one module per area; each route parses, authorizes,
calls the store / runner / inference worker and serializes."""
