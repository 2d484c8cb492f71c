"""atomic_write on real files and real special files: regular files replaced atomically with their mode and owner,
symlinks followed, character devices and FIFOs written through, directories, disks and sockets refused, a crash's
temporary files cleaned up, and every error naming the caller's path."""

import contextlib
import errno
import os
import pathlib
import select
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest

from autograd.files import atomic_write

fcntl = pytest.importorskip("fcntl", reason="POSIX files: FIFOs, devices, locks")
ROOT = pathlib.Path(__file__).resolve().parents[1]
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mknod, chown)")
not_root = pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")


def mknod_or_skip(path, mode, device):
    try:
        os.mknod(path, mode, device)
    except PermissionError:
        pytest.skip("this container may not make device nodes")


def listing(folder):
    return sorted(os.listdir(folder))


# --- Regular files


def test_a_new_file_gets_0666_minus_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "new.bin", b"data")
    finally:
        os.umask(old)
    assert (tmp_path / "new.bin").read_bytes() == b"data"
    assert stat.S_IMODE((tmp_path / "new.bin").stat().st_mode) == 0o640


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_rewriting_a_file_keeps_its_permission_bits(tmp_path, mode):
    path = tmp_path / "model.json"
    path.write_bytes(b"old")
    path.chmod(mode)
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert listing(tmp_path) == ["model.json"]


@root_only
def test_root_rewriting_another_users_file_keeps_its_owner(tmp_path):
    path = tmp_path / "theirs.json"
    path.write_bytes(b"old")
    os.chown(path, 1234, 5678)
    atomic_write(path, b"new")
    assert (path.stat().st_uid, path.stat().st_gid) == (1234, 5678)
    assert path.read_bytes() == b"new"


@not_root
def test_a_read_only_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "locked.json"
    path.write_bytes(b"old")
    path.chmod(0o444)
    with pytest.raises(PermissionError) as raised:
        atomic_write(path, b"new")
    assert raised.value.filename == path.__fspath__() and "read-only" in str(raised.value)
    assert path.read_bytes() == b"old"


def test_a_bytes_path_is_written(tmp_path):
    atomic_write(os.fsencode(tmp_path / "b.bin"), b"data")
    assert (tmp_path / "b.bin").read_bytes() == b"data" and listing(tmp_path) == ["b.bin"]


def test_a_missing_folder_is_named_as_given_not_the_temporary_file(tmp_path):
    path = tmp_path / "no" / "such" / "out.svg"
    with pytest.raises(FileNotFoundError) as raised:
        atomic_write(path, b"data")
    assert raised.value.filename == os.fspath(path)
    assert ".tmp" not in str(raised.value) and str(raised.value).endswith(f"'{path}'")


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    def crash(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and listing(tmp_path) == ["out.bin"]


# --- Temporary files a crash left behind


def test_the_next_write_removes_a_crashed_writes_temporaries_and_only_those(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"old")
    stale = ["model.json.0123456789ab.tmp", "model.json.ffffffffffff.tmp"]
    kept = [
        "model.json.0123456789.tmp",  # too few hex digits: not our name
        "model.json.0123456789AB.tmp",  # upper case: not ours
        "model.json.0123456789ab.tmp.keep",
        "other.json.0123456789ab.tmp",  # another path's
        "xmodel.json.0123456789ab.tmp",
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x" * 1000)
    atomic_write(path, b"new")
    assert listing(tmp_path) == sorted(["model.json", *kept])
    assert path.read_bytes() == b"new"


def test_a_temporary_that_a_live_writer_holds_is_left_alone(tmp_path):
    path = tmp_path / "model.json"
    busy = tmp_path / "model.json.0123456789ab.tmp"
    with open(busy, "wb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # what atomic_write holds while it writes
        atomic_write(path, b"new")
        assert busy.exists()
    atomic_write(path, b"newer")  # its writer is gone now
    assert listing(tmp_path) == ["model.json"] and path.read_bytes() == b"newer"


# --- Symlinks


def test_a_symlink_s_target_is_written_and_the_link_stays(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    target.write_bytes(b"old")
    target.chmod(0o600)
    link = tmp_path / "model.json"
    link.symlink_to(os.path.join("real", "model.json"))  # relative, as `ln -s` makes them
    atomic_write(link, b"new")
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "model.json")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert listing(tmp_path) == ["model.json", "real"] and listing(tmp_path / "real") == ["model.json"]


def test_a_chain_of_symlinks_writes_the_last_target(tmp_path):
    target = tmp_path / "target.svg"
    target.write_bytes(b"old")
    (tmp_path / "middle.svg").symlink_to(target)
    (tmp_path / "first.svg").symlink_to(tmp_path / "middle.svg")
    atomic_write(tmp_path / "first.svg", b"new")
    assert target.read_bytes() == b"new"
    assert (tmp_path / "first.svg").is_symlink() and (tmp_path / "middle.svg").is_symlink()


def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "graph.svg"
    link.symlink_to(tmp_path / "made.svg")
    atomic_write(link, b"<svg/>")
    assert link.is_symlink() and (tmp_path / "made.svg").read_bytes() == b"<svg/>"


def test_a_symlink_loop_is_an_error_naming_the_given_path(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError) as raised:
        atomic_write(tmp_path / "a", b"x")
    assert raised.value.errno == errno.ELOOP and raised.value.filename == os.fspath(tmp_path / "a")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


# --- Directories, devices, FIFOs, sockets


def test_a_directory_is_refused_not_replaced(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_bytes(b"keep")
    with pytest.raises(IsADirectoryError) as raised:
        atomic_write(folder, b"x")
    assert raised.value.filename == os.fspath(folder) and "give a file name inside it" in str(raised.value)
    assert listing(folder) == ["keep.txt"] and listing(tmp_path) == ["out"]


def test_a_symlink_to_a_directory_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "out")
    with pytest.raises(IsADirectoryError):
        atomic_write(tmp_path / "link", b"x")
    assert (tmp_path / "link").is_symlink() and listing(tmp_path / "out") == []


def test_dev_null_is_written_through_and_stays_a_device():
    atomic_write("/dev/null", b"x" * 100_000)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dev_full_reports_no_space_naming_it():
    with pytest.raises(OSError) as raised:
        atomic_write("/dev/full", b"x")
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == "/dev/full"
    assert str(raised.value) == "[Errno 28] No space left on device: '/dev/full'"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@root_only
def test_a_character_device_node_is_written_through_not_replaced(tmp_path):
    null = tmp_path / "null"
    mknod_or_skip(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    atomic_write(null, b"data")
    assert stat.S_ISCHR(null.stat().st_mode) and null.stat().st_rdev == os.makedev(1, 3)
    assert listing(tmp_path) == ["null"]


@root_only
def test_a_full_device_node_reports_no_space_and_stays(tmp_path):
    full = tmp_path / "full"
    mknod_or_skip(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # the same device as /dev/full
    with pytest.raises(OSError) as raised:
        atomic_write(full, b"data")
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == os.fspath(full)
    assert stat.S_ISCHR(full.stat().st_mode) and listing(tmp_path) == ["full"]


@root_only
def test_a_block_device_is_refused(tmp_path):
    disk = tmp_path / "loop"
    mknod_or_skip(disk, 0o600 | stat.S_IFBLK, os.makedev(7, 0))  # a loop device's number; never opened
    with pytest.raises(OSError) as raised:
        atomic_write(disk, b"data")
    assert raised.value.filename == os.fspath(disk) and "block device" in str(raised.value)
    assert stat.S_ISBLK(disk.stat().st_mode) and listing(tmp_path) == ["loop"]


def test_a_fifo_nobody_reads_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(OSError) as raised:
        atomic_write(fifo, b"data")
    assert time.monotonic() - start < 5  # not waiting for a reader
    assert raised.value.errno == errno.ENXIO and raised.value.filename == os.fspath(fifo)
    assert "no process is reading" in str(raised.value)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and listing(tmp_path) == ["pipe"]


def test_a_fifo_with_a_reader_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = bytes(range(256)) * 1000  # more than a pipe's buffer, so the writer must wait for the reader
    received = []
    read_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there before the write starts

    def read_all():  # until all the data came (an EOF before the writer opens the FIFO is no end)
        chunks, deadline = [], time.monotonic() + 10
        while sum(map(len, chunks)) < len(data) and time.monotonic() < deadline:
            select.select([read_fd], [], [], 0.1)
            with contextlib.suppress(BlockingIOError):
                chunks.append(os.read(read_fd, 65536) or b"")
            if chunks and not chunks[-1]:
                time.sleep(0.01)
        received.append(b"".join(chunks))

    reader = threading.Thread(target=read_all)
    reader.start()
    try:
        atomic_write(fifo, data)
    finally:
        reader.join(timeout=10)
        os.close(read_fd)
    assert received == [data]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and listing(tmp_path) == ["pipe"]


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(os.fspath(path))
        with pytest.raises(OSError) as raised:
            atomic_write(path, b"data")
    finally:
        server.close()
    assert raised.value.filename == os.fspath(path) and "refusing" in str(raised.value)
    assert stat.S_ISSOCK(path.stat().st_mode)


@pytest.mark.parametrize("name", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
@pytest.mark.parametrize("into", ["pipe", "file"])
def test_dev_stdout_is_written_where_stdout_goes_after_what_was_printed(tmp_path, name, into):
    program = f"from autograd.files import atomic_write; print('printed first'); atomic_write({name!r}, b'data\\n')"
    path = os.pathsep.join([os.fspath(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    command = [sys.executable, "-c", program]
    env = {**os.environ, "PYTHONPATH": path}
    if into == "pipe":
        result = subprocess.run(command, capture_output=True, env=env, timeout=60)
        assert (result.returncode, result.stdout, result.stderr) == (0, b"printed first\ndata\n", b"")
    else:
        with open(tmp_path / "out.txt", "wb") as out:
            result = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, env=env, timeout=60)
        assert (result.returncode, result.stderr) == (0, b"")
        assert (tmp_path / "out.txt").read_bytes() == b"printed first\ndata\n"
        assert listing(tmp_path) == ["out.txt"]


def test_a_descriptor_that_is_not_open_is_an_error_naming_it():
    with pytest.raises(OSError) as raised:
        atomic_write("/dev/fd/987654", b"x")
    assert raised.value.errno == errno.EBADF and raised.value.filename == "/dev/fd/987654"


def test_a_symlink_to_a_fifo_writes_through_it(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to(tmp_path / "pipe")
    with pytest.raises(OSError, match="no process is reading"):
        atomic_write(tmp_path / "link", b"x")  # refused at once, as the FIFO itself
    assert (tmp_path / "link").is_symlink() and stat.S_ISFIFO((tmp_path / "pipe").stat().st_mode)
