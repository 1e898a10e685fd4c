"""The family contract, checked: what the trainer relies on, run on tiny problems in seconds.

As scikit-learn's `check_estimator` does for estimators, `check_family` tells the author of a
family whether it keeps the rules before anyone compares it: it builds from its defaults and
refuses an unknown setting; every parameter `train_step` changes belongs to a module in
`modules()` and every optimiser that steps is in `optimisers()` (else a checkpoint silently
leaves it out); logs are detached scalars; a seed fixes the weights bitwise; a run checkpointed
halfway (through the trainer's own checkpoint store, weights only) and resumed equals the
uninterrupted run; samples have the data's shape and lie in the family's pixel range; and a short
run moves its samples towards the data. Each property is one line, passed or failed with why.
"""

from __future__ import annotations

from typing import Any

from benchbench.contract.problems import LEARNING_STEPS, tiny_problem
from benchbench.contract.properties import PROPERTIES, Property, PropertyFails
from benchbench.errors import UserError, one_line
from benchbench.families import FAMILIES, Family, resolve_config


def family_class(family: str | type[Family]) -> type[Family]:
    if isinstance(family, str):
        return FAMILIES.get(family)
    if isinstance(family, type) and issubclass(family, Family):
        return family
    raise UserError(f"{family!r} is neither a family name nor a benchbench.Family subclass")


def check_family(family: str | type[Family], config: dict[str, Any] | None = None) -> list[Property]:
    """Every property of the contract, on the family's kinds of data (`data_kinds`), as
    Property(name, passed, detail). A property that raises fails with the exception's line."""
    cls, config = family_class(family), dict(config or {})
    kinds = tuple(cls.data_kinds)
    unknown = [k for k in kinds if k not in LEARNING_STEPS]
    if not kinds or unknown:
        raise UserError(f"{cls.__name__}.data_kinds must name points, image or image-pair, got {kinds!r}")
    for kind in kinds:  # settings it refuses are bad input (exit 2), not a broken family
        resolve_config(cls, config, tiny_problem(kind)[1].kind)
    results = []
    for title, check, scope in PROPERTIES:
        runs = [kinds] if scope == "kinds" else [kinds[0]] if scope == "first" else list(kinds)
        details, failure = [], None
        for kind in runs:
            try:
                detail = check(cls, kind, config)
            except PropertyFails as problem:
                failure = f"{problem}" + ("" if len(runs) == 1 else f" (on {kind} data)")
                break
            except UserError as error:
                failure = f"refused: {error}"
                break
            except Exception as error:  # the family's own code failed: that is the finding
                failure = f"raised {one_line(error)}"
                break
            details.append(f"{kind}: {detail}" if len(runs) > 1 and detail else detail)
        results.append(Property(title, failure is None, failure or "; ".join(d for d in details if d)))
    return results


__all__ = ["PROPERTIES", "Property", "PropertyFails", "check_family", "family_class"]
