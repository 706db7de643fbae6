"""totals stage."""
