"""chaingrad's neural-network layer, built only from `autograd.Value` operations (see the nn issue)."""
