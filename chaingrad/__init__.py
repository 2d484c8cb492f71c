"""The `chaingrad` command, built on `autograd` and `nn`: `chaingrad demo` trains a small network on a toy dataset
and writes its pictures; `chaingrad grad "EXPR" x=1 ...` prints a formula's value and its partial derivatives. The
program is `chaingrad.cli.main` (`python -m chaingrad` runs it too); `chaingrad.demo` is the demo command,
`chaingrad.console` what the command prints, and `chaingrad.expr` the whitelist parser that reads `grad`'s formula
without running any code."""
