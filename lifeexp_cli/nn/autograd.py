"""A tiny scalar computation graph that records operations and backpropagates through them.

Every operation builds its output node with the parents it depends on and the local derivative of the
output with respect to each parent, evaluated at the forward values. ``backward()`` orders the graph
topologically and applies the chain rule in reverse: parent.grad += local derivative * child.grad.
Storing the local derivatives as numbers (rather than closures) lets an explainer print them.
"""

from lifeexp_cli.nn import activations


class Node:
    """A scalar in the graph: name, value, op, parents with local derivatives, and grad after backward()."""

    def __init__(self, value, name="", op="leaf", parents=(), local_derivatives=()):
        self.value = float(value)
        self.name = name
        self.op = op
        self.parents = tuple(parents)
        self.local_derivatives = tuple(float(d) for d in local_derivatives)
        self.grad = 0.0

    def __repr__(self):
        return f"Node({self.name or self.op}={self.value!r}, grad={self.grad!r})"

    def local_derivative(self, parent):
        """d(self)/d(parent), summed when parent appears more than once (e.g. x*x)."""
        return sum(d for p, d in zip(self.parents, self.local_derivatives) if p is parent)

    def add(self, other, name=""):
        if isinstance(other, Node):
            return Node(self.value + other.value, name, "add", (self, other), (1.0, 1.0))
        return Node(self.value + other, name, "add", (self,), (1.0,))

    def sub(self, other, name=""):
        if isinstance(other, Node):
            return Node(self.value - other.value, name, "sub", (self, other), (1.0, -1.0))
        return Node(self.value - other, name, "sub", (self,), (1.0,))

    def mul(self, other, name=""):
        if isinstance(other, Node):
            return Node(self.value * other.value, name, "mul", (self, other), (other.value, self.value))
        return Node(self.value * other, name, "mul", (self,), (other,))

    def square(self, name=""):
        return Node(self.value**2, name, "square", (self,), (2.0 * self.value,))

    def activate(self, activation, name=""):
        """The named activation (activations.py) of this node; its local derivative is f'(z) at z = self."""
        f, derivative = activations.function_and_derivative(activation)
        out = float(f(self.value))
        return Node(out, name, activation, (self,), (derivative(self.value, out),))

    def relu(self, name=""):
        return self.activate("relu", name)

    def sigmoid(self, name=""):
        return self.activate("sigmoid", name)

    def tanh(self, name=""):
        return self.activate("tanh", name)

    def identity(self, name=""):
        return self.activate("identity", name)

    def backward(self):
        """Fill .grad of every node reachable from self with d(self)/d(node).

        Grads are reset first, so calling backward twice gives the same answer; within one pass a node
        used by several children accumulates the sum of their contributions.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        # Seed: d(self)/d(self) = 1, then walk from the root towards the leaves.
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_derivatives):
                parent.grad += local * node.grad


def topological_order(root):
    """Nodes reachable from root, every parent listed before its children (root last)."""
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order
