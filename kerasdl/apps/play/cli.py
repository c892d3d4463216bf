"""``kerasdl play`` (or ``kerasdl rl``): the flags only this app has; help comes from the task's docs."""

from kerasdl.apps.cli import AppCLI, flag, model_option, positive_int
from kerasdl.apps.play.task import Play


def _unit_interval(value):
    import argparse

    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {value!r}")
    return number


def _shown(item, result) -> str:
    q_values = ", ".join(f"{q:.3f}" for q in result["q_values"])
    name = result.get("action_name", result["action"])
    return f"{item} -> action {result['action']} ({name}); Q = [{q_values}]"


CLI = AppCLI(
    Play,
    flags=[
        flag("--env", help="a gymnasium id: CartPole-v1, LunarLander-v3, kerasdl/Catch-v0, ALE/Breakout-v5..."),
        flag("--epochs", type=int, fixed_help=True, help="evaluation points (default: the environment's preset)"),
        flag(
            "--steps-per-epoch",
            type=int,
            fixed_help=True,
            help="environment steps per epoch (default: the environment's preset)",
        ),
        flag("--learning-rate", type=float, fixed_help=True, help="Adam's constant learning rate (default: preset)"),
        flag("--batch-size", type=int, fixed_help=True, help="transitions per update (default: preset)"),
        flag("--gamma", type=_unit_interval),
        flag("--double", action="store_true", default=None, help="double DQN targets (van Hasselt 2016)"),
        model_option("--dueling", option="dueling", const=True, help="dueling network (Wang 2016)"),
        model_option("--hidden-units", option="hidden_units", type=positive_int, nargs="+", help="MLP widths"),
        flag("--buffer-size", type=positive_int),
        flag("--learning-starts", type=int),
        flag("--train-every", type=positive_int),
        flag("--gradient-steps", type=positive_int),
        flag("--target-update-every", type=positive_int),
        flag("--tau", type=float),
        flag("--exploration-steps", type=int),
        flag("--epsilon-start", type=_unit_interval),
        flag("--epsilon-end", type=_unit_interval),
        flag("--epsilon", type=_unit_interval),
        flag("--eval-episodes", type=positive_int),
        flag("--save-memory", action="store_true", default=None, help="keep the replay memory in checkpoints"),
        flag("--episodes", type=positive_int),
        flag("--fps", type=positive_int),
        flag("--no-baseline", dest="baseline", action="store_false", help="skip the cross-entropy method"),
        flag("inputs", nargs="+", help=".npy observations, or comma-separated numbers for state vectors"),
        flag("--output", verbs=("record",), help="the animation: .gif or .mp4 (default: <run-dir>/episode.gif)"),
    ],
    extra_verbs=("record",),
    show_prediction=_shown,
)
