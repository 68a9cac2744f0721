"""Registry of the specs built from procedures_detail.json (public-source steps)."""

from __future__ import annotations

from . import (
            detailed_international,
            detailed_legal,
            detailed_research,
            detailed_scholarships,
            detailed_services,
            detailed_students,
)

BUILDERS = {**detailed_students.BUILDERS, **detailed_scholarships.BUILDERS,
            **detailed_research.BUILDERS, **detailed_international.BUILDERS,
            **detailed_services.BUILDERS, **detailed_legal.BUILDERS}
