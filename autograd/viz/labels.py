"""The text in the picture: value records (label | data | grad), collapsed-scope records and op names, numbers
shown to `precision` digits, and the escaping that keeps every label literal in DOT and in record fields."""

import math
import re

from ..value import Value


def _record(node, show_data, show_grad, precision, flip, grad=None, label=None):
    label = node.label if label is None else label
    fields = [_record_text(label)] if label else []
    if show_data:
        fields.append(f"data {_number(node.data, precision)}")
    if show_grad:
        fields.append(f"grad {_number(node.grad if grad is None else grad, precision)}")
    body = "|".join(fields) or " "
    return f"{{{body}}}" if flip else body


def _record_box(path, members, picture, precision, flip):
    """A collapsed scope: its path, its size, and data/grad of the values it hands out (a few of them)."""
    outs = [n for n in members if n in picture.outputs or n in picture.used_outside]
    fields = [_record_text(path), _record_text(_computes(members, outs))]
    shown = outs if len(outs) <= 4 else outs[:3]  # a batch of samples gives one output each: list a few
    for n in shown:
        name = f"{_record_text(n.label)}: " if n.label else "out: "
        fields.append(f"{name}data {_number(n.data, precision)} grad {_number(n.grad, precision)}")
    if len(outs) > len(shown):
        fields.append(f"… and {len(outs) - len(shown)} more outputs")
    body = "|".join(fields)
    return f"{{{body}}}" if flip else body


def _computes(members, outs):
    """What a collapsed scope computes, when it is a neuron: 'relu(w·x + b)'; else how big it is."""
    if len(outs) == 1:
        out = outs[0]
        activation, _, kind = out.op.rpartition("∘")
        if kind == "dot":  # a fused neuron: one node
            inner = "w·x + b" if len(out.parents) % 2 or out.params else "w·x"
            return f"{activation}({inner})" if activation else inner
        inputs = out.parents
        if len(inputs) == 1 and inputs[0].op in ("sum", "dot") and inputs[0] in members:  # relu of Σ wᵢ·xᵢ + b
            return f"{out.op}(Σ wᵢ·xᵢ + b)"
        if out.op in ("sum", "dot"):
            return "Σ wᵢ·xᵢ + b"
    ops = sum(1 for n in members if n.parents)
    return f"{len(members)} values, {ops} ops"


def _op_text(node, precision):
    """The op's name, with any plain-number operand or parameter: '* 3', '1 -', 'leaky_relu α=0.01'."""
    op, params, digits = node.op, node.params or {}, max(precision, 1)
    parts = [op]
    for key, value in params.items():
        if isinstance(value, tuple):  # dot's plain-number side: '· (2, 3)', at most four shown
            shown = ", ".join(format(v, f".{digits}g") for v in value[:4]) + (", …" if len(value) > 4 else "")
            parts.append(f"· ({shown})")
            continue
        number = format(value, f".{digits}g")
        if key == "right":
            parts.append(f"({number})" if value < 0 else number)  # '- (-1)', not '- -1'
        elif key == "left":
            parts.insert(0, number)
        elif key == "const":
            parts.append(f"+ {number}" if value >= 0 else f"- {format(-value, f'.{digits}g')}")
        elif key == "alpha":
            parts.append(f"α={number}")
        elif key != "exponent":  # '**2' already shows its exponent
            parts.append(f"{key}={number}")
    return " ".join(parts)


def _number(x, precision):
    """`precision` digits after the point; scientific where that would hide the digits (tiny or huge values).

    None (a grad after `p.grad = None`: no gradient yet) is shown as None, as PyTorch shows it."""
    if x is None:
        return "None"
    x = float(x.data if isinstance(x, Value) else x) + 0.0  # + 0.0 turns -0.0 into 0.0
    if not math.isfinite(x):
        return str(x)
    if x and not 10 ** -(precision // 2) <= abs(x) < 1e6:
        return f"{x:.{precision}e}"
    return f"{x:.{precision}f}"


_SPACE_RUNS = re.compile(r"(?<=\S)  +(?=\S)")


# What dot or SVG cannot hold: NUL ends dot's strings; other control characters, lone surrogates and U+FFFE/FFFF
# are not allowed in XML, so the SVG would not open. They are shown as escapes, such as \x00 for NUL.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


def _plain(text):
    """Escape text for an ordinary DOT label: backslashes stay literal, newlines break lines, control characters
    show as escapes (a NUL as \\x00)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _UNPRINTABLE.sub(_escape, text).replace("\\", "\\\\")
    return text.replace("\n", "\\n")  # quotes are escaped by graphviz's quoting


def _escape(match):
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _record_text(text):
    """Escape text for a record field: also { } | < > and runs of spaces (which records would squeeze to one)."""
    text = re.sub(r"([{}|<>])", r"\\\1", _plain(text))
    return _SPACE_RUNS.sub(lambda m: " " + "\\ " * (len(m.group()) - 1), text)
