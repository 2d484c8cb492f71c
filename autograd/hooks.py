"""Gradient hooks: functions a node calls with its gradient during backward, as torch.Tensor.register_hook.

A node's hooks live in its __dict__ (a node without any has none made). `LIVE[0]` counts the hooks registered on
nodes still alive: while it is 0, backward takes its fast path, which knows nothing of hooks; otherwise the
reference path (backward.gradients), which calls them.
"""

import itertools
import weakref

LIVE = [0]
_keys = itertools.count()


class _Hooks(dict):
    """A node's hooks, {key: hook} in the order registered; dropped with the node, which uncounts them."""

    def __del__(self):
        LIVE[0] -= len(self)


class RemovableHandle:
    """What register_hook returns: `.remove()` takes the hook off again (as torch.utils.hooks.RemovableHandle)."""

    __slots__ = ("_hooks", "id")

    def __init__(self, hooks):
        self._hooks, self.id = weakref.ref(hooks), next(_keys)

    def remove(self):
        """Remove the hook; removing it twice, or after its node is gone, does nothing."""
        hooks = self._hooks()
        if hooks is not None and hooks.pop(self.id, None) is not None:
            LIVE[0] -= 1

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()


def register(node, hook):
    """Add `hook` to `node`'s hooks; see Value.register_hook."""
    if not callable(hook):
        raise TypeError(f"register_hook needs a function of the gradient, got {type(hook).__name__}: {hook!r:.60}")
    if not node.requires_grad:
        raise RuntimeError(
            "register_hook: cannot register a hook on a Value that does not require grad (a constant, or a value "
            "computed under no_grad): no gradient is ever computed for it"
        )
    hooks = node.__dict__.get("_hooks")
    if hooks is None:
        hooks = node.__dict__["_hooks"] = _Hooks()
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    LIVE[0] += 1
    return handle


def run(node, grad):
    """`grad` passed through the node's hooks in order, each one's result (if not None) replacing it."""
    hooks = getattr(node, "_hooks", None)  # getattr, not node.__dict__: that would make a dict on every node
    if hooks:
        for hook in list(hooks.values()):
            result = hook(grad)
            if result is not None:
                grad = result
    return grad
