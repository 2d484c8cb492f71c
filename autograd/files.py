"""`atomic_write`, the one way chaingrad writes a file (nn.save, draw, draw_network, the command's files).

What it does to the path it is given, judged as `cp` would be:
- a regular file (or a new name) is replaced atomically: the bytes go to `<name>.<12 hex>.tmp` beside it, are
  fsync'd, then renamed over it, so readers see the old file or the new one, never half of one. A file that was
  there keeps its permission bits (a 0600 model stays 0600) and, where allowed, its owner; a new file gets
  0666 minus the umask. A file we may not write is refused (PermissionError), as `cp` would refuse it. (A
  rename gives the path a new inode: other hard links to the old file keep the old contents.)
- a symlink is followed: its target is written (atomically, beside the target) and the link stays a link.
- a character device (/dev/null, /dev/full, a terminal) or a FIFO with a reader is written through, never
  replaced, and errors such as ENOSPC from /dev/full are raised; /dev/stdout, /dev/stderr and /dev/fd/N are
  written to the descriptor they name, wherever it goes. A FIFO nobody reads is refused at once rather than
  waited on; directories, block devices (disks) and sockets are refused.
- `<name>.<12 hex>.tmp` files that a crash left beside the target are removed by the next write to it; one
  that another process is still writing is left alone (it holds a lock on it).
Every OSError names the path as the caller gave it, never the temporary file.
"""

import contextlib
import errno
import os
import re
import secrets
import stat
import sys

try:
    import fcntl
except ImportError:  # Windows: no locks, so no cleaning up of files another process may be writing
    fcntl = None

_TMP_HEX = 12  # hex digits of the random part of a temporary file's name


def atomic_write(path, data):
    """Write the bytes `data` to `path`: a regular file is replaced atomically, keeping its permission bits; a
    symlink's target is written; a character device or read FIFO is written through; a directory is refused."""
    given = os.fspath(path)
    name = target = os.fsdecode(given)
    try:
        descriptor = _open_descriptor(name)
        if descriptor is not None:
            _write_all(descriptor, data)
            return
        try:
            status = os.stat(name)  # of what a symlink points to
        except FileNotFoundError:
            status = None
        if status is not None and not stat.S_ISREG(status.st_mode):
            _write_through(name, data, status)
        else:
            target = os.path.realpath(name)  # a symlink's target is what gets replaced
            _replace(target, data, status)
    except OSError as error:
        raise _naming(error, given, target) from None


# Names of a descriptor this process has open. /dev/stdout redirected to a file links to that file, which a rename
# would take away from the shell; its output goes where the descriptor goes, so it is written there.
_DESCRIPTOR_NAMES = re.compile(r"/dev/std(?P<stream>in|out|err)|/dev/fd/(?P<fd>\d+)|/proc/self/fd/(?P<self>\d+)")


def _open_descriptor(name):
    """The descriptor that /dev/stdout, /dev/fd/N or /proc/self/fd/N names (after flushing Python's own
    buffered output to it, so what was printed comes first), or None for any other name."""
    match = _DESCRIPTOR_NAMES.fullmatch(name) if os.name == "posix" else None
    if match is None:
        return None
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed or replaced stream has nothing of ours to flush
            stream.flush()
    if match["stream"]:
        return {"in": 0, "out": 1, "err": 2}[match["stream"]]
    return int(match["fd"] or match["self"])


def _replace(target, data, status):
    """Write a temporary file beside `target`, with the old file's mode and owner, and rename it over `target`."""
    if status is not None and not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "Permission denied (the file is read-only)")
    folder, name = os.path.split(target)
    _remove_stale_temporaries(folder, name)
    tmp = os.path.join(folder, f"{name}.{secrets.token_hex(_TMP_HEX // 2)}.tmp")
    # open() applies the umask, as for any new file; an existing file's bits and owner are copied over below.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        try:
            if fcntl is not None:  # held until renamed and closed: tells a cleaner elsewhere this file is alive
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if status is not None:
                _copy_mode_and_owner(fd, status)
            _write_all(fd, data)
            os.fsync(fd)
            os.replace(tmp, target)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if os.name == "posix":  # make the rename itself durable
        dir_fd = os.open(folder or ".", os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _copy_mode_and_owner(fd, status):
    if hasattr(os, "fchmod"):
        os.fchmod(fd, stat.S_IMODE(status.st_mode) & 0o777)  # not setuid/setgid/sticky, as cp without -p
    if hasattr(os, "fchown") and (status.st_uid, status.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root may give a file away; others keep it as theirs
            os.fchown(fd, status.st_uid, status.st_gid)


def _write_through(target, data, status):
    """Write into a character device or a FIFO that has a reader; refuse anything else that is not a file."""
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory; give a file name inside it")
    if stat.S_ISCHR(mode):
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    elif stat.S_ISFIFO(mode):
        # Opening a FIFO for writing blocks until someone reads it, maybe forever; O_NONBLOCK fails at once
        # (ENXIO) instead, and a FIFO with a reader is then written like a pipe.
        try:
            fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as error:
            if error.errno == errno.ENXIO:
                raise OSError(errno.ENXIO, "Is a FIFO that no process is reading; start the reader first") from None
            raise
        os.set_blocking(fd, True)
    elif stat.S_ISBLK(mode):
        raise OSError(errno.EPERM, "Is a block device (a disk); refusing to overwrite it")
    else:
        raise OSError(errno.EPERM, "Is not a regular file, character device or FIFO (a socket?); refusing it")
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _remove_stale_temporaries(folder, name):
    """Remove `<name>.<12 hex>.tmp` files beside the target that no live writer holds (a crash left them)."""
    if fcntl is None:
        return
    pattern = re.compile(re.escape(name) + rf"\.[0-9a-f]{{{_TMP_HEX}}}\.tmp")
    try:
        with os.scandir(folder or ".") as entries:
            stale = [entry.path for entry in entries if pattern.fullmatch(entry.name) and entry.is_file()]
    except OSError:
        return  # an unreadable folder: the write itself will say what is wrong
    for tmp in stale:
        with contextlib.suppress(OSError):
            fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while its writer is alive
                os.unlink(tmp)
            finally:
                os.close(fd)


def _naming(error, given, target):
    """The same kind of OSError, naming the caller's path (and, for a symlink, that its target was written)."""
    reason = error.strerror or str(error)
    if os.path.islink(given):
        reason += f" (writing {target}, where the link points)"
    return OSError(error.errno, reason, given) if error.errno else OSError(reason)
