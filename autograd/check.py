"""`gradcheck`: compare backward's derivatives with central finite differences."""

from .functional import jacobian
from .modes import no_grad
from .scalar import as_real
from .value import Value


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when an analytic derivative disagrees with its finite-difference estimate."""


def gradcheck(f, *args, eps=1e-6, atol=1e-5, rtol=1e-3):
    """True if ∂f/∂args from backward match (f(x + eps) − f(x − eps)) / 2eps within atol + rtol·|numeric|.

    `f` takes numbers as Values and returns a scalar or a sequence of scalars. Raises GradcheckError naming
    each mismatching argument (and output) with its analytic and numeric values.
    """
    args = [as_real(a, f"gradcheck argument {i}") for i, a in enumerate(args)]
    analytic = _rows(jacobian(f)(*args))
    mismatches = []
    for j in range(len(args)):
        plus, minus = list(args), list(args)
        plus[j] += eps
        minus[j] -= eps
        numeric = [(p - m) / (2 * eps) for p, m in zip(_evaluate(f, plus), _evaluate(f, minus), strict=True)]
        for i, (a, n) in enumerate(zip([row[j] for row in analytic], numeric, strict=True)):
            if not abs(a - n) <= atol + rtol * abs(n):
                where = f"argument {j}" + (f", output {i}" if len(analytic) > 1 else "")
                mismatches.append(f"{where}: analytic {a!r}, numeric {n!r}")
    if mismatches:
        raise GradcheckError(f"gradcheck failed (eps={eps}, atol={atol}, rtol={rtol}):\n  " + "\n  ".join(mismatches))
    return True


def _rows(jac):
    """The Jacobian as a list of rows, one per output (a scalar f gives one row)."""
    return jac if jac and isinstance(jac[0], list) else [jac]


def _evaluate(f, args):
    with no_grad():
        out = f(*[Value(a) for a in args])
    outputs = out if isinstance(out, (list, tuple)) else [out]
    return [o.data if isinstance(o, Value) else as_real(o, "gradcheck's function output") for o in outputs]
