"""The code locations, loaded from `defs/`: the sources here (`defs`: every folder but `reporting/`),
the reporting layer in `reporting_definitions.py` (`reporting/`, with the shared resources).

A folder's modules are read as Dagster's `load_from_defs_folder` reads them: a module's
`@dg.definitions` functions, else its `Definitions`, else the assets, checks, jobs, schedules and
sensors at its top level. What is left out is the catalogue of component types that
`load_from_defs_folder` also builds for `dg`'s scaffolding: it imports every `dg` plugin installed
(dagster-dbt and with it dbt-core; dagster-aws's components where the s3 extra is installed), about
2 s and 100 MB in every run process. The platform declares no components of its own.
"""

import gc
import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from types import ModuleType

import dagster as dg
from dagster._utils.warnings import suppress_dagster_warnings
from dagster.components.definitions import LazyDefinitions  # what @dg.definitions returns

DEFS = "learning_platform.defs"
SOURCE_FOLDERS = ("shared", "linkedin_learning", "thrive", "thought_industries", "erasure")
REPORTING_FOLDERS = ("shared.resources", "reporting")
# Both locations in one, as the UI's and the daemon's asset graph joins them: for the tests and
# tools that look across the two (lineage, automation, the catalogue).
PLATFORM_FOLDERS = (*SOURCE_FOLDERS, "reporting")


@dg.definitions
def defs() -> dg.Definitions:
    return settled(load(SOURCE_FOLDERS))


def settled(definitions: dg.Definitions) -> dg.Definitions:
    """A location's definitions, once loaded: everything the process holds by then (Dagster, the
    libraries, the definitions; some 240,000 objects) is moved out of the garbage collector's
    sight with `gc.freeze`, as it lives as long as the process. Every full collection of the run
    skips them, and so does the interpreter's teardown at exit, which took 0.5-0.75 s of every
    run process (0.03 s frozen)."""
    gc.freeze()
    return definitions


# As `load_from_defs_folder` is: without it every process that loads the definitions would print
# Dagster's beta and preview warnings (backfill policies, this loader's own calls).
@suppress_dagster_warnings
def load(names: Iterable[str]) -> dg.Definitions:
    """The definitions of the named folders (and modules) of `defs/`, merged."""
    return dg.Definitions.merge(*(_definitions_in(module) for module in _modules(names)))


def _modules(names: Iterable[str]) -> Iterator[ModuleType]:
    for name in names:
        module = importlib.import_module(f"{DEFS}.{name}")
        yield module
        if hasattr(module, "__path__"):  # a folder: every module under it, in name order
            for found in pkgutil.walk_packages(module.__path__, f"{module.__name__}."):
                yield importlib.import_module(found.name)


def _definitions_in(module: ModuleType) -> dg.Definitions:
    found = vars(module).values()
    lazy = [value for value in found if isinstance(value, LazyDefinitions)]
    if lazy:
        return dg.Definitions.merge(*(definitions() for definitions in lazy))
    objects = [value for value in found if isinstance(value, dg.Definitions)]
    if len(objects) > 1:
        raise dg.DagsterInvalidDefinitionError(f"{module.__name__}: more than one Definitions")
    return objects[0] if objects else dg.load_definitions_from_module(module)
