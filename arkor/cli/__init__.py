"""The ``arkor`` command line: a thin shell over the SDK (commands parse, call, render)."""
