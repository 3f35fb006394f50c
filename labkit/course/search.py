"""Exercises for Lab 08, "Hyperparameter search".

Every answer is computed by the search topic's own functions (``draw``'s ranges,
``grid_points``, ``random_points``, ``expected_improvement``, a ``BayesStep``), so the
exercises grade what the lab showed. Sources: Lusch (log scale, after Ng); Bergstra and
Bengio 2012 and Goodfellow et al. figure 11.2 (grid against random); Jones et al. 1998 and
Snoek et al. 2012 (expected improvement); CS231n and Google's Deep Learning Tuning Playbook
(the edge of the range; scientific, nuisance and fixed hyperparameters); Cawley and Talbot
2010 (the winner's optimism); Optuna's documentation (storages shared by workers).
"""

from __future__ import annotations

import math

import numpy as np

from labkit.exercises import (
    Exercise,
    ExerciseSet,
    as_number,
    expect_choice,
    expect_number,
    expect_set,
    with_mistakes,
    with_reasons,
)
from labkit.search.bayes import BayesStep, expected_improvement
from labkit.search.sampling import grid_points, random_points

__all__ = ["exercises", "QUESTIONS", "EDGE_ACTIONS", "TEST_ERROR_GUESSES", "HYPERPARAMETERS", "STORAGES",
           "BAYES_MOVES", "EI_QUESTION", "WORKERS"]

LOG_RANGE = (1e-4, 1e-1, 1e-3)  # q1: uniform draws from [1e-4, 1e-1]; the share below 1e-3
GRID_TRIALS = 16  # q2: a 4 x 4 grid against 16 random points
EI_QUESTION = {"mean": 0.25, "std": 0.1, "best": 0.2}  # q3: the surrogate at one candidate point
BAYES_MOVES = ("explore", "exploit")
EDGE_ACTIONS = (
    "widen the range past its top and search again",
    "report it: it is the best rate the search found",
    "narrow the range around it and search again",
    "switch from random search to a grid",
)
TEST_ERROR_GUESSES = ("higher", "lower", "the same")
HYPERPARAMETERS = ("learning rate", "weight decay", "random seed", "width", "epochs", "optimizer")
NUISANCE = ("learning rate", "random seed")
WORKERS = (2, 50)  # q8: two workers, 50 trials each, on one study
STORAGES = (
    "a server database URL, such as postgresql://user:password@dbhost/optuna",
    "an SQLite file on a shared network drive",
    "an in-memory study in each worker",
    "one SQLite file per machine, merged at the end",
)

QUESTIONS = {  # what the lab asks beside each starter cell, so wording and checks stay together
    "q1": "Learning rates are drawn uniformly from [1e-4, 1e-1]. What share of them (a fraction, 0 to 1) "
          "lands below 1e-3?",
    "q2": "16 trials over two hyperparameters, the learning rate (it matters) and the weight decay (it "
          "barely does). How many different learning rates does a 4 x 4 grid try, and 16 random points? "
          "Answer with a pair (grid, random).",
    "q3": "At a candidate point the GP's mean is 0.25 and its standard deviation 0.1; the best error so "
          "far is 0.2. What is the expected improvement there (a minimization)?",
    "q4": "In the step shown, does expected improvement pick its next point to 'explore' or to "
          "'exploit'?",
    "q5": "The best learning rate of your search sits at the top of the range you searched. What do you "
          "do? (one of EDGE_ACTIONS)",
    "q6": "The search's winner scores 0.052 on validation. Is its test error expected to be 'higher', "
          "'lower' or 'the same'?",
    "q7": "The question is 'does weight decay help?'. Which of HYPERPARAMETERS are nuisance ones, to be "
          "tuned or averaged over anew for each weight decay? Answer with a list.",
    "q8": "Two workers share one Optuna study on one SQLite file and run 50 trials each. How many "
          "finished trials does the study hold at the end?",
    "q9": "Your workers will run on many machines. Which storage do they share? (one of STORAGES)",
}




def _log_share_check():
    """q1: the share of uniform draws from [low, high] below ``below``: its share of the length."""
    low, high, below = LOG_RANGE
    share = (below - low) / (high - low)  # 0.009
    mistakes = [
        (share * 100, "if you meant 0.9%, answer with a fraction between 0 and 1 (0.25 for 25%); if "
                      "you meant 90%, that is the top decade [1e-2, 1e-1]'s share, and the question "
                      "asks below 1e-3"),
        (1.0, "that looks like a percentage: answer with a fraction between 0 and 1, e.g. 0.25 for 25%"),
        (1 / 3, "a third is what *log-uniform* draws give each of the three decades; uniform draws "
                "spread by length, not by decade"),
        ((10 * below - below) / (high - low), "that is the share of the middle decade [1e-3, 1e-2]; the "
                                               "question asks below 1e-3"),
        (0.1, "0.1 is 1e-3's share of the *top end* 1e-2, not of the range [1e-4, 1e-1]: compare lengths"),
    ]
    return with_mistakes(expect_number(share, rel=0.25), mistakes), share


def _grid_random_check():
    """q2: (grid, random) counts of distinct values of the important hyperparameter in 16 trials."""
    space = {"log10 learning rate": (-4.0, 0.0), "log10 weight decay": (-6.0, -1.0)}
    grid = len(np.unique(grid_points(space, GRID_TRIALS)[:, 0]))
    rand = len(np.unique(random_points(space, GRID_TRIALS, random_state=0)[:, 0]))

    def check(answer):
        if isinstance(answer, str) or not isinstance(answer, (tuple, list)) or len(answer) != 2 \
                or any(as_number(a) is None for a in answer):
            return False, f"answer with a pair of numbers (grid, random), such as (3, 9); got {answer!r}"
        g, r = (as_number(a) for a in answer)
        if (g, r) == (grid, rand):
            return True, (f"({grid}, {rand}): the grid spends {GRID_TRIALS} trials on {grid} learning rates, "
                          f"each measured {GRID_TRIALS // grid} times at weight decays that barely matter; "
                          f"random search tries a new rate in every trial.")
        if (g, r) == (rand, grid):
            return False, "the other way round: the first number is the grid's, the second random search's"
        if g != grid:
            why = (f"a 4 x 4 grid sets the learning rate to one of 4 values in each row; {g:g} is not that"
                   if g != GRID_TRIALS else f"the grid has {GRID_TRIALS} points, but only 4 different "
                   "learning rates: each is repeated for 4 weight decays")
            return False, why
        return False, (f"each random point draws its own learning rate, so {GRID_TRIALS} points give "
                       f"{GRID_TRIALS} different ones (two equal real numbers are as good as impossible)")

    return check, grid, rand


def _ei_check():
    """q3: EI at a point whose GP mean is worse than the best, with some uncertainty."""
    m, s, b = EI_QUESTION["mean"], EI_QUESTION["std"], EI_QUESTION["best"]
    ei = float(expected_improvement(np.array([m]), np.array([s]), b)[0])
    z = (b - m) / s
    pdf, cdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(z / math.sqrt(2)))
    mistakes = [
        (0.0, "the mean is worse than the best, but the GP is unsure: the second term, std * phi(z), "
              "counts the chance that the truth lies below the best; EI is positive wherever std > 0"),
        (b - m, "EI is never negative: it averages the improvement max(best - f, 0) over the GP's belief"),
        (s * pdf, "that is only the exploration term; add the first, (best - mean) * Phi(z), which is "
                  "negative here"),
        ((m - b) * (1 - cdf) + s * pdf, "check the sign of z: z = (best - mean) / std = "
                                        f"{z:g} for a minimization"),
        ((b - m) * (1 - cdf) + s * pdf, "check Phi(z): with z = (best - mean) / std the first term uses the "
                                        "CDF at z itself"),
    ]
    return with_mistakes(expect_number(ei, rel=0.02), mistakes), ei, z


def _move_check(step):
    """q4: does the step's pick explore (away from the lowest mean) or exploit (near it)?"""
    right = "explore" if step.explores else "exploit"
    choice = expect_choice(right, BAYES_MOVES)
    cfg = ", ".join(f"{k}={v:.3g}" for k, v in step.next_config.items())
    low = step.grid[int(np.argmin(step.mean))]
    best = ", ".join(f"{d.name}={float(d.from_unit(u)):.3g}" for d, u in zip(step.space, low, strict=True))
    why = (f"the pick ({cfg}) lies {'away from' if step.explores else 'near'} the GP's lowest mean "
           f"(at {best}), where its std is {step.next_std:.2f} in log10 error")

    def check(answer):
        ok, message = choice(answer)
        if ok:
            return True, f"{right!r}: {why}."
        if isinstance(answer, str) and answer.strip().casefold() in BAYES_MOVES:
            return False, f"not here: {why}"
        return False, message

    return check, right, why


def _edge_check():
    choice = expect_choice(EDGE_ACTIONS[0], EDGE_ACTIONS)
    why = {
        EDGE_ACTIONS[1]: "the best found, yes, but the range cut the search short: a higher rate may well "
                         "be better still, and the search could not see it",
        EDGE_ACTIONS[2]: "narrowing keeps the same top end, so the search still cannot look past it",
        EDGE_ACTIONS[3]: "a grid searches the same range: the problem is the range, not the strategy",
    }
    return with_reasons(choice, why)



def _optimism_check():
    choice = expect_choice("higher", TEST_ERROR_GUESSES)
    why = {
        "lower": "the winner was picked *because* its validation score was low; part of that lowness is "
                 "luck of the validation set, and the test set does not share that luck",
        "the same": "it would be, for a configuration chosen before looking; this one was chosen as the "
                    "minimum of many noisy scores, and a minimum of noisy numbers is biased low",
    }
    return with_reasons(choice, why)


def _nuisance_check():
    picks = expect_set(NUISANCE, HYPERPARAMETERS)

    def check(answer):
        ok, message = picks(answer)
        if ok or isinstance(answer, str) or not isinstance(answer, (list, tuple, set, frozenset)):
            return ok, message
        chosen = {a.strip().casefold() for a in answer if isinstance(a, str)}
        if "weight decay" in chosen:
            return False, f"{message} Weight decay is the *scientific* hyperparameter: the question itself"
        fixed = sorted(chosen & {"width", "epochs", "optimizer"})
        if fixed:
            return False, (f"{message} {', '.join(fixed)} were held *fixed* in the lab's comparison: the "
                           "conclusion holds for those values only, but nothing was tuned over them")
        return False, (f"{message} Which settings change the score a lot, say nothing about weight decay, "
                       "and so must be tuned or averaged over for every weight decay?")

    return check


def _workers_check():
    n_workers, per_worker = WORKERS
    total = n_workers * per_worker
    mistakes = [
        (per_worker, "the workers do not split one budget of 50: each runs its own 50 trials and writes them "
                     "to the shared study"),
        (total - n_workers, "no trial is lost: each finished trial is one committed row in the database"),
    ]
    return with_mistakes(expect_number(total, rel=0.0, abs=0.5), mistakes), total


def _storage_check():
    choice = expect_choice(STORAGES[0], STORAGES)
    why = {
        STORAGES[1]: "SQLite locks its file, and file locks over a network file system are unreliable: "
                     "two machines can corrupt the study. SQLite is for workers on one machine",
        STORAGES[2]: "an in-memory study lives in one process: the workers could not see each other's "
                     "trials, and the sampler of each would learn from its own only",
        STORAGES[3]: "then each sampler sees only its own machine's trials, and merging is work Optuna "
                     "does not do for you",
    }
    return with_reasons(choice, why)


def exercises(step=None) -> ExerciseSet:
    """Lab 08's exercises.

    ``step``: a :class:`~labkit.search.bayes.BayesStep` the lab showed (from ``bayes_step`` or
    ``bayes_search``); q4, "does its pick explore or exploit?", appears with it. Raises
    TypeError if ``step`` is given and is not a BayesStep.
    """
    if step is not None and not isinstance(step, BayesStep):
        raise TypeError(f"step must be a BayesStep (from labkit.search.bayes_step or bayes_search) or None, "
                        f"got {type(step).__name__}")
    low, high, below = LOG_RANGE
    share_check, share = _log_share_check()
    grid_check, grid, rand = _grid_random_check()
    ei_check, ei, z = _ei_check()
    workers_check, total = _workers_check()
    m, s, b = EI_QUESTION["mean"], EI_QUESTION["std"], EI_QUESTION["best"]
    items = [
        Exercise(
            "q1", check=share_check,
            hint=f"Uniform draws land in a stretch in proportion to its length. How long is [{low:g}, "
                 f"{below:g}] next to [{low:g}, {high:g}]?",
            solution=f"`{share:.3g}`, about 1%: ({below:g} - {low:g}) / ({high:g} - {low:g}). Three decades "
                     f"are searched but the lowest gets 1% of the trials and the top one 90%. Draw the "
                     "exponent uniformly (`draw(..., scale='log')`) and each decade gets a third.",
        ),
        Exercise(
            "q2", check=grid_check,
            hint="Write the 4 x 4 grid out: how many different learning rates does it hold? A random point "
                 "draws both of its coordinates afresh.",
            solution=f"`({grid}, {rand})`. When the weight decay barely matters, the grid's {GRID_TRIALS} "
                     f"trials are {grid} experiments repeated {GRID_TRIALS // grid} times; random search "
                     f"tries {rand} learning rates for the same price (Bergstra and Bengio 2012).",
        ),
        Exercise(
            "q3", check=ei_check,
            hint="For a minimization, z = (best - mean) / std and EI = (best - mean) * Phi(z) + "
                 "std * phi(z), with Phi and phi the standard normal CDF and density "
                 "(`scipy.stats.norm.cdf`, `norm.pdf`).",
            solution=f"`{ei:.4g}`: z = ({b:g} - {m:g}) / {s:g} = {z:g}; EI = ({b - m:g}) * Phi({z:g}) + "
                     f"{s:g} * phi({z:g}). The mean is worse than the best, yet the EI is positive: the GP "
                     "is unsure enough that the truth may be lower. "
                     "`expected_improvement(np.array([0.25]), np.array([0.1]), best=0.2)` computes it.",
        ),
    ]
    if step is not None:
        move_check, move, why = _move_check(step)
        items.append(Exercise(
            "q4", check=move_check,
            hint="Find where the GP's mean is lowest, and where the pick is. Near the lowest mean, EI "
                 "comes from the first term (a low mean: exploit); far from it, from the second (a wide "
                 "band: explore).",
            solution=f"`{move!r}`: {why}.",
        ))
    items += [
        Exercise(
            "q5", check=_edge_check(),
            hint="Could a learning rate above the range's top be better still? Would this search have "
                 "found out?",
            solution=f"`{EDGE_ACTIONS[0]!r}`. A best value at the edge says the optimum may lie outside "
                     "the range: widen it and search again (CS231n; the Tuning Playbook's 'check the "
                     "search space boundaries'). `edge_warning(log)` flags it. For a learning rate, "
                     "watch for the divergence cliff as you widen.",
        ),
        Exercise(
            "q6", check=_optimism_check(),
            hint="The winner was the lowest of 30 validation scores, each measured on one finite "
                 "validation set. Is the minimum of 30 noisy numbers a fair guess of the truth?",
            solution="`'higher'`. Picking the minimum picks the trials whose validation luck was good, so "
                     "the winner's validation score is biased low (Cawley and Talbot 2010): in the lab, "
                     "winners scored 0.052 on validation and 0.058 on the sealed test set, in 20 of 20 "
                     "searches. Report the test error, measured once.",
        ),
        Exercise(
            "q7", check=_nuisance_check(),
            hint="The question is 'does weight decay help?'. A nuisance hyperparameter is one the answer "
                 "must not depend on: it is tuned (or averaged over) anew for each weight decay. Fixed "
                 "ones are held at one value throughout.",
            solution=f"`{list(NUISANCE)!r}`. Weight decay is the scientific hyperparameter; the learning "
                     "rate must be re-tuned for each weight decay (at one fixed rate the lab's weight "
                     "decays looked alike, tuned they differed by 31%), and the seed is averaged over; "
                     "width, epochs and the optimizer were fixed (the Tuning Playbook).",
        ),
        Exercise(
            "q8", check=workers_check,
            hint="The study is one table of trials in one database; each worker adds its own trials "
                 "to it until it has run its quota.",
            solution=f"`{total}`: {WORKERS[0]} workers x {WORKERS[1]} trials, every finished trial one "
                     "row in the shared storage, none lost and none run twice (the lab's test counts "
                     "them). A worker killed mid-trial leaves one RUNNING trial, which a heartbeat marks "
                     "FAIL; it is not a finished trial.",
        ),
        Exercise(
            "q9", check=_storage_check(),
            hint="SQLite is a file on one disk; what is safe when the workers are on different machines?",
            solution=f"`{STORAGES[0]!r}`: every worker passes the same URL and study name "
                     "(`optuna.storages.RDBStorage`, or `--storage` of `labkit.search.study_worker`), and "
                     "a different seed. SQLite's file locks are not safe over a network drive; Optuna's "
                     "journal file on a shared disk is the other option.",
        ),
    ]
    return ExerciseSet(*items)
