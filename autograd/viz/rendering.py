"""Rendering with Graphviz's `dot`: `draw` and its `Drawing` (Jupyter shows it as SVG), and `render`, which writes
a file atomically. Without `dot` on PATH, whatever needs it raises GraphvizNotFoundError, whose message
(INSTALL_HINT) says how to install it."""

import os

import graphviz

from ..files import atomic_write
from .dot import to_dot

INSTALL_HINT = (
    "Graphviz's `dot` executable was not found on PATH, so the graph cannot be rendered. Install Graphviz:\n"
    "  sudo apt-get install graphviz   |   brew install graphviz   |   conda install -c conda-forge graphviz\n"
    "Without it, autograd.to_dot(...).source still gives the DOT text."
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's `dot` is not installed: rendering needs it, `to_dot(...).source` does not."""


def draw(root, filename=None, format=None, **to_dot_options):
    """Draw `root`'s graph: an object Jupyter shows inline as SVG; with `filename`, also render that file now.

    `filename` is written exactly as given (no extension is appended), atomically. `format` is 'svg' unless the
    filename's extension names another Graphviz format ('graph.png' -> PNG). The result's `path` is the file
    written (None without `filename`). Raises GraphvizNotFoundError if a file is asked for and `dot` is missing.
    """
    graph = to_dot(root, **to_dot_options)
    drawing = Drawing(graph, format=_output_format(filename, format))
    if filename is not None:
        drawing.path = render(graph, filename, drawing.format)
    return drawing


class Drawing:
    """A drawn graph: `graph` (the Digraph), `source` (DOT), `path` (file written, or None); Jupyter shows SVG."""

    def __init__(self, graph, format="svg", path=None):
        self.graph, self.format, self.path = graph, format, path

    @property
    def source(self):
        """The DOT text."""
        return self.graph.source

    def svg(self):
        """The picture as SVG text (runs `dot`)."""
        return _pipe(self.graph, "svg").decode("utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        # Jupyter calls this with no arguments; it must never raise, or the notebook shows a traceback.
        try:
            return {"image/svg+xml": self.svg()}
        except GraphvizNotFoundError as error:
            return {"text/plain": f"{error}\n\n{self.source}"}
        except graphviz.CalledProcessError as error:
            return {"text/plain": f"Graphviz failed to render this graph: {error}\n\n{self.source}"}

    def __repr__(self):
        where = f"path={self.path!r}" if self.path else "display it in Jupyter, or .svg() for the SVG text"
        return f"<Drawing of {self.graph.comment}; {where}>"


def _output_format(filename, format):
    extension = os.path.splitext(os.fspath(filename))[1][1:].lower() if filename is not None else ""
    if extension not in graphviz.FORMATS:
        extension = ""
    if format is None:
        return extension or "svg"
    if format not in graphviz.FORMATS:
        raise ValueError(f"draw: unknown format {format!r}; Graphviz formats include 'svg', 'png' and 'pdf'")
    if extension and extension != format:
        raise ValueError(f"draw: filename {filename!r} says {extension!r} but format={format!r}; make them agree")
    return format


def _pipe(graph, format):
    try:
        return graph.pipe(format=format)
    except graphviz.ExecutableNotFound as error:
        raise GraphvizNotFoundError(INSTALL_HINT) from error


def render(graph, filename, format=None):
    """Render a graphviz graph into `filename` (written as given, atomically); the format follows the extension
    ('svg' without one) unless `format` is given. Returns the path. Raises GraphvizNotFoundError without `dot`."""
    path = os.fspath(filename)
    atomic_write(path, _pipe(graph, _output_format(path, format)))
    return path
