"""Grad modes (`no_grad`, `enable_grad`, `is_grad_enabled`), `Value.detach`, `detect_anomaly` and `scope`."""

import math
import re
import threading

import pytest

import autograd as ag
from autograd import Value, detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope

TIMEOUT = 10  # seconds; only reached if a thread hangs, never in a passing run

INF = float("inf")

# (build(a, b) -> result, op the result records, which of a, b are its parents)
OPS = [
    pytest.param(lambda a, b: a * b, "*", "ab", id="mul"),
    pytest.param(lambda a, b: a + 2.0, "+", "a", id="add_constant"),
    pytest.param(lambda a, b: 1.0 - b, "-", "b", id="rsub_constant"),
    pytest.param(lambda a, b: a / b, "/", "ab", id="div"),
    pytest.param(lambda a, b: a**b, "**", "ab", id="pow"),
    pytest.param(lambda a, b: a**3, "**3", "a", id="pow_constant"),
    pytest.param(lambda a, b: -a, "neg", "a", id="neg"),
    pytest.param(lambda a, b: a.exp(), "exp", "a", id="exp"),
    pytest.param(lambda a, b: ag.tanh(b), "tanh", "b", id="tanh"),
    pytest.param(lambda a, b: ag.sum([a, b, 1.0]), "sum", "ab", id="sum"),
]


def leaves():
    return Value(1.5, label="a"), Value(0.5, label="b")


def assert_recorded(out, op, parents, a, b):
    assert out.op == op
    assert out.parents == tuple({"a": a, "b": b}[p] for p in parents)


def assert_not_recorded(out):
    assert out.op == ""
    assert out.parents == ()


# --- no_grad / enable_grad / is_grad_enabled


def test_grad_enabled_by_default():
    assert is_grad_enabled() is True


@pytest.mark.parametrize(("build", "op", "parents"), OPS)
def test_no_grad_context_manager(build, op, parents):
    a, b = leaves()
    with no_grad():
        assert is_grad_enabled() is False
        inside = build(a, b)
    assert is_grad_enabled() is True
    assert_not_recorded(inside)
    assert_recorded(build(a, b), op, parents, a, b)


@pytest.mark.parametrize(("build", "op", "parents"), OPS)
def test_no_grad_results_have_the_right_data(build, op, parents):
    a, b = leaves()
    with no_grad():
        inside = build(a, b)
    expected = {
        "*": 0.75,
        "+": 3.5,
        "-": 0.5,
        "/": 3.0,
        "**": math.sqrt(1.5),
        "**3": 3.375,
        "neg": -1.5,
        "exp": math.exp(1.5),
        "tanh": math.tanh(0.5),
        "sum": 3.0,
    }[op]
    assert inside.data == pytest.approx(expected, rel=1e-15)


def test_no_grad_stops_backward():
    a, b = leaves()
    with no_grad():
        c = a * b
    (c * a).backward()
    assert a.grad == 0.75  # only through the recorded factor: ∂(c·a)/∂a with c held constant = c = 1.5·0.5
    assert b.grad == 0.0


def test_no_grad_decorator_without_parentheses():
    a, b = leaves()

    @no_grad
    def product(x, y, *, scale):
        """Doc."""
        return (x * y) * scale, is_grad_enabled()

    out, enabled = product(a, b, scale=2.0)
    assert enabled is False
    assert out.data == 1.5
    assert_not_recorded(out)
    assert is_grad_enabled() is True
    assert product.__name__ == "product"
    assert product.__doc__ == "Doc."


def test_no_grad_decorator_with_parentheses():
    a, b = leaves()

    @no_grad()
    def product(x, y):
        return x * y, is_grad_enabled()

    for _ in range(2):  # the wrapper can be called again and again
        out, enabled = product(a, b)
        assert enabled is False
        assert_not_recorded(out)
        assert is_grad_enabled() is True
    assert product.__name__ == "product"


def test_decorated_function_restores_mode_after_exception():
    @no_grad
    def fails():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        fails()
    assert is_grad_enabled() is True


def test_enable_grad_inside_no_grad():
    a, b = leaves()
    with no_grad():
        with enable_grad():
            assert is_grad_enabled() is True
            out = a * b
        assert is_grad_enabled() is False
        assert_not_recorded(a * b)
    assert_recorded(out, "*", "ab", a, b)
    out.backward()
    assert (a.grad, b.grad) == (0.5, 1.5)


@pytest.mark.parametrize("parentheses", [True, False])
def test_enable_grad_decorator_inside_no_grad(parentheses):
    def product(x, y):
        return x * y, is_grad_enabled()

    product = enable_grad()(product) if parentheses else enable_grad(product)
    a, b = leaves()
    with no_grad():
        out, enabled = product(a, b)
        assert is_grad_enabled() is False
    assert enabled is True
    assert_recorded(out, "*", "ab", a, b)


def test_nesting_restores_each_level():
    states = [is_grad_enabled()]
    with no_grad():
        states.append(is_grad_enabled())
        with enable_grad():
            states.append(is_grad_enabled())
            with no_grad():
                states.append(is_grad_enabled())
                with no_grad():
                    states.append(is_grad_enabled())
                states.append(is_grad_enabled())
            states.append(is_grad_enabled())
        states.append(is_grad_enabled())
    states.append(is_grad_enabled())
    assert states == [True, False, True, False, False, False, True, False, True]


def test_same_instance_reused_and_nested():
    off, on = no_grad(), enable_grad()
    states = []
    with off:
        states.append(is_grad_enabled())
        with on:
            states.append(is_grad_enabled())
            with off:
                states.append(is_grad_enabled())
            states.append(is_grad_enabled())
        states.append(is_grad_enabled())
    states.append(is_grad_enabled())
    with off:
        states.append(is_grad_enabled())
    states.append(is_grad_enabled())
    assert states == [False, True, False, True, False, True, False, True]


def test_nesting_restores_after_exception():
    with no_grad():
        with pytest.raises(ValueError, match="inner"), enable_grad(), no_grad():
            raise ValueError("inner")
        assert is_grad_enabled() is False
        with pytest.raises(ZeroDivisionError), enable_grad():
            Value(1.0) / 0
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError
    assert is_grad_enabled() is True
    a, b = leaves()
    assert_recorded(a * b, "*", "ab", a, b)


# --- per thread


def run_thread(target):
    """Run `target` in a thread; return what it returned, re-raising what it raised."""
    result = {}

    def body():
        try:
            result["value"] = target()
        except BaseException as e:  # handed to the main thread
            result["error"] = e

    thread = threading.Thread(target=body)
    thread.start()
    return thread, result


def finish(thread, result):
    thread.join(TIMEOUT)
    assert not thread.is_alive()
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_thread_started_inside_no_grad_records():
    a, b = leaves()

    def work():
        out = a * b
        return is_grad_enabled(), out.op, out.parents

    with no_grad():
        thread, result = run_thread(work)
        enabled, op, parents = finish(thread, result)  # joined while the main thread is still inside no_grad
        assert is_grad_enabled() is False
        assert_not_recorded(a * b)
    assert enabled is True
    assert op == "*"
    assert parents == (a, b)


def test_no_grad_in_a_thread_does_not_affect_main_thread():
    a, b = leaves()
    inside = threading.Event()
    main_checked = threading.Event()

    def work():
        with no_grad():
            inside.set()
            assert main_checked.wait(TIMEOUT)
            out = a * b
            return is_grad_enabled(), out.op

    thread, result = run_thread(work)
    assert inside.wait(TIMEOUT)
    # The thread is now inside its no_grad block and stays there until main_checked is set.
    enabled_in_main = is_grad_enabled()
    out = a * b
    main_checked.set()
    thread_enabled, thread_op = finish(thread, result)
    assert enabled_in_main is True
    assert_recorded(out, "*", "ab", a, b)
    assert thread_enabled is False
    assert thread_op == ""


def test_threads_in_opposite_modes_at_once():
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    a, b = leaves()

    def work(mode):
        def body():
            with mode():
                barrier.wait()  # both threads are inside their blocks
                out = a * b
                enabled = is_grad_enabled()
                barrier.wait()  # neither leaves before the other has looked
                return enabled, out.op

        return body

    with no_grad():
        t1, r1 = run_thread(work(no_grad))
        t2, r2 = run_thread(work(enable_grad))
        assert finish(t1, r1) == (False, "")
        assert finish(t2, r2) == (True, "*")


# --- detach


def test_detach_returns_new_leaf_with_same_data():
    a, b = leaves()
    c = a * b
    c.label = "c"
    d = c.detach()
    assert d is not c
    assert isinstance(d, Value)
    assert d.data == 0.75
    assert d.label == "c"
    assert_not_recorded(d)
    assert d.grad == 0.0
    assert_recorded(c, "*", "ab", a, b)  # the original is untouched


def test_detach_of_leaf_is_a_new_object():
    a = Value(2.0, label="a")
    a.grad = 3.0
    d = a.detach()
    assert d is not a
    assert (d.data, d.label, d.grad) == (2.0, "a", 0.0)


def test_backward_does_not_pass_through_detach():
    a, b = leaves()
    c = a * b
    loss = c * c.detach() + c.detach().exp()
    loss.backward()
    # Only the first factor c is differentiated: ∂/∂a = b·c, ∂/∂b = a·c with c = 0.75 held constant.
    assert a.grad == pytest.approx(0.5 * 0.75, rel=1e-15)
    assert b.grad == pytest.approx(1.5 * 0.75, rel=1e-15)


def test_grad_through_detach_only_is_zero():
    a, _ = leaves()
    out = a.detach() * 3.0
    out.backward()
    assert a.grad == 0.0


# --- detect_anomaly

FORWARD_ANOMALIES = [
    pytest.param(lambda: Value(1e308, label="big") * 10, "'*'", ["big=1e+308"], math.isinf, id="mul_overflow"),
    pytest.param(lambda: Value(INF, label="a") - Value(INF), "'-'", ["a=inf"], math.isnan, id="inf_minus_inf"),
    pytest.param(
        lambda: Value(INF, label="a") - Value(INF, label="b"), "'-'", ["a=inf", "b=inf"], math.isnan, id="labels"
    ),
    pytest.param(lambda: Value(1000.0, label="t").exp(), "'exp'", ["t=1000.0"], math.isinf, id="exp_overflow"),
    pytest.param(lambda: Value(INF, label="p") * 0.0, "'*'", ["p=inf"], math.isnan, id="inf_times_zero"),
    pytest.param(lambda: Value(10.0, label="base") ** 400, "'**400'", ["base=10.0"], math.isinf, id="pow_overflow"),
    pytest.param(
        lambda: Value(1e300, label="n") / Value(1e-300, label="d"),
        "'/'",
        ["n=1e+300", "d=1e-300"],
        math.isinf,
        id="div_overflow",
    ),
]


@pytest.mark.parametrize(("compute", "op", "labels", "bad"), FORWARD_ANOMALIES)
def test_detect_anomaly_forward(compute, op, labels, bad):
    with detect_anomaly(), pytest.raises(FloatingPointError) as info:
        compute()
    message = str(info.value)
    assert "forward" in message
    assert op in message
    for label in labels:
        assert label in message


@pytest.mark.parametrize(("compute", "op", "labels", "bad"), FORWARD_ANOMALIES)
def test_forward_without_detect_anomaly_gives_inf_or_nan(compute, op, labels, bad):
    assert bad(compute().data)


@pytest.mark.parametrize(("compute", "op", "labels", "bad"), FORWARD_ANOMALIES)
def test_forward_anomaly_also_under_no_grad(compute, op, labels, bad):
    with detect_anomaly(), no_grad(), pytest.raises(FloatingPointError, match=re.escape(op)):
        compute()


def _sqrt_at_zero():
    x = Value(0.0, label="x")
    return x, x.sqrt()


def _pow_half_at_zero():
    x = Value(0.0, label="x")
    return x, x**0.5


def _log_of_subnormal():
    x = Value(1e-320, label="x")  # log x ≈ −737 is finite; 1/x overflows
    return x, x.log()


def _product_overflow():
    x, y = Value(1e300, label="x"), Value(1e-300, label="y")
    return y, (x * y) * 1e300  # forward: 1·1e300; backward into y: 1e300·x = inf


BACKWARD_ANOMALIES = [
    pytest.param(_sqrt_at_zero, "'sqrt'", ["x=0.0"], id="sqrt"),
    pytest.param(_pow_half_at_zero, "'**0.5'", ["x=0.0"], id="pow_half"),
    pytest.param(_log_of_subnormal, "'log'", ["x=1e-320"], id="log"),
    pytest.param(_product_overflow, "'*'", ["x=1e+300", "y=1e-300"], id="mul"),
]


@pytest.mark.parametrize(("build", "op", "labels"), BACKWARD_ANOMALIES)
def test_detect_anomaly_backward(build, op, labels):
    with detect_anomaly():
        _, out = build()
        assert math.isfinite(out.data)
        with pytest.raises(FloatingPointError) as info:
            out.backward()
    message = str(info.value)
    assert "backward" in message
    assert op in message
    for label in labels:
        assert label in message


@pytest.mark.parametrize(("build", "op", "labels"), BACKWARD_ANOMALIES)
def test_detect_anomaly_only_during_backward_is_enough(build, op, labels):
    _, out = build()
    with detect_anomaly(), pytest.raises(FloatingPointError, match=re.escape(op)):
        out.backward()


@pytest.mark.parametrize(("build", "op", "labels"), BACKWARD_ANOMALIES)
def test_backward_without_detect_anomaly_gives_inf(build, op, labels):
    x, out = build()
    out.backward()
    assert math.isinf(x.grad)


def test_detect_anomaly_as_decorator_and_restored():
    @detect_anomaly
    def overflow():
        return Value(1e308, label="big") * 10

    @detect_anomaly()
    def overflow_too():
        return Value(1e308, label="big") * 10

    for f in (overflow, overflow_too):
        with pytest.raises(FloatingPointError):
            f()
    assert math.isinf((Value(1e308) * 10).data)  # no error once outside
    with pytest.raises(FloatingPointError), detect_anomaly():
        Value(1e308) * 10
    assert math.isinf((Value(1e308) * 10).data)


def test_detect_anomaly_leaves_grad_mode_and_finite_values_alone():
    a, b = leaves()
    with detect_anomaly():
        assert is_grad_enabled() is True
        out = (a * b).exp() / b
        out.backward()
    assert out.data == pytest.approx(math.exp(0.75) / 0.5, rel=1e-15)
    assert a.grad == pytest.approx(math.exp(0.75), rel=1e-15)  # ∂/∂a e^(ab)/b = e^(ab)
    assert b.grad == pytest.approx(math.exp(0.75) * (1.5 * 0.5 - 1) / 0.25, rel=1e-14)


# --- scope


def test_scope_nesting():
    outside = Value(1.0, label="outside")
    with scope("a"):
        a_leaf = Value(2.0)
        a_op = a_leaf * outside
        with scope("b"):
            ab_leaf = Value(3.0)
            ab_op = outside + a_leaf
            ab_fn = ag.tanh(ab_leaf)
        after_inner = a_leaf - 1.0
    after = outside * 2
    assert outside.scope == ""
    assert (a_leaf.scope, a_op.scope, after_inner.scope) == ("a", "a", "a")
    assert (ab_leaf.scope, ab_op.scope, ab_fn.scope) == ("a/b", "a/b", "a/b")
    assert after.scope == ""


def test_scope_deep_nesting_and_reuse():
    layer = scope("layer")
    seen = []
    with layer:
        with scope("neuron0"), layer:
            seen.append(Value(0.0).scope)
        seen.append(Value(0.0).scope)
    seen.append(Value(0.0).scope)
    assert seen == ["layer/neuron0/layer", "layer", ""]


def test_scope_under_no_grad_and_restored_after_exception():
    with pytest.raises(KeyError), scope("outer"):
        with no_grad():
            x = Value(1.0) * 2
        raise KeyError
    assert x.scope == "outer"
    assert_not_recorded(x)
    assert Value(1.0).scope == ""


@pytest.mark.parametrize("name", ["", "a/b", "/", "a/", None, 3, b"a"])
def test_scope_invalid_names(name):
    with pytest.raises(ValueError, match="scope name"):
        scope(name)


def test_no_grad_on_a_generator_function_holds_at_every_step():
    @no_grad
    def squares(x):
        received = yield x * x
        assert not is_grad_enabled()
        yield received * x
        return "done"

    x = Value(3.0)
    gen = squares(x)
    first = next(gen)
    assert is_grad_enabled()  # the caller's mode is untouched between steps
    second = gen.send(2.0)
    assert (first.data, first.parents, second.data, second.parents) == (9.0, (), 6.0, ())
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"


def test_no_grad_generator_passes_thrown_exceptions_through():
    seen = []

    @no_grad()
    def watcher():
        try:
            yield 1
        except KeyError as error:
            seen.append((str(error), is_grad_enabled()))
            yield 2

    gen = watcher()
    next(gen)
    assert gen.throw(KeyError("stop")) == 2
    assert seen == [("'stop'", False)]
    gen.close()
