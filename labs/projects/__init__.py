"""Projects as graded capstones: grading.toml, hand-in checks and the auto-graded criteria.

spec = load_project("curriculum/projects/relational-design")
problems = check_handin(spec, {"schema.sql": b"...", ...})
result = grade_project(spec, Path("handin/"))   # ProjectResult; .to_dict() for JSON
"""

from labs.projects.grader import grade_project
from labs.projects.result import CriterionResult, ProjectResult
from labs.projects.spec import Criterion, HandinRules, Level, ProjectSpec, check_handin, load_project, read_handin

__all__ = [
    "Criterion",
    "CriterionResult",
    "HandinRules",
    "Level",
    "ProjectResult",
    "ProjectSpec",
    "check_handin",
    "grade_project",
    "load_project",
    "read_handin",
]
