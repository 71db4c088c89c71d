"""``python -m arkor``: the same CLI as the ``arkor`` console script."""

from arkor.cli.main import run

if __name__ == "__main__":
    run()
