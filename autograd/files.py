"""`atomic_write`: replace a file's contents all at once, so a crash never leaves half a file in its place."""

import contextlib
import os
import secrets


def atomic_write(path, data):
    """Write bytes to `path` through a temporary file in the same directory, fsync'd, then os.replace'd over it:
    readers see the old file or the new one, never half of one."""
    path = os.fspath(path)
    tmp = f"{path}.{secrets.token_hex(6)}.tmp"  # open() applies the umask, as for any new file (mkstemp would not)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if os.name == "posix":  # make the rename itself durable
        dir_fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
