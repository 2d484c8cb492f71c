"""The colours of the picture: font and inks, fills by kind of value and by family of op, |grad| on a log scale,
and the legends that explain them."""

import math

from ..value import Value

_FONT = "Helvetica,Arial,sans-serif"
_INK, _EDGE, _HIGHLIGHT = "#374151", "#6b7280", "#ea580c"
_FILL = {"leaf": "#dbeafe", "param": "#dcfce7", "interior": "#ffffff", "output": "#fef3c7", "scope": "#ede9fe"}
_OP_FILL = {"arithmetic": "#f3f4f6", "function": "#e0e7ff", "activation": "#fce7f3"}
_ARITHMETIC = {"+", "-", "*", "/", "neg", "sum"}
_ACTIVATIONS = {"tanh", "sigmoid", "relu", "leaky_relu", "elu", "softplus"}
# |grad| is coloured on a log scale centred at 1: blue fades in over 6 decades below it (vanishing), red over 6
# decades above it (exploding).
_DECADES = 6
_VANISHING, _EXPLODING, _NO_GRAD, _NAN = (37, 99, 235), (220, 38, 38), "#e5e7eb", "#a21caf"


def _op_family(op):
    if op in _ARITHMETIC:
        return "arithmetic"
    return "activation" if op.partition("∘")[0] in _ACTIVATIONS else "function"  # a fused neuron: 'relu∘dot'


def _grad_colors(grad):
    """(fill, text colour or None) for |grad| on a log scale: white at 1, blue when vanishing, red when exploding."""
    if grad is None:  # no gradient yet (p.grad = None)
        return _NO_GRAD, None
    g = abs(float(grad.data if isinstance(grad, Value) else grad))
    if math.isnan(g):
        return _NAN, "white"
    if g == 0:
        return _NO_GRAD, None
    t = max(-1.0, min(1.0, math.log10(g) / _DECADES))
    end = _EXPLODING if t > 0 else _VANISHING
    rgb = [round(255 + (c - 255) * abs(t)) for c in end]
    return "#{:02x}{:02x}{:02x}".format(*rgb), "white" if abs(t) > 0.6 else None


def _legend(color_by):
    """An HTML-like table explaining the fill colours."""
    if color_by == "grad":
        steps = [10.0**k for k in range(-_DECADES, _DECADES + 1, 2)]
        cells = [(_grad_colors(s)[0], f"1e{round(math.log10(s)):+d}") for s in steps]
        cells += [(_NO_GRAD, "0"), (_NAN, "nan")]
        title = "|grad|"
    else:
        cells = [(_FILL[k], k) for k in ("leaf", "param", "interior", "output")]
        cells += [(fill, f"{family} op") for family, fill in _OP_FILL.items()]
        title = "kind"
    row = "".join(f'<TD BGCOLOR="{fill}"><FONT POINT-SIZE="9">{text}</FONT></TD>' for fill, text in cells)
    return f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0"><TR><TD>{title}</TD>{row}</TR></TABLE>>'
