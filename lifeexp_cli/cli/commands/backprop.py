"""`lifeexp backprop`: the lecture's worked backprop example, step by step, read from a recorded graph."""

# No `from __future__ import annotations` in a command module: Typer would evaluate every option's
# annotation from its string on each start-up (measured: 5 ms for fit, cv and select together).

from typing import Annotated, Optional

import typer

from lifeexp_cli.cli import render
from lifeexp_cli.cli.options import Activation, Format, FormatOpt, NoHeaderOpt

SYMBOLS = {"theta0": "θ₀", "theta1": "θ₁", "yhat": "ŷ"}
ROLES = {"x": "input", "y": "target", "theta0": "parameter", "theta1": "parameter"}
# op -> (how the node is defined from its inputs {0}, {1}; the local derivative w.r.t. each input)
OPS = {
    "mul": ("{0} · {1}", ("{1}", "{0}")),
    "add": ("{0} + {1}", ("1", "1")),
    "sub": ("{0} − {1}", ("1", "−1")),
    "square": ("{0}²", ("2{0}",)),
    "relu": ("ReLU({0})", ("1 if {0} > 0 else 0",)),
    "sigmoid": ("σ({0})", ("σ({0})(1 − σ({0}))",)),
    "tanh": ("tanh({0})", ("1 − tanh²({0})",)),
    "identity": ("{0}", ("1",)),
}
HISTORY_ROWS = 20  # longer histories show their first and last steps


def symbol(name: str) -> str:
    return SYMBOLS.get(name, name)


def num(value: float) -> str:
    """A number for reading: rounding noise below 1e-12 removed (4.6, not 4.6000000000000005; 0, not 2e-31)."""
    value = round(value, 12) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{value:.6g}"


def factor(value: float) -> str:
    """A number as a factor in a product: negatives in parentheses."""
    text = num(value)
    return f"({text})" if text.startswith("-") else text


def partial(key: str) -> str:
    """'dyhat/dg' -> '∂ŷ/∂g'."""
    top, bottom = key.split("/")
    return f"∂{symbol(top[1:])}/∂{symbol(bottom[1:])}"


def definitions(result: dict) -> dict:
    """node -> (operation, input names) for every operation in the graph."""
    return {op["name"]: (op["op"], op["inputs"]) for op in result["graph"]["operations"]}


def values_of(result: dict) -> dict:
    return {**{leaf["name"]: leaf["value"] for leaf in result["graph"]["leaves"]}, **result["forward"]}


def expression(op: str, inputs: list[str], show=symbol) -> str:
    return OPS[op][0].format(*(show(name) for name in inputs))


def substituted(op: str, inputs: list[str], values: dict) -> str:
    """The definition with numbers in place of names; negatives in parentheses where they need them."""
    bare = op not in ("mul", "square")
    texts = [num(values[n]) if (op in ("add", "sub") and i == 0) or (bare and op not in ("add", "sub"))
             else factor(values[n]) for i, n in enumerate(inputs)]
    return OPS[op][0].format(*texts)


def local_rule(result: dict, key: str) -> str:
    """The formula of a local derivative, from the child's operation: 'dh/dtheta1' -> 'x'."""
    child, parent = (part[1:] for part in key.split("/"))
    op, inputs = definitions(result)[child]
    return OPS[op][1][inputs.index(parent)].format(*(symbol(name) for name in inputs))


def show_graph(result: dict) -> None:
    from rich.tree import Tree

    ops, values = definitions(result), values_of(result)

    def grow(branch, name):
        if name in ops:
            op, inputs = ops[name]
            node = branch.add(f"{symbol(name)} = {expression(op, inputs)}")
            for parent in inputs:
                grow(node, parent)
        else:
            branch.add(f"{symbol(name)} = {num(values[name])}  (leaf, {ROLES.get(name, 'input')})")

    root = result["graph"]["root"]
    op, inputs = ops[root]
    tree = Tree(f"{symbol(root)} = {expression(op, inputs)}  (root: the loss)")
    for parent in inputs:
        grow(tree, parent)
    render.out.print("[bold]1. The graph[/bold]  (each node is an operation on the nodes below it)")
    render.out.print(tree, highlight=False)


def show_forward(result: dict) -> None:
    ops, values = definitions(result), values_of(result)
    rows = []
    for name, value in result["forward"].items():
        op, inputs = ops[name]
        rows.append([symbol(name), expression(op, inputs), substituted(op, inputs, values),
                     num(value)])
    render.out.print("\n[bold]2. Forward pass[/bold]  (leaves to root)")
    render.table(None, ["node", "defined as", "with values", "value"], rows)


def show_local(result: dict) -> None:
    rows = [[partial(key), local_rule(result, key), num(value)] for key, value in result["local"].items()]
    render.out.print("\n[bold]3. Local derivatives[/bold]  (each edge: child with respect to parent)")
    render.table(None, ["derivative", "rule", "value"], rows)


def show_chains(result: dict) -> None:
    render.out.print("\n[bold]4. Chain rule[/bold]  (multiply the local derivatives along the path from J)")
    for parameter, chain in result["chains"].items():
        names = " · ".join(partial(f["name"]) for f in chain["factors"])
        values = " · ".join(factor(f["value"]) for f in chain["factors"])
        render.out.print(f"  ∂J/∂{symbol(parameter)} = {names}\n"
                         f"         = {values} = {num(result['gradients'][parameter])}", highlight=False)


def verdict(result: dict, lr: float) -> str:
    before, after = result["loss_before"], result["loss_after"]
    values = values_of(result)
    if result["inactive"]:
        return (f"Did we learn? No. ReLU inactive: g = {num(values['g'])} ≤ 0, so ∂ŷ/∂g = 0, the gradient is "
                f"zero, and nothing was learned: θ₀ and θ₁ stay {num(values['theta0'])} and "
                f"{num(values['theta1'])}, the loss stays {num(before)}.")
    if result["relu_died_at"] == 1:
        killed = result["history"][1]
        return (f"Did we learn? Only in this step, then never again: the loss fell from {num(before)} to "
                f"{num(after)}, but the step made the ReLU's input negative (g = {num(killed['g'])} at θ₀ = "
                f"{num(killed['theta0'])}, θ₁ = {num(killed['theta1'])}), so ∂ŷ/∂g = 0 from now on: every "
                f"later gradient is zero and the loss stays {num(after)}. Learning stopped at step 1 (the "
                f"ReLU died); try a smaller --lr than {num(lr)}.")
    if all(g == 0 for g in result["gradients"].values()):
        return "Did we learn? No: the gradient is zero, so θ is already at a stationary point of J."
    if after < before:
        return f"Did we learn? Yes: the loss fell from {num(before)} to {num(after)}."
    return (f"Did we learn? No: the loss rose from {num(before)} to {num(after)}; the step overshot, "
            f"try a smaller --lr than {num(lr)}.")


def show_update(result: dict, lr: float) -> None:
    values = values_of(result)
    render.out.print(f"\n[bold]5. Update[/bold]  θ ← θ − α ∇J  with α = {num(lr)}")
    for parameter, new in result["updated"].items():
        p = symbol(parameter)
        render.out.print(f"  {p} ← {p} − α ∂J/∂{p} = {num(values[parameter])} − {num(lr)} · "
                         f"{factor(result['gradients'][parameter])} = {num(new)}", highlight=False)
    theta0, theta1 = (num(result["updated"][p]) for p in ("theta0", "theta1"))
    render.out.print(f"  New loss J(θ₀ = {theta0}, θ₁ = {theta1}) = {num(result['loss_after'])}  "
                     f"(was {num(result['loss_before'])})", highlight=False)
    render.out.print(verdict(result, lr), highlight=False)


def history_row(h: dict | None, relu: bool) -> list[str]:
    if h is None:
        return ["…"] * (6 if relu else 5)
    row = [str(h["step"]), num(h["theta0"]), num(h["theta1"]), num(h["g"]), num(h["loss"])]
    return row + (["on" if h["relu_active"] else "off (dead)"] if relu else [])


def show_history(result: dict) -> None:
    history = result["history"]
    relu = history[0]["relu_active"] is not None
    died = result["relu_died_at"]
    shown = history if len(history) <= HISTORY_ROWS else history[:HISTORY_ROWS - 5] + [None] + history[-5:]
    if died is not None and history[died] not in shown:
        shown = [h for h in shown if h is None or h["step"] < died] + [history[died]] + \
                [h for h in shown if h is not None and h["step"] > died]
    steps = len(history) - 1
    render.out.print(f"\n[bold]Gradient descent, {steps} step{'s' if steps != 1 else ''}[/bold]")
    render.table(None, ["step", "θ₀", "θ₁", "g", "J"] + (["ReLU"] if relu else []),
                 [history_row(h, relu) for h in shown])
    first, last = history[0]["loss"], history[-1]["loss"]
    line = render.sparkline([h["loss"] for h in history])
    render.out.print(f"Loss {num(first)} → {num(last)}" + (f"  {line}" if line else ""), highlight=False)
    if died is not None:
        killed = history[died]
        render.out.print(f"Learning stopped at step {died}: that step made the ReLU's input negative "
                         f"(g = {num(killed['g'])}), so ∂ŷ/∂g = 0 and every later gradient is zero; the loss "
                         f"stays {num(killed['loss'])}. A smaller --lr keeps the ReLU alive.", highlight=False)


def json_document(result: dict, steps: int | None) -> dict:
    document = {key: result[key] for key in ("forward", "local", "gradients", "updated", "loss_before",
                                             "loss_after")}
    if steps is not None:
        document["history"] = result["history"]
        document["relu_died_at"] = result["relu_died_at"]
    return document


def backprop(
    x: Annotated[float, typer.Option("--x", help="The input x.")] = 2.0,
    y: Annotated[float, typer.Option("--y", help="The target y.")] = 1.0,
    theta0: Annotated[float, typer.Option("--theta0", help="Starting bias θ₀.")] = 5.0,
    theta1: Annotated[float, typer.Option("--theta1", help="Starting weight θ₁ (try -3: a dead ReLU).")] = -1.0,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate α.")] = 0.1,
    activation: Annotated[Activation, typer.Option(
        "--activation", "-a", help="The activation a in ŷ = a(g), where g = h + θ₀ and h = θ₁ · x (the graph's "
                                   "nodes).", case_sensitive=False)] = Activation.relu,
    steps: Annotated[Optional[int], typer.Option(
        "--steps", help="Also run N gradient-descent steps and show the loss falling.", show_default=False)]
    = None,
    output: FormatOpt = Format.table,
    no_header: NoHeaderOpt = False,
):
    """Backpropagation worked by hand on the lecture's example:
    J(θ) = (ŷ − y)², ŷ = ReLU(θ₀ + θ₁x).

    Prints the graph (h = θ₁x, g = h + θ₀, ŷ = ReLU(g), f = ŷ − y, J = f²),
    the forward pass, every local derivative, the chain-rule products for
    ∂J/∂θ₀ and ∂J/∂θ₁ factor by factor, and one step θ ← θ − α∇J with the
    new loss. Every number is read from a graph that recorded the operations.

    Example:

        lifeexp backprop

        lifeexp backprop --theta1 -3

        lifeexp backprop --activation identity --steps 10 --format json
    """
    from lifeexp_cli.usecases import backprop as usecase

    result = usecase.worked_example(x=x, y=y, theta0=theta0, theta1=theta1, lr=lr, activation=activation.value,
                                    steps=steps)
    if output.value == "json":
        render.emit_json(json_document(result, steps))
        return
    if output.value == "csv":
        render.emit_csv(result["history"], not no_header)
        return
    show_graph(result)
    show_forward(result)
    show_local(result)
    show_chains(result)
    show_update(result, lr)
    if steps is not None:
        show_history(result)
