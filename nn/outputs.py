"""`Outputs`: a layer's or an MLP's several output Values, a plain list whose `.backward()` says what to do instead."""


class Outputs(list):
    """The list a Layer or an MLP with several outputs returns (as micrograd's); `.backward()` explains the fix."""

    __slots__ = ()

    def backward(self, *args, **kwargs):
        """Refuse with a TypeError: backward() starts from one scalar Value, and this is several."""
        raise TypeError(
            f"backward() needs one scalar Value, but this is a list of {len(self)} outputs: sum them first "
            "(sum(outputs).backward()) or call autograd.backward(outputs)"
        )
