"""The exam blueprint (domains, weights, task statements), read from a YAML file, never hard-coded.

>>> bp = load_blueprint()
>>> bp.exam, bp.domain_of("2.2"), round(sum(d.weight for d in bp.domains), 2)
('MLA-C01', 2, 1.0)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.knowledge.facts import read_yaml

DEFAULT_BLUEPRINT = Path(__file__).parent / "exams" / "mla-c01.yaml"


@dataclass(frozen=True)
class Domain:
    id: int
    name: str
    weight: float
    tasks: dict[str, str]


@dataclass(frozen=True)
class Blueprint:
    exam: str
    name: str
    questions: int
    minutes: int
    domains: tuple[Domain, ...]
    formats: tuple[tuple[str, float], ...] = (("mcq", 1.0),)  # (format, share) for a mock exam

    @property
    def tasks(self) -> dict[str, str]:
        return {task: title for d in self.domains for task, title in d.tasks.items()}

    def weight(self, domain: int) -> float:
        total = sum(d.weight for d in self.domains)
        return next((d.weight / total for d in self.domains if d.id == domain), 0.0)

    def domain_of(self, task: str) -> int | None:
        return next((d.id for d in self.domains if task in d.tasks), None)


def load_blueprint(path: Path | str = DEFAULT_BLUEPRINT) -> Blueprint:
    raw = read_yaml(path)
    domains = tuple(
        Domain(id=int(d["id"]), name=d["name"], weight=float(d["weight"]), tasks={str(k): v for k, v in d["tasks"].items()})
        for d in raw["domains"]
    )
    return Blueprint(exam=raw["exam"], name=raw["name"], questions=int(raw["questions"]),
                     minutes=int(raw["minutes"]), domains=domains,
                     formats=tuple((str(k), float(v)) for k, v in (raw.get("formats") or {"mcq": 1.0}).items()))
