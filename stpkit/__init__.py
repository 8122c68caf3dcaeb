"""stpkit: an open planning workbench for NHS integrated care footprints.

Load a footprint data pack with `load_pack`, then call the model modules named after each planning
concept: `stpkit.needs`, `stpkit.activity`, `stpkit.investment`, `stpkit.workforce`,
`stpkit.locality`, `stpkit.uncertainty`.
"""

from .pack import DEFAULT_PACK, Pack, PackError, load_pack
from .validate import Problem, validate

__all__ = ["DEFAULT_PACK", "Pack", "PackError", "Problem", "load_pack", "validate"]
__version__ = "0.1.0"
