"""xlsx stage."""
