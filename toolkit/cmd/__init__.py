"""The subcommands of ``toolkit.cli``, one module per stage; only these and ``cli`` print
or exit."""
