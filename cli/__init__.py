"""The drawdown command line (click). Each subcommand is its own module."""
