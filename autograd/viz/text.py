"""A picture of a small graph in plain text, for a terminal with no Graphviz: the output on top, each node's
inputs below it, drawn with box-drawing characters. A node reached a second time is named, not drawn again.

    L  data 8.3001e-07  grad 1.0000  ← **2
    └── a − y  data -9.1105e-04  grad -1.8221e-03  ← - 1
        └── a  data 0.9991  grad -1.8221e-03  ← sigmoid
            └── …
"""

from ..graph import as_roots
from ..names import Names
from .labels import _number, _op_text

MAX_LINES = 200


def text_picture(root, precision=4, max_lines=MAX_LINES):
    """The graph of `root` (a Value or a sequence of them) as lines of text: label, data, grad and the op."""
    names, seen, lines = Names(precision), set(), []
    stack = [(node, "", "") for node in reversed(as_roots(root, "text_picture"))]  # (node, indent, branch)
    while stack and len(lines) < max_lines:
        node, indent, branch = stack.pop()
        name = names.text(node)
        if node in seen:
            lines.append(f"{indent}{branch}{name}  (drawn above)")
            continue
        seen.add(node)
        numbers = f"data {_number(node.data, precision)}  grad {_number(node.grad, precision)}"
        made = f"  ← {_op_text(node, precision)}" if node.parents else ""
        lines.append(f"{indent}{branch}{name}  {numbers}{made}")
        below = indent + {"": "", "├── ": "│   ", "└── ": "    "}[branch]
        parents = node.parents
        for k in reversed(range(len(parents))):
            stack.append((parents[k], below, "└── " if k == len(parents) - 1 else "├── "))
    if stack:
        lines.append(f"… and more: {len(stack):,} branches not shown (raise max_lines, or draw it)")
    return "\n".join(lines)
