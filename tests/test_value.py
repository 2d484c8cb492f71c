"""The Value data model and backward's semantics: construction, repr, comparisons, numpy, accumulation, freeing."""

import gc
import math
import sys

import pytest

import autograd
from autograd import Value
from autograd.scalar import number

np = pytest.importorskip("numpy")


@pytest.fixture
def without_cycle_collector():
    """Graphs hold no cycles, so with gc off reference counting alone must free them (and allocation is faster)."""
    gc.disable()
    yield
    gc.enable()


@pytest.mark.parametrize(
    "data, expected",
    [(2, 2.0), (2.5, 2.5), (True, 1.0), (np.float32(1.5), 1.5), (np.int64(-3), -3.0), (np.bool_(True), 1.0)],
)
def test_data_is_stored_as_a_python_float(data, expected):
    v = Value(data)
    assert type(v.data) is float and v.data == expected
    assert type(v.grad) is float and v.grad == 0.0
    assert (v.label, v.op, v.parents, v.params) == ("", "", (), None)


@pytest.mark.parametrize("bad, type_name", [("2", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list")])
def test_non_numbers_are_rejected_with_their_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_a_value_is_not_accepted_as_data():
    with pytest.raises(TypeError, match=r"detach\(\)"):
        Value(Value(1.0))


def test_nan_and_inf_are_allowed_as_data():
    assert math.isnan(Value(float("nan")).data)
    assert Value(float("-inf")).data == -math.inf


def test_repr_and_item():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(2, label="x")) == "Value(data=2.0, grad=0.0, label='x')"
    assert Value(3.5).item() == 3.5 and type(Value(3).item()) is float  # float(Value) refuses: test_errors.py


def test_comparisons_use_data_but_equality_and_hash_stay_identity_based():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 1.5 and b >= 2
    assert max([a, b, Value(-1.0)]) is b
    twin = Value(1.0)
    assert a != twin and a == a
    assert len({a, twin}) == 2 and {a: "a", twin: "twin"}[twin] == "twin"
    with pytest.raises(TypeError, match="compared"):
        _ = a < "1"


def test_op_parents_and_params_are_recorded():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    z = x * y
    assert (z.op, z.parents, z.params) == ("*", (x, y), None)
    assert (3 - x).params == {"left": 3.0} and (x - 3).params == {"right": 3.0}
    assert (x**2).op == "**2" and (x**2).params == {"exponent": 2.0}
    assert (x**0.5).op == "**0.5"
    assert autograd.leaky_relu(x, 0.2).params == {"alpha": 0.2}


def test_unsupported_operand_gives_pythons_type_error():
    with pytest.raises(TypeError, match="unsupported operand"):
        _ = Value(1.0) + "a"
    with pytest.raises(TypeError, match="unsupported operand"):
        _ = None * Value(1.0)


@pytest.mark.parametrize("left_numpy", [True, False])
def test_numpy_scalars_on_either_side_give_values(left_numpy):
    x = Value(3.0)
    two = np.float64(2.0)
    y = two * x if left_numpy else x * two
    assert type(y) is Value and y.data == 6.0
    y.backward()
    assert x.grad == 2.0


def test_object_arrays_of_values_work_with_dot_and_sum():
    w = np.array([Value(1.0), Value(2.0), Value(3.0)], dtype=object)
    x = np.array([Value(4.0), Value(5.0), Value(6.0)], dtype=object)
    d = np.dot(w, x)
    s = sum(w)
    assert type(d) is Value and d.data == 32.0 and s.data == 6.0
    (d + s).backward()
    assert [v.grad for v in w] == [5.0, 6.0, 7.0]
    assert [v.grad for v in x] == [1.0, 2.0, 3.0]


# --- backward semantics


def test_leaf_gradients_accumulate_and_inner_gradients_hold_the_latest_pass():
    a = Value(1.0)
    inner = 2 * a
    c = 3 * inner
    c.backward()
    c.backward()
    assert a.grad == 12.0  # micrograd gives 18: it re-adds the inner node's stale grad
    assert inner.grad == 3.0 and c.grad == 1.0


def test_a_node_used_several_times_gets_every_contribution():
    a, b = Value(3.0), Value(-2.0)
    (a + a).backward()
    (b * b).backward()
    assert a.grad == 2.0 and b.grad == 2 * -2.0
    x = Value(0.5)
    y = x * x * x + x  # 3x² + 1 = 1.75
    y.backward()
    assert x.grad == pytest.approx(1.75, abs=1e-15)


def test_backward_seed_scales_every_gradient():
    x = Value(2.0)
    (x * x).backward(grad=0.5)
    assert x.grad == 2.0


def test_backward_on_a_leaf():
    x = Value(2.0)
    x.backward()
    assert x.grad == 1.0


def test_gradients_do_not_touch_grad_attributes():
    x = Value(2.0)
    y = x * x
    grads = autograd.gradients(y)
    assert grads[x] == 4.0 and x.grad == 0.0 and y.grad == 0.0


def test_a_chain_of_a_million_ops_backpropagates_under_the_default_recursion_limit(without_cycle_collector):
    assert sys.getrecursionlimit() <= 10_000
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y = y + x
    y.backward()
    assert x.grad == 2.0


def test_builtin_sum_over_a_hundred_thousand_values():
    values = [Value(float(i)) for i in range(100_000)]
    total = sum(values)
    total.backward()
    assert total.data == sum(range(100_000))
    assert all(v.grad == 1.0 for v in values)


def test_autograd_sum_is_one_node_with_a_parent_per_value():
    values = [Value(float(i)) for i in range(5)]
    total = autograd.sum([*values, 10, values[0]])
    assert total.op == "sum" and total.parents == (*values, values[0]) and total.params == {"const": 10.0}
    assert total.data == 20.0
    total.backward()
    assert [v.grad for v in values] == [2.0, 1.0, 1.0, 1.0, 1.0]
    assert autograd.sum([1, 2.5]) == 3.5 and autograd.sum([]) == 0.0


def live_values():
    """How many Values exist: every Value is tracked by the cycle collector, so gc.get_objects() lists it."""
    return sum(1 for o in gc.get_objects() if type(o) is Value)  # type(), as isinstance wakes lazy modules


def test_dropping_the_output_frees_the_whole_graph_without_the_cycle_collector(without_cycle_collector):
    x = Value(1.0)
    before = live_values()
    y = x
    for _ in range(1000):
        y = (y * 1.001).tanh() + x
    y.backward()
    assert live_values() - before == len(autograd.topological_order(y)) - 1 == 3000
    del y
    assert live_values() == before  # only the leaf we still hold is left


def test_a_deep_graph_is_freed_without_overflowing_the_c_stack(without_cycle_collector):
    before = live_values()
    y = Value(1.0)
    for _ in range(200_000):
        y = y + 1.0
    assert live_values() == before + 200_001
    del y
    assert live_values() == before


def test_create_graph_gives_differentiable_gradients():
    x = Value(1.5)
    y = x**3
    y.backward(create_graph=True)
    dydx = x.grad
    assert isinstance(dydx, Value) and dydx.data == pytest.approx(3 * 1.5**2)
    x.grad = 0.0
    dydx.backward()
    assert x.grad == pytest.approx(6 * 1.5)


def test_local_grads_are_the_chain_rule_factors():
    x, w = Value(2.0), Value(3.0)
    z = w * x
    assert z.local_grads() == (2.0, 3.0)
    assert x.local_grads() == ()
    t = z.tanh()
    assert t.local_grads() == pytest.approx((1 - math.tanh(6.0) ** 2,))


def test_backward_of_a_non_value_root_is_a_clear_error():
    with pytest.raises(TypeError, match="needs a Value"):
        autograd.gradients(1.0)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("make", [lambda x: x.sqrt(), lambda x: x**0.5])
def test_an_infinite_derivative_is_inf_not_an_error(make, create_graph):
    x = Value(0.0)
    make(x).backward(create_graph=create_graph)  # PyTorch also gives inf for sqrt'(0)
    assert number(x.grad) == math.inf


@pytest.mark.parametrize("roots", [5, "x", [], [Value(1.0), 2.0]])
def test_topological_order_names_what_it_needs(roots):
    with pytest.raises(TypeError, match="topological_order needs a Value or a non-empty sequence of Values, got"):
        autograd.topological_order(roots)


# --- Refusals with a clear message (issue 16, item 9)


MANY = (
    "combine element by element ([v * a for a in array]), or make an array of Values "
    "(numpy.array(values, dtype=object))"
)


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        (lambda torch: torch.tensor(2.0), "pass its number with .item()"),
        (lambda torch: torch.tensor([1.0, 2.0]), f"a Value is one number and this holds 2: {MANY}"),
    ],
)
def test_a_torch_tensor_as_data_is_a_type_error_that_says_what_to_pass(make, hint):
    torch = pytest.importorskip("torch")
    tensor = make(torch)
    with pytest.raises(TypeError) as refused:
        Value(tensor)
    assert str(refused.value) == (
        f"Value data must be a real number (int, float, bool or numpy scalar), got Tensor: {tensor!r:.60}; {hint}"
    )
    first = tensor.flatten()[0]
    assert Value(first.item()).data == 1.0 + (tensor.dim() == 0)  # as it says


@pytest.mark.parametrize(
    ("expression", "op"),
    [
        (lambda v, t: v * t, "*"),
        (lambda v, t: t * v, "*"),
        (lambda v, t: v + t, "+"),
        (lambda v, t: t - v, "-"),
        (lambda v, t: v / t, "/"),
        (lambda v, t: v**t, "**"),
        (lambda v, t: t**v, "**"),
    ],
)
def test_an_op_with_a_torch_tensor_is_a_type_error_that_says_to_use_item(expression, op):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError) as refused:
        expression(Value(3.0), torch.tensor(2.0))
    assert str(refused.value) == (
        f"{op!r} between a Value and a Tensor: a Value works with Values and real numbers (int, float, bool, "
        "numpy scalar), got Tensor: tensor(2.); pass its number with .item()"
    )


def test_an_op_with_a_numpy_array_says_how_to_combine_them_and_both_ways_work():
    v = Value(3.0)
    with pytest.raises(TypeError) as refused:
        _ = v * np.array([1.0, 2.0])
    assert str(refused.value) == (
        "'*' between a Value and a ndarray: a Value works with Values and real numbers (int, float, bool, numpy "
        f"scalar), got ndarray: array([1., 2.]); a Value is one number and this holds 2: {MANY}"
    )
    by_element = autograd.sum([v * a for a in np.array([1.0, 2.0])])
    as_objects = (np.array([v, v], dtype=object) * np.array([1.0, 2.0])).sum()
    by_element.backward()
    assert (by_element.data, v.grad) == (9.0, 3.0)
    v.grad = 0.0
    as_objects.backward()
    assert (as_objects.data, v.grad) == (9.0, 3.0)


@pytest.mark.parametrize("seed", ["3", b"3", [1.0], 1j])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_seed_that_is_not_a_number_is_refused(seed, create_graph):
    x = Value(2.0)
    y = x * 3.0
    with pytest.raises(TypeError) as refused:
        y.backward(seed, create_graph=create_graph)
    assert str(refused.value) == (
        "backward's grad (the gradient to start from, 1.0 by default) must be a real number (int, float, bool or "
        f"numpy scalar), got {type(seed).__name__}: {seed!r}"
    )
    assert x.grad == 0.0 and y.grad == 0.0
    with pytest.raises(TypeError, match=r"^backward's grad .* got str: '3'$"):
        autograd.gradients(y, "3")


def test_a_seed_may_be_none_a_numpy_scalar_or_a_value_as_in_pytorch():
    x = Value(2.0)
    y = x * 3.0
    y.backward(None)  # torch: None means 1 for a scalar output
    y.backward(np.float32(2.0))
    y.backward(Value(0.5))
    assert x.grad == 3.0 * (1.0 + 2.0 + 0.5)


NO_GRAD_MESSAGE = (
    "backward: this Value was computed under no_grad, so it recorded no graph and no gradient can reach the values "
    "it came from; compute it outside no_grad (or inside enable_grad) to backpropagate"
)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda x: (x * x + 1.0).tanh(), id="ops"),
        pytest.param(lambda x: autograd.dot([x, x], [1.0, 2.0], activation="relu"), id="fused"),
        pytest.param(lambda x: Value(x.data**3, (x,), "**3"), id="micrograd-style"),
    ],
)
def test_backward_from_a_value_computed_under_no_grad_is_refused_as_in_pytorch(build, create_graph):
    torch = pytest.importorskip("torch")
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        t_loss = t * t
    with pytest.raises(RuntimeError, match="does not require grad"):  # PyTorch refuses it too
        t_loss.backward()
    x = Value(2.0)
    with autograd.no_grad():
        loss = build(x)
    assert (loss.op, loss.parents, loss.params) == ("", (), None)  # a leaf to look at, as before
    with pytest.raises(RuntimeError) as refused:
        loss.backward(create_graph=create_graph)
    assert str(refused.value) == NO_GRAD_MESSAGE
    assert x.grad == 0.0 and loss.grad == 0.0


def test_a_leaf_you_made_still_backpropagates_to_itself():
    """Value(3.0) is a leaf that requires grad, as torch.tensor(3.0, requires_grad=True): its grad becomes 1."""
    for leaf in (Value(3.0), Value(3.0).detach(), autograd.no_grad()(lambda: Value(3.0))()):
        leaf.backward()
        leaf.backward(2.0, create_graph=True)
        assert number(leaf.grad) == 3.0
    with autograd.no_grad():
        inner = Value(2.0) * 3.0
    with autograd.enable_grad():
        outer = inner * 2.0  # a graph built on top of a no_grad result: inner is one of its leaves
    outer.backward()
    assert inner.grad == 2.0
