"""An `Explanation` written out: as plain text (str), as Markdown with typeset math, and as LaTeX.

Every form has the same rows: the chain of ∂s, the formulas, the numbers, the product; one block per path and
their sum; or, past max_paths, one row per node where paths meet. The LaTeX rows typeset in MathJax (Jupyter)
and each one in matplotlib's mathtext.
"""

from . import formula

MAX_MERGE_ROWS = 20  # meeting nodes listed when paths are merged; wrt's row always comes last
MAX_FACTORS = 12  # factors of a path written out; a longer path shows its first and last ones


def plain(explanation):
    """The derivation as plain text, a row per line, the = signs aligned."""
    lines = []
    for block in _blocks(explanation, latex=False):
        if isinstance(block, str):
            lines.append(block)
            continue
        (first, *rest), width = block, len(block[0][0])
        lines.append(f"{first[0]} = {first[1]}")
        lines += [f"{'':>{width}} = {right}" for _, right in rest]
    return "\n".join(lines)


def latex(explanation):
    """The derivation's math as one LaTeX `aligned` block: what Jupyter shows for `_repr_latex_`."""
    rows = [row for block in _blocks(explanation, latex=True) if not isinstance(block, str) for row in block]
    body = r" \\ ".join(f"{left} &= {right}" for left, right in rows)
    return rf"$$\begin{{aligned}} {body} \end{{aligned}}$$"


def markdown(explanation):
    """The derivation as Markdown: the prose as text, each block of math typeset."""
    parts = []
    for block in _blocks(explanation, latex=True):
        if isinstance(block, str):
            parts.append(block)
        else:
            body = r" \\ ".join(f"{left} &= {right}" for left, right in block)
            parts.append(rf"$$\begin{{aligned}} {body} \end{{aligned}}$$")
    return "\n\n".join(parts)


def _blocks(e, latex):
    """The derivation as blocks: a str is a sentence, a list of (left, right) rows is math."""
    names, output, wrt = e.names, e.output, e.wrt
    whole = names.partial(output, wrt, latex)
    if output is wrt:
        return [[(whole, "1")]]
    if not e.path_count:
        return [
            f"{_name(e, output)} does not depend on {_name(e, wrt)}: no path leads from one to the other.",
            [(whole, "0")],
        ]
    if e.paths is not None and len(e.paths) == 1:
        return [_path_rows(e, e.paths[0], whole, latex)]
    if e.paths is not None:
        blocks = [f"{_name(e, wrt)} reaches {_name(e, output)} along {len(e.paths)} paths:"]
        for k, path in enumerate(e.paths, 1):
            blocks.append(f"path {k}{_through(e, path)}:")
            blocks.append(_path_rows(e, path, whole, latex))
        products = " + ".join(_number(e, path.product, latex, sign=True) for path in e.paths)
        blocks.append("their sum:")
        blocks.append([(whole, products.replace("+ -", "- ").replace("+ −", "− ")), ("", _number(e, e.total, latex))])
        blocks.append(_why_add(e, len(e.paths)))
        return blocks
    return _merged_blocks(e, whole, latex)


def _path_rows(e, path, whole, latex):
    names, product, factors = e.names, _product_symbol(latex), path.factors
    if len(factors) > MAX_FACTORS:  # a long chain: its first and last factors, and how many between
        skipped = len(factors) - MAX_FACTORS + 2
        gap = rf"\cdots_{{{skipped}\ \mathrm{{more}}}}" if latex else f"⋯ ({skipped:,} more factors) ⋯"
        factors = (*factors[: MAX_FACTORS // 2], gap, *factors[len(factors) - MAX_FACTORS // 2 + 2 :])

    def join(show, symbol):
        return f" {symbol} ".join(f if isinstance(f, str) else show(f) for f in factors)

    chain = join(lambda f: names.partial(f.upper, f.lower, latex), product)
    formulas = join(lambda f: _factor_formula(e, f, latex, several=len(factors) > 1), product)
    numbers = join(lambda f: _number(e, f.derivative, latex, bracket=True), _times(latex))
    rows = [chain] if len(path.factors) > 1 else []
    rows += [formulas, numbers, _number(e, path.product, latex)]
    shown = [row for k, row in enumerate(rows) if row not in rows[:k]]  # 1 = 1: say it once
    return [(whole if k == 0 else "", row) for k, row in enumerate(shown)]


def _factor_formula(e, factor, latex, several=False):
    """A factor's formula: the product of its steps' formulas, leaving out the 1s; ∂u/∂v where an op has none."""
    shown = []
    for step in factor.steps:
        if step.formula is None:
            shown.append(e.names.partial(step.child, step.parent, latex))
        elif not formula.is_one(step.formula):
            printed = formula.latex(step.formula, e.precision) if latex else formula.text(step.formula, e.precision)
            several_steps = several or len(factor.steps) > 1
            shown.append(_bracketed(printed, step.formula, latex) if several_steps else printed)
    return f" {_product_symbol(latex)} ".join(shown) or "1"


def _bracketed(printed, tree, latex):
    """A formula as one factor among others: −1 as (−1), a + b as (a + b)."""
    if formula.precedence(tree) < formula.PRODUCT or formula.precedence(tree) == formula.SIGN:
        return rf"\left({printed}\right)" if latex else f"({printed})"
    return printed


def _merged_blocks(e, whole, latex):
    names = e.names
    count = f"{e.path_count:,}" if e.path_count < 2**64 else "more than 18 quintillion"
    blocks = [
        f"{count} paths lead from {_name(e, e.output)} to {_name(e, e.wrt)}, more than max_paths={e.max_paths}, "
        "so they are merged where they meet. Each row is a node where paths meet: its gradient is the sum, over "
        "its uses, of the gradient of the node that uses it times the local derivative, as backward computes it."
    ]
    count = len(e._met)
    picked = range(count) if count <= MAX_MERGE_ROWS else [*range(MAX_MERGE_ROWS - 1), count - 1]
    for k in picked:
        merge = e._merge(k)
        if k == count - 1 and count > len(picked):
            blocks.append(f"… {count - len(picked):,} more nodes where paths meet, then:")
        terms, numbers = [], []
        for child, position, gradient, local in merge.uses:
            step = names.derivatives(child)[position]
            partial = names.partial(e.output, child, latex)
            if step is None or not formula.is_one(step):
                printed = names.partial(child, merge.node, latex) if step is None else _formula(e, step, latex)
                terms.append(f"{partial} {_product_symbol(latex)} {printed}")
                numbers.append(
                    f"{_number(e, gradient, latex, bracket=True)} {_times(latex)} "
                    f"{_number(e, local, latex, bracket=True)}"
                )
            else:
                terms.append(partial)
                numbers.append(_number(e, gradient, latex, bracket=True))
        left = names.partial(e.output, merge.node, latex)
        blocks.append([(left, " + ".join(terms)), ("", " + ".join(numbers)), ("", _number(e, merge.gradient, latex))])
    blocks.append(_why_add(e, None))
    return blocks


def _formula(e, tree, latex):
    return _bracketed(formula.latex(tree, e.precision) if latex else formula.text(tree, e.precision), tree, latex)


def _why_add(e, count):
    wrt, output = _name(e, e.wrt), _name(e, e.output)
    along = f"along {count} paths" if count else "along many paths"
    return (
        f"A nudge to {wrt} reaches {output} {along}, so ∂{output}/∂{wrt} is the sum of what each path carries. "
        "That is why backward adds each contribution into .grad with += instead of setting it."
    )


def _through(e, path):
    """' (through x·x's input 2)' where paths differ only in which input of a node they enter."""
    positions = [
        f"input {step.position + 1} of {e.names.text(step.child)}"
        for step in path.steps
        if sum(parent is step.parent for parent in step.child.parents) > 1
    ]
    return f" (through {', '.join(positions)})" if positions else ""


def _name(e, node):
    return e.names.text(node)


def _number(e, x, latex, bracket=False, sign=False):
    shown = formula.format_number(x, e.precision, latex)
    negative = shown.startswith(("-", "−"))
    if bracket and negative:
        return rf"\left({shown}\right)" if latex else f"({shown})"
    return shown


def _product_symbol(latex):
    return r"\cdot" if latex else "·"


def _times(latex):
    return r"\times" if latex else "×"
