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
