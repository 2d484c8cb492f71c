"""`fit(..., compile=True)`'s batch step: the per-sample loss traced once by `autograd.compile`, run over batches."""

import numbers

import autograd
from autograd import no_grad

from .floats import number as _number


class CompiledLoss:
    """fit's batch step with compile=True: loss([model(x)], [y]) for one sample, compiled to run over a batch.

    Labels (a few distinct integers) reach the loss as plain numbers, as a hinge loss needs to read their sign;
    other targets are traced as Values.
    """

    MAX_LABELS = 16

    def __init__(self, model, loss, X, y):
        def sample_loss(x, target):
            prediction = model(x)
            return loss([prediction], [target]), prediction

        labels = all(isinstance(t, numbers.Real) and float(t).is_integer() for t in y)
        static = (1,) if labels and len(set(y)) <= self.MAX_LABELS else ()
        self.step = autograd.compile(sample_loss, static_argnums=static, has_aux=True)
        self._check_mean(model, loss, X[:2], y[:2])

    def __call__(self, optimizer, X, y):
        optimizer.zero_grad()
        try:
            batch_loss, predictions = self.step(X, y)
        except ValueError as error:
            raise ValueError(f"fit(compile=True): {error}; or train without compile") from error
        return batch_loss, predictions.tolist()

    def _check_mean(self, model, loss, X, y):
        with no_grad():
            eager = _number(loss([model(x) for x in X], y))
        compiled = float(sum(self.step(X, y, reduction="none")[0])) / len(X)
        if not abs(eager - compiled) <= 1e-9 * max(1.0, abs(eager)):
            raise ValueError(
                f"fit(compile=True): the loss of a batch ({eager!r} on two samples) is not the mean of the samples' "
                f"losses ({compiled!r}); compile needs a mean, such as reduction='mean', or train without compile"
            )
