"""The description shown at the top of /docs, with the configured limits."""

from app.settings import LIMIT_TEXT, Limits


def api_description(limits: Limits) -> str:
    rows = "\n".join(
        f"| `{name}` | {value} | {LIMIT_TEXT[name]} |"
        for name, value in limits.describe().items()
    )
    return f"""
A network is a resource: create one with `POST /api/networks`, then run its
forward pass, backward pass and SGD steps, edit it, train it and rewind it.

**Notation** follows Michael Nielsen, *Neural Networks and Deep Learning*,
chapter 2, except that **the input is layer 0 here (layer 1 in the book)**.
`weights` lists w^1..w^L; w^l has shape (n_l, n_(l-1)), rows j (neurons of
layer l) and columns k (neurons of layer l - 1). Every `layers` list carries
its layer number `l`, starting at 1.

**Errors** are JSON `{{"detail": ..., "field": ...}}`: detail says what is
wrong with which value, field is the dotted path of the field at fault (or
null). A request that fails changes nothing. Whole numbers are accepted
wherever a float is expected. Computed values that overflowed are written as
the strings "NaN", "Infinity" and "-Infinity", never as bare JSON tokens.

**Concurrency**: changes to one network are applied one at a time, also
across worker processes sharing the database. A network that is training
rejects changes with 409.

**Limits** (set each with the environment variable `BACKPROP_VIZ_` plus the
name in upper case). Exceeding one gives 413 (body sizes) or 422, naming the
limit:

| limit | value | bounds |
|---|---|---|
{rows}
"""
