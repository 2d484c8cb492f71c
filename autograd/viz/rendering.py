"""Rendering with Graphviz: `draw` and its `Drawing` (Jupyter shows a PNG, and an SVG where it fits), and
`render`, which writes a file with autograd.files.atomic_write. Graphviz runs with a time limit (`timeout=`,
else $CHAINGRAD_DOT_TIMEOUT, else DEFAULT_TIMEOUT seconds). Every way it can fail (missing, an error, a crash,
out of time) raises a GraphvizError whose one-line message says what happened and what to do; without `dot` on
PATH it is GraphvizNotFoundError, whose message (INSTALL_HINT) says how to install it."""

import math
import os
import re
import shutil
import signal
import subprocess

import graphviz

from ..files import atomic_write
from .dot import to_dot

INSTALL_HINT = (
    "Graphviz's `dot` executable was not found on PATH, so the graph cannot be rendered. Install Graphviz:\n"
    "  sudo apt-get install graphviz   |   brew install graphviz   |   conda install -c conda-forge graphviz\n"
    "Without it, autograd.to_dot(...).source still gives the DOT text."
)
# Seconds Graphviz may take to lay out one picture. The largest this project draws (a 1,327-node loss graph)
# takes 1.6 s with dot 2.43 here; a layout that runs away (a value used by every op of a long formula) takes
# minutes or crashes, so the limit turns it into an error instead of a hang.
DEFAULT_TIMEOUT = 10.0
TIMEOUT_VARIABLE = "CHAINGRAD_DOT_TIMEOUT"
COLUMN_WIDTH = 800  # px: a picture up to this wide fits a JupyterLab notebook column (848 px in a 1280 px window)
_DRAW_LESS = (
    "draw less: build parts of the graph inside `with autograd.scope('name'):` and pass collapse=True, lower "
    "max_nodes to find out how big it is, or draw a part of it (to_dot(...).source still gives the DOT text)"
)


class GraphvizError(RuntimeError):
    """Graphviz could not draw the graph (missing, failed, crashed or out of time); the message says which and what
    to do, `reason` only what happened (for a program, such as the command, that gives its own advice)."""

    def __init__(self, message, reason=None):
        super().__init__(message)
        self.reason = reason or message


class GraphvizNotFoundError(GraphvizError):
    """Graphviz's `dot` is not installed: rendering needs it, `to_dot(...).source` does not."""


class GraphvizTimeoutError(GraphvizError):
    """Graphviz ran past its time limit, `seconds`, and was stopped."""

    def __init__(self, message, reason, seconds):
        super().__init__(message, reason)
        self.seconds = seconds


def draw(root, filename=None, format=None, *, timeout=None, **to_dot_options):
    """Draw `root`'s graph: an object Jupyter shows inline; with `filename`, also render that file now.

    `filename` is written exactly as given (no extension is appended) with autograd.files.atomic_write: a file is
    replaced atomically, a symlink's target is written, a device such as /dev/stdout is written through. `format`
    is 'svg' unless the filename's extension names another Graphviz format ('graph.png' -> PNG); either is read
    case-insensitively. The result's `path` is the file written (None without `filename`). Graphviz gets
    `timeout` seconds (default $CHAINGRAD_DOT_TIMEOUT or DEFAULT_TIMEOUT; math.inf for no limit); any failure of it
    raises GraphvizError (GraphvizNotFoundError if `dot` is missing).
    """
    seconds = _time_limit(timeout)
    graph = to_dot(root, **to_dot_options)
    drawing = Drawing(graph, format=_output_format(filename, format), timeout=seconds)
    drawing.root = root
    if filename is not None:
        drawing.path = render(graph, filename, drawing.format, timeout=seconds)
    return drawing


class Drawing:
    """A drawn graph: `graph` (the Digraph), `source` (DOT), `path` (file written, or None). Jupyter shows it
    scaled down to the cell's width (in JupyterLab, double-click it for its full size); `print()` gives a text
    picture, `.svg()` the SVG, `.png()` the PNG."""

    root = None  # the Value drawn, for the text picture

    def __init__(self, graph, format="svg", path=None, timeout=None):
        self.graph, self.format, self.path, self.timeout = graph, format, path, timeout

    @property
    def source(self):
        """The DOT text."""
        return self.graph.source

    def svg(self, timeout=None):
        """The picture as SVG text (runs `dot`, for `timeout` seconds at most; default the drawing's own)."""
        return _pipe(self.graph, "svg", self.timeout if timeout is None else timeout).decode("utf-8")

    def png(self, timeout=None, dpi=144):
        """The picture as PNG bytes, at `dpi` (twice the screen's 72, so it stays sharp when shown at half size)."""
        graph = self.graph.copy()
        graph.attr(dpi=str(dpi))
        return _pipe(graph, "png", self.timeout if timeout is None else timeout)

    def view(self):
        """Open the picture in the system's viewer or web browser (an SVG file in a temporary directory)."""
        import tempfile
        import webbrowser

        path = os.path.join(tempfile.mkdtemp(prefix="chaingrad-"), "graph.svg")
        atomic_write(path, self.svg().encode("utf-8"))
        if not webbrowser.open(f"file://{path}"):
            raise RuntimeError(f"no viewer or browser could be opened here; the picture is in {path}")
        return path

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        # Jupyter calls this with no arguments; it must never raise, or the notebook shows a traceback.
        # A PNG, at twice its size, for every viewer: a notebook nobody has trusted (every one just cloned) shows
        # no SVG, GitHub none at all, and JupyterLab scales an image down to the cell, a double-click showing it
        # full size. The SVG goes beside it only for a picture narrow enough to fit a notebook column: JupyterLab
        # prefers it in a trusted notebook and draws it as an <img> that a double-click cannot show full size.
        try:
            png = self.png()
            width = _png_width(png) // 2  # shown at 72 dpi: its true size
            bundle = {"image/png": png, "text/plain": repr(self)}
            if width <= COLUMN_WIDTH:
                bundle = {"image/svg+xml": _true_size(self.svg()), **bundle}
        except GraphvizError as error:
            return {"text/plain": f"{error}\n\nWithout Graphviz, print() it for a text picture, or use .source."}
        return bundle, {"image/png": {"width": width}}

    def __str__(self):
        from .text import text_picture

        return text_picture(self.root) if self.root is not None else repr(self)  # not 300 lines of DOT: .source

    def __repr__(self):
        picture = "print() it for a text picture, " if self.root is not None else ""
        where = f"path={self.path!r}" if self.path else f"{picture}.view() to open it, .source for its DOT"
        return f"<Drawing of {self.graph.comment}; {where}>"


def _true_size(svg):
    """The SVG sized in px, the numbers dot gives in pt: shown at the PNG's size, not a third larger."""
    return re.sub(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', r'<svg width="\1px" height="\2px"', svg, count=1)


def _png_width(png):
    return int.from_bytes(png[16:20], "big")  # the IHDR chunk: width, then height, 4 bytes each


def render(graph, filename, format=None, *, timeout=None):
    """Render a graphviz graph into `filename` (written as given, with atomic_write); the format follows the
    extension ('svg' without one) unless `format` is given. Returns the path. Raises GraphvizError."""
    path = os.fspath(filename)
    atomic_write(path, _pipe(graph, _output_format(path, format), timeout))
    return path


def _output_format(filename, format):
    extension = os.path.splitext(os.fsdecode(filename))[1][1:].lower() if filename is not None else ""
    if extension not in graphviz.FORMATS:
        extension = ""
    if format is None:
        return extension or "svg"
    if not isinstance(format, str) or format.lower() not in graphviz.FORMATS:
        raise ValueError(f"draw: unknown format {format!r}; Graphviz formats include 'svg', 'png' and 'pdf'")
    format = format.lower()
    if extension and extension != format:
        raise ValueError(f"draw: filename {filename!r} says {extension!r} but format={format!r}; make them agree")
    return format


def _time_limit(timeout):
    """Seconds Graphviz may run: `timeout`, else $CHAINGRAD_DOT_TIMEOUT, else DEFAULT_TIMEOUT (inf: no limit)."""
    if timeout is None:
        text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
        if not text:
            return DEFAULT_TIMEOUT
        try:
            timeout = float(text)
        except ValueError:
            raise ValueError(f"${TIMEOUT_VARIABLE}={text!r} is not a number of seconds, such as 30") from None
        if not timeout > 0:
            raise ValueError(f"${TIMEOUT_VARIABLE}={text!r}: the time limit must be more than 0 seconds")
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ValueError(f"draw: timeout must be a number of seconds more than 0, got {timeout!r}")
    return float(timeout)


def _pipe(graph, format, timeout):
    """Run Graphviz on `graph`'s DOT text and return its output, or raise GraphvizError saying what went wrong."""
    seconds = _time_limit(timeout)
    engine = graph.engine or "dot"
    executable = shutil.which(engine)
    if executable is None:
        raise GraphvizNotFoundError(INSTALL_HINT if engine == "dot" else INSTALL_HINT.replace("`dot`", f"`{engine}`"))
    what = f"this graph ({graph.comment})" if graph.comment else "this graph"
    # Labels are escaped to printable text when drawn; other graphs may hold lone surrogates, which dot
    # would choke on as bytes: show them as escapes instead.
    source = graph.source.encode("utf-8", errors="backslashreplace")
    try:
        limit = None if seconds == math.inf else seconds
        done = subprocess.run([executable, f"-T{format}"], input=source, capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired:  # subprocess.run has killed it
        reason = f"Graphviz's {engine} did not finish laying out {what} within {seconds:g} s"
        advice = f"Allow more time with timeout= (or ${TIMEOUT_VARIABLE}), or {_DRAW_LESS}"
        raise GraphvizTimeoutError(f"{reason}. {advice}", reason, seconds) from None
    except OSError as error:
        raise GraphvizError(f"Graphviz's {engine} ({executable}) could not be run: {error}") from None
    if done.returncode < 0:
        reason = f"Graphviz's {engine} crashed ({_signal_name(-done.returncode)}) while laying out {what}"
        raise GraphvizError(f"{reason}; {_DRAW_LESS}", reason)
    if done.returncode != 0:
        raise GraphvizError(f"Graphviz's {engine} failed on {what}: {_first_error(done.stderr)}")
    return done.stdout


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _first_error(stderr):
    """The first error line of Graphviz's complaint (it may go on for pages), shortened to 300 characters."""
    lines = [line.strip() for line in stderr.decode("utf-8", errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if not line.lower().startswith("warning")]
    line = (errors or lines or ["it gave no reason"])[0]
    return line if len(line) <= 300 else line[:299] + "…"
