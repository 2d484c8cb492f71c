"""Pictures of the graph: `to_dot` builds Graphviz DOT (no executable needed), `draw` renders it with `dot`.

The submodules, each using only those listed above it (so there are no import cycles):
- `labels`: the text in the picture (value and scope records, op names, numbers), escaped for DOT labels.
- `style`: the colours: fills by kind of value and family of op, |grad| on a log scale, highlights, legends.
- `scopes`: the scope each node is drawn in, and the nested labelled clusters of group_scopes.
- `dot`: `to_dot`, which decides what is drawn (values, ops, collapsed scopes, edges) and writes the Digraph.
- `rendering`: `draw`, `Drawing` (Jupyter shows it), `render` (files via atomic_write), Graphviz run with a time
  limit, and GraphvizError (GraphvizNotFoundError when it is missing) for every way it can fail.
- `layout`: where each node goes for the explorer (dot's layout, or grandalf's without Graphviz).
- `explore`: `explore`, the interactive explorer; explorer.js is its one JavaScript module.
"""

from .dot import to_dot
from .explore import Explorer, explore
from .rendering import (
    DEFAULT_TIMEOUT,
    INSTALL_HINT,
    Drawing,
    GraphvizError,
    GraphvizNotFoundError,
    GraphvizTimeoutError,
    draw,
    render,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "INSTALL_HINT",
    "Drawing",
    "Explorer",
    "GraphvizError",
    "GraphvizNotFoundError",
    "GraphvizTimeoutError",
    "draw",
    "explore",
    "render",
    "to_dot",
]
