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

**Derivatives**: ReLU and leaky ReLU have no derivative at z = 0. There the
engine takes s'(0) = 0 for ReLU and s'(0) = `leaky_slope` for leaky ReLU, the
values to their left. Each `equations` object gives the equation behind
every value of a pass; a softmax output has its own a^L and BP1 (through
the softmax Jacobian).

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

`POST /api/networks/import` accepts bodies up to {limits.max_import_bytes}
bytes (the larger of `max_body_bytes` and the compact export of a network of
`max_parameters` parameters with velocities and explicit initial
parameters), so that every network the limits allow can be imported again.
A 422 for an invalid body lists at most the first 10 errors in `errors`,
with the total in `error_count`. An invalid array gives one error, which
names one invalid item and counts the others.

**Uploaded data sets** expire, least recently used first, beyond
`max_datasets`, but never while a stored network uses them. A network whose
data set is missing anyway (earlier versions allowed that) can still be
read, exported, edited and deleted. Requests that need its data give 409.

**Training jobs** save the network's parameters every few seconds. If the
server is killed, the job reads `failed` and the network keeps the
parameters of the last save. A job whose mean training cost after an epoch
is NaN or infinite stops with status `failed`, an error starting "training
diverged", and the parameters of the last epoch whose cost was finite.

**History**: an edit that sets a weight or bias to the value it already has
changes nothing and adds no history entry.
"""
