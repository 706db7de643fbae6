"""Rules stage: what was read + the catalogue -> issues and accepted line items."""
