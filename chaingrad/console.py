"""What the command says: `CommandError` (one line, an exit status), and text printed so that any terminal can
show it (what its encoding cannot hold is written as escapes such as \\xe9, never a UnicodeEncodeError)."""

import sys

GRAPHVIZ_INSTALL = "sudo apt-get install graphviz | brew install graphviz | conda install -c conda-forge graphviz"


class CommandError(Exception):
    """A one-line error for the user: `main` prints it as 'chaingrad <command>: error: <message>' and returns
    `status` (2: the command line was refused, nothing was done, or Graphviz could not draw; 1: the work failed)."""

    def __init__(self, message, status=2, prog=None):
        super().__init__(message)
        self.status, self.prog = status, prog


def say(text, file=None, flush=False):
    """print(text) to `file` (default stdout), with what its encoding cannot show written as escapes."""
    file = sys.stdout if file is None else file
    encoding = getattr(file, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    print(text, file=file, flush=flush)


def can_print(text, file=None):
    """Whether `file` (default stdout) can show `text` as it is."""
    try:
        text.encode(getattr(sys.stdout if file is None else file, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def listing(items, shown=5):
    """'a, b, c' for a few items; 'a, b, c, d, e and 19,995 more' for many, so a message stays one short line."""
    items = list(items)
    if len(items) <= shown + 1:
        return ", ".join(items)
    return f"{', '.join(items[:shown])} and {len(items) - shown:,} more"
