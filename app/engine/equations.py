"""The equations behind every traced quantity, as shown to students.

Layer numbers follow this project: the input is layer 0 (Nielsen's book calls
it layer 1), so w^1 is the first weight matrix.
"""

EQUATIONS: dict[str, dict[str, str]] = {
    "z": {
        "name": "weighted input",
        "text": "z^l_j = sum_k w^l_jk a^{l-1}_k + b^l_j",
    },
    "a": {"name": "activation", "text": "a^l_j = sigma(z^l_j)"},
    "a_softmax": {
        "name": "softmax activation",
        "text": "a^L_j = e^{z^L_j} / sum_i e^{z^L_i}",
    },
    "cost": {
        "name": "mini-batch cost",
        "text": "C = (1/m) sum_x C_x",
    },
    "cost_quadratic": {
        "name": "quadratic cost",
        "text": "C_x = 1/2 sum_j (y_j - a^L_j)^2",
    },
    "cost_cross_entropy": {
        "name": "cross-entropy cost",
        "text": "C_x = -sum_j [y_j ln a^L_j + (1 - y_j) ln(1 - a^L_j)]",
    },
    "cost_log_likelihood": {
        "name": "log-likelihood cost",
        "text": "C_x = -ln a^L_y",
    },
    "grad_a": {"name": "output gradient", "text": "(grad_a C)_j = dC/da^L_j"},
    "BP1": {
        "name": "BP1: error in the output layer",
        "text": "delta^L_j = dC/da^L_j * sigma'(z^L_j)",
    },
    "BP1_softmax": {
        "name": "BP1 through the softmax Jacobian",
        "text": "delta^L_j = sum_i dC/da^L_i * da^L_i/dz^L_j "
        "= a^L_j (dC/da^L_j - sum_i a^L_i dC/da^L_i)",
    },
    "BP2": {
        "name": "BP2: error in a hidden layer",
        "text": "delta^l_j = (sum_k w^{l+1}_kj delta^{l+1}_k) * sigma'(z^l_j)",
    },
    "BP3": {"name": "BP3: gradient of a bias", "text": "dC/db^l_j = delta^l_j"},
    "BP4": {
        "name": "BP4: gradient of a weight",
        "text": "dC/dw^l_jk = a^{l-1}_k delta^l_j",
    },
    "update_w": {
        "name": "SGD update of a weight",
        "text": "w^l_jk -> w^l_jk - (eta/m) sum_x dC_x/dw^l_jk",
    },
    "update_b": {
        "name": "SGD update of a bias",
        "text": "b^l_j -> b^l_j - (eta/m) sum_x dC_x/db^l_j",
    },
}


def equation_keys(output_activation: str, cost: str) -> dict[str, str]:
    """Return the EQUATIONS key behind each traced quantity of a network.

    The keys of the result are the traced quantities: z, a (hidden layers),
    a_output, cost, grad_a, delta_output (layer L), delta_hidden, grad_b and
    grad_w. A softmax output couples its neurons, so its a^L and its BP1
    have their own equations.
    """
    softmax = output_activation == "softmax"
    return {
        "z": "z",
        "a": "a",
        "a_output": "a_softmax" if softmax else "a",
        "cost": f"cost_{cost}",
        "grad_a": "grad_a",
        "delta_output": "BP1_softmax" if softmax else "BP1",
        "delta_hidden": "BP2",
        "grad_b": "BP3",
        "grad_w": "BP4",
    }
