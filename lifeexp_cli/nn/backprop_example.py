"""The lecture's worked backprop example, computed through the scalar graph of :mod:`lifeexp_cli.nn.autograd`.

    h = theta1 * x,  g = h + theta0,  yhat = act(g),  f = yhat - y,  J = f^2

Every number in the explanation is read from the graph: forward values from the nodes, local
derivatives from the edges, gradients from ``Node.backward()``.
"""

import math

from lifeexp_cli.errors import DivergenceError, ParameterError
from lifeexp_cli.nn import autograd

MAX_STEPS = 100_000
LEAVES = ("x", "y", "theta0", "theta1")
PARAMETERS = ("theta0", "theta1")
# (child, parent) edges along the two chains, in the order the lecture writes them.
LOCAL_EDGES = (("J", "f"), ("f", "yhat"), ("yhat", "g"), ("g", "h"), ("g", "theta0"), ("h", "theta1"))


def build_graph(x, y, theta0, theta1, activation):
    """Return a dict name -> Node for the leaves x, y, theta0, theta1 and the operations h, g, yhat, f, J."""
    nodes = {name: autograd.Node(value, name) for name, value in zip(LEAVES, (x, y, theta0, theta1))}
    nodes["h"] = nodes["theta1"].mul(nodes["x"], "h")
    nodes["g"] = nodes["h"].add(nodes["theta0"], "g")
    nodes["yhat"] = nodes["g"].activate(activation, "yhat")
    nodes["f"] = nodes["yhat"].sub(nodes["y"], "f")
    nodes["J"] = nodes["f"].square("J")
    return nodes


def path_to(root, leaf):
    """Nodes from root down to leaf following parent links (this graph has a single path)."""
    if root is leaf:
        return [root]
    for parent in root.parents:
        rest = path_to(parent, leaf)
        if rest:
            return [root, *rest]
    return []


def describe(nodes):
    """Leaves, operations (name, op, inputs) in evaluation order, and the root."""
    order = autograd.topological_order(nodes["J"])
    return {
        "leaves": [{"name": name, "value": nodes[name].value} for name in LEAVES],
        "operations": [{"name": n.name, "op": n.op, "inputs": [p.name for p in n.parents]}
                       for n in order if n.op != "leaf"],
        "root": "J",
    }


def chain(nodes, parameter):
    """Local-derivative factors from J down to parameter, and their product."""
    path = path_to(nodes["J"], nodes[parameter])
    factors = [{"name": f"d{child.name}/d{parent.name}", "value": child.local_derivative(parent)}
               for child, parent in zip(path, path[1:])]
    return {"factors": factors, "product": math.prod(f["value"] for f in factors)}


def loss_at(x, y, theta0, theta1, activation):
    """J evaluated through the graph."""
    return build_graph(x, y, theta0, theta1, activation)["J"].value


def explain(x=2.0, y=1.0, theta0=5.0, theta1=-1.0, lr=0.1, activation="relu", steps=1):
    """Explain one gradient-descent step on J(theta), and trace `steps` steps.

    forward / local / chains / gradients / updated / loss_after describe the first step.
    history always holds steps 0..steps: step 0 is the starting point, step k the point after k updates.
    """
    if int(steps) != steps or not 1 <= steps <= MAX_STEPS:
        raise ParameterError(f"{{steps}} must be an integer from 1 to {MAX_STEPS}, got {{value!r}}", "steps", steps)
    check_inputs(x=x, y=y, theta0=theta0, theta1=theta1, lr=lr)
    try:
        nodes = build_graph(x, y, theta0, theta1, activation)
    except OverflowError:
        raise ParameterError("the loss overflows float64 at these values: use smaller {x}, {y}, {theta0}, {theta1}",
                             "x", x) from None
    nodes["J"].backward()
    gradients = {p: nodes[p].grad for p in PARAMETERS}
    updated = {p: nodes[p].value - lr * gradients[p] for p in PARAMETERS}
    history = descend(x, y, theta0, theta1, lr, activation, int(steps))  # history[1] is the updated point
    return {
        "graph": describe(nodes),
        "forward": {name: nodes[name].value for name in ("h", "g", "yhat", "f", "J")},
        "local": {f"d{c}/d{p}": nodes[c].local_derivative(nodes[p]) for c, p in LOCAL_EDGES},
        "chains": {p: chain(nodes, p) for p in PARAMETERS},
        "gradients": gradients,
        "updated": updated,
        "loss_before": nodes["J"].value,
        "loss_after": history[1]["loss"],
        "inactive": activation == "relu" and nodes["g"].value <= 0,
        "history": history,
        "relu_died_at": relu_died_at(history),
    }


def relu_died_at(history):
    """The first step whose update made the ReLU's input g ≤ 0 after it was positive, or None.

    From there on ∂ŷ/∂g = 0, every gradient is zero and θ never moves again: learning stopped there.
    """
    for before, after in zip(history, history[1:]):
        if before["relu_active"] and after["relu_active"] is False:
            return after["step"]
    return None


def check_inputs(**values):
    """Every value must be a finite number, and the learning rate positive."""
    for name, value in values.items():
        if not math.isfinite(value):
            raise ParameterError(f"{{{name}}} must be a finite number, got {{value}}", name, value)
    if not values["lr"] > 0:
        raise ParameterError("{lr} must be > 0, got {value}", "lr", values["lr"])


def descend(x, y, theta0, theta1, lr, activation, steps):
    """Plain gradient descent through the graph; one record per step, starting at step 0.

    Each record holds θ, the loss, the ReLU's input g and `relu_active` (g > 0; None for the other
    activations, which have no dead zone).
    """
    history = []
    theta0, theta1 = float(theta0), float(theta1)
    for step in range(steps + 1):
        try:
            nodes = build_graph(x, y, theta0, theta1, activation)
        except OverflowError:
            nodes = None
        if nodes is None or not all(math.isfinite(v) for v in (theta0, theta1, nodes["J"].value)):
            raise DivergenceError(f"gradient descent diverged at step {step} (the loss overflowed): "
                                  "try a smaller {lr}", "lr", lr)
        g = nodes["g"].value
        history.append({"step": step, "theta0": theta0, "theta1": theta1, "loss": nodes["J"].value, "g": g,
                        "relu_active": g > 0 if activation == "relu" else None})
        if step < steps:
            nodes["J"].backward()
            theta0 = theta0 - lr * nodes["theta0"].grad
            theta1 = theta1 - lr * nodes["theta1"].grad
    return history
