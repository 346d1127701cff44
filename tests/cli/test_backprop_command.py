"""`lifeexp backprop`: the lecture's worked example through the CLI, with exact numbers."""

import json

import pytest

from support.cli import run_cli

JSON_KEYS = ["forward", "local", "gradients", "updated", "loss_before", "loss_after"]


def run(*args):
    return run_cli("backprop", *args, code=None)


def run_json(*args):
    result = run(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_lecture_example_json_numbers():
    doc = run_json()
    assert list(doc) == JSON_KEYS
    assert doc["forward"] == {"h": -2.0, "g": 3.0, "yhat": 3.0, "f": 2.0, "J": 4.0}
    assert doc["local"] == {"dJ/df": 4.0, "df/dyhat": 1.0, "dyhat/dg": 1.0,
                            "dg/dh": 1.0, "dg/dtheta0": 1.0, "dh/dtheta1": 2.0}
    assert doc["gradients"] == {"theta0": 4.0, "theta1": 8.0}
    assert doc["updated"] == {"theta0": pytest.approx(4.6, abs=1e-15), "theta1": pytest.approx(-1.8, abs=1e-15)}
    assert doc["loss_before"] == 4.0
    assert doc["loss_after"] == pytest.approx(0.0, abs=1e-12)


def test_dead_relu_json_numbers():
    doc = run_json("--theta1", "-3")
    assert doc["forward"] == {"h": -6.0, "g": -1.0, "yhat": 0.0, "f": -1.0, "J": 1.0}
    assert doc["local"] == {"dJ/df": -2.0, "df/dyhat": 1.0, "dyhat/dg": 0.0,
                            "dg/dh": 1.0, "dg/dtheta0": 1.0, "dh/dtheta1": 2.0}
    assert doc["gradients"] == {"theta0": 0.0, "theta1": 0.0}
    assert doc["updated"] == {"theta0": 5.0, "theta1": -3.0}
    assert doc["loss_before"] == doc["loss_after"] == 1.0


def test_lecture_example_table_shows_all_five_parts():
    result = run()
    assert result.exit_code == 0, result.output
    out = result.stdout
    for heading in ("1. The graph", "2. Forward pass", "3. Local derivatives", "4. Chain rule", "5. Update"):
        assert heading in out
    # 1. graph: root, operations, leaves
    for line in ("J = f²  (root: the loss)", "f = ŷ − y", "ŷ = ReLU(g)", "g = h + θ₀", "h = θ₁ · x",
                 "θ₁ = -1  (leaf, parameter)", "x = 2  (leaf, input)", "θ₀ = 5  (leaf, parameter)",
                 "y = 1  (leaf, target)"):
        assert line in out
    # 2. forward values with the numbers substituted
    for row in ("│ h    │ θ₁ · x     │ (-1) · 2    │ -2    │", "│ g    │ h + θ₀     │ -2 + 5      │ 3     │",
                "│ ŷ    │ ReLU(g)    │ ReLU(3)     │ 3     │", "│ f    │ ŷ − y      │ 3 − 1       │ 2     │",
                "│ J    │ f²         │ 2²          │ 4     │"):
        assert row in out
    # 3. local derivatives: rule and value
    for row in ("│ ∂J/∂f      │ 2f                │ 4     │", "│ ∂ŷ/∂g      │ 1 if g > 0 else 0 │ 1     │",
                "│ ∂h/∂θ₁     │ x                 │ 2     │", "│ ∂g/∂θ₀     │ 1                 │ 1     │"):
        assert row in out
    # 4. chain products factor by factor
    assert "∂J/∂θ₀ = ∂J/∂f · ∂f/∂ŷ · ∂ŷ/∂g · ∂g/∂θ₀\n         = 4 · 1 · 1 · 1 = 4" in out
    assert "∂J/∂θ₁ = ∂J/∂f · ∂f/∂ŷ · ∂ŷ/∂g · ∂g/∂h · ∂h/∂θ₁\n         = 4 · 1 · 1 · 1 · 2 = 8" in out
    # 5. update and new loss (2e-31 of rounding shown as 0)
    assert "θ₀ ← θ₀ − α ∂J/∂θ₀ = 5 − 0.1 · 4 = 4.6" in out
    assert "θ₁ ← θ₁ − α ∂J/∂θ₁ = -1 − 0.1 · 8 = -1.8" in out
    assert "New loss J(θ₀ = 4.6, θ₁ = -1.8) = 0  (was 4)" in out
    assert "Did we learn? Yes: the loss fell from 4 to 0." in out
    assert "inactive" not in out


def test_dead_relu_table_says_nothing_was_learned():
    result = run("--theta1", "-3")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "│ ŷ    │ ReLU(g)    │ ReLU(-1)    │ 0     │" in out
    assert "│ ∂ŷ/∂g      │ 1 if g > 0 else 0 │ 0     │" in out
    assert "= (-2) · 1 · 0 · 1 = 0" in out
    assert "θ₁ ← θ₁ − α ∂J/∂θ₁ = -3 − 0.1 · 0 = -3" in out
    assert "New loss J(θ₀ = 5, θ₁ = -3) = 1  (was 1)" in out
    assert ("Did we learn? No. ReLU inactive: g = -1 ≤ 0, so ∂ŷ/∂g = 0, the gradient is zero, and nothing "
            "was learned") in out


def test_steps_add_history_and_loss_falls():
    doc = run_json("--activation", "identity", "--lr", "0.01", "--steps", "20")
    assert list(doc) == [*JSON_KEYS, "history", "relu_died_at"]
    history = doc["history"]
    assert [h["step"] for h in history] == list(range(21))
    assert history[0] == {"step": 0, "theta0": 5.0, "theta1": -1.0, "loss": 4.0, "g": 3.0, "relu_active": None}
    losses = [h["loss"] for h in history]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert history[1]["loss"] == doc["loss_after"]

    table = run("--activation", "identity", "--lr", "0.01", "--steps", "20")
    assert "Gradient descent, 20 steps" in table.stdout
    assert "Loss 4 → " in table.stdout


def test_other_activations_show_their_rules():
    out = run("--activation", "sigmoid").stdout
    assert "ŷ = σ(g)" in out and "σ(g)(1 − σ(g))" in out
    out = run("--activation", "tanh").stdout
    assert "1 − tanh²(g)" in out


def test_csv_gives_the_history():
    result = run("--steps", "2", "--format", "csv")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "step,theta0,theta1,loss,g,relu_active"
    assert lines[1] == "0,5.0,-1.0,4.0,3.0,true"
    assert len(lines) == 4


@pytest.mark.parametrize("args, code, message", [
    (["--steps", "0"], 2, "--steps must be an integer from 1"),
    (["--lr", "0"], 2, "--lr must be > 0"),
    (["--x", "nan"], 2, "--x must be a finite number"),
    (["--activation", "identity", "--lr", "10", "--steps", "1000"], 1, "diverged at step"),
])
def test_bad_values_are_one_line_errors(args, code, message):
    result = run(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_help_has_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert "lifeexp backprop --theta1 -3" in result.stdout


def test_a_step_that_kills_the_relu_is_reported_not_celebrated():
    result = run("--lr", "0.2", "--steps", "3")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Yes: the loss fell" not in out
    assert "New loss J(θ₀ = 4.2, θ₁ = -2.6) = 1  (was 4)" in out
    assert "Learning stopped at step 1 (the ReLU died)" in out
    assert "Learning stopped at step 1: that step made the ReLU's input negative (g = -1)" in out
    assert "│ 1    │ 4.2 │ -2.6 │ -1 │ 1 │ off (dead) │" in out


def test_history_json_and_csv_carry_relu_active():
    doc = run_json("--lr", "0.2", "--steps", "3")
    assert [h["relu_active"] for h in doc["history"]] == [True, False, False, False]
    assert doc["relu_died_at"] == 1
    result = run("--lr", "0.2", "--steps", "3", "--format", "csv")
    import csv
    import io
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [float(r["g"]) for r in rows] == pytest.approx([3.0, -1.0, -1.0, -1.0])
    assert [r["relu_active"] for r in rows] == ["true", "false", "false", "false"]


def test_activation_help_names_g_as_the_graph_does():
    """--help said "g in ŷ = g(θ₀ + θ₁x)", g the activation, where the printed graph's g is the node h + θ₀
    under the activation: a student reading both would mix them up."""
    text = " ".join(run_cli("backprop", "--help", env={"COLUMNS": "200"}).stdout.split())
    assert "ŷ = a(g), where g = h + θ₀ and h = θ₁ · x" in text and "g in ŷ" not in text
    graph = run_cli("backprop").stdout
    assert "ŷ = ReLU(g)" in graph and "g = h + θ₀" in graph


def test_the_loss_line_has_a_mark_for_every_step_a_loss_of_zero_too():
    """The example reaches a loss of exactly 0 after one step: the line drew 2 marks for 6 losses (steps 0 to
    5), leaving out the zeros a log scale cannot place; they are its lowest mark."""
    last = run_cli("backprop", "--steps", "5").stdout.rstrip().splitlines()[-1]
    assert last.startswith("Loss 4 → 0") and last.split()[-1] == "█▁▁▁▁▁"
