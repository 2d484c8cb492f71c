"""`gradcheck` and `gradgradcheck`: backward's first and second derivatives against central finite differences."""

from .functional import jacobian
from .modes import no_grad
from .scalar import as_real
from .value import Value


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when an analytic derivative disagrees with its finite-difference estimate."""


def gradcheck(f, *args, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True if ∂f/∂args from backward match (f(x + eps) − f(x − eps)) / 2eps within atol + rtol·|numeric|.

    `f` takes numbers as Values and returns a scalar or a sequence of scalars. On a mismatch, raises
    GradcheckError naming each mismatching argument (and output) with its analytic and numeric values, or,
    with `raise_exception=False` (as torch.autograd.gradcheck), returns False.
    """
    args = _numbers(args, "gradcheck")
    return _verdict(_mismatches(f, args, eps, atol, rtol), "gradcheck", eps, atol, rtol, raise_exception)


def gradgradcheck(f, *args, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True if the second derivatives ∂²f/∂argsⱼ∂argsₖ from backward(create_graph=True) match central finite
    differences of the first derivatives, as torch.autograd.gradgradcheck and HIPS's `check_grads(order=2)`.

    It checks `gradcheck` on the function (*args) -> every ∂f[i]/∂args[j], so f's ops must be differentiable
    twice (chaingrad's ops are; an op built the micrograd way is not, and raises TypeError). A mismatch names the
    first derivative (output i, argument j) and the argument k it was differentiated by.
    """
    args = _numbers(args, "gradgradcheck")
    first = jacobian(f)

    def first_derivatives(*xs):
        return [d for row in _rows(first(*xs)) for d in row]  # ∂f[i]/∂xs[j], row by row

    n_outputs = len(_evaluate(f, args))
    mismatches = []
    for (flat, k), analytic, numeric in _mismatches(first_derivatives, args, eps, atol, rtol, named=False):
        i, j = divmod(flat, len(args))
        output = f"(output {i})" if n_outputs > 1 else "f"
        where = f"∂/∂(argument {k}) of ∂{output}/∂(argument {j})"
        mismatches.append(f"{where}: analytic {analytic!r}, numeric {numeric!r}")
    return _verdict(mismatches, "gradgradcheck", eps, atol, rtol, raise_exception)


def _mismatches(f, args, eps, atol, rtol, named=True):
    """Each derivative of f whose analytic and numeric values disagree: a message, or ((output, argument), a, n)."""
    analytic = _rows(jacobian(f)(*args))
    found = []
    for j in range(len(args)):
        plus, minus = list(args), list(args)
        plus[j] += eps
        minus[j] -= eps
        numeric = [(p - m) / (2 * eps) for p, m in zip(_evaluate(f, plus), _evaluate(f, minus), strict=True)]
        for i, (a, n) in enumerate(zip([row[j] for row in analytic], numeric, strict=True)):
            if not abs(a - n) <= atol + rtol * abs(n):
                if not named:
                    found.append(((i, j), a, n))
                    continue
                where = f"argument {j}" + (f", output {i}" if len(analytic) > 1 else "")
                found.append(f"{where}: analytic {a!r}, numeric {n!r}")
    return found


def _verdict(mismatches, name, eps, atol, rtol, raise_exception):
    if not mismatches:
        return True
    if not raise_exception:
        return False
    raise GradcheckError(f"{name} failed (eps={eps}, atol={atol}, rtol={rtol}):\n  " + "\n  ".join(mismatches))


def _numbers(args, name):
    return [as_real(a, f"{name} argument {i}") for i, a in enumerate(args)]


def _rows(jac):
    """The Jacobian as a list of rows, one per output (a scalar f gives one row)."""
    return jac if jac and isinstance(jac[0], list) else [jac]


def _evaluate(f, args):
    with no_grad():
        out = f(*[Value(a) for a in args])
    outputs = out if isinstance(out, (list, tuple)) else [out]
    return [o.data if isinstance(o, Value) else as_real(o, "gradcheck's function output") for o in outputs]
