"""`python -m chaingrad ...`: the same program as the `chaingrad` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
