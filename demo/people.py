"""Salespeople and prospects of the demo company."""

from __future__ import annotations

import random
import string

from demo.actors import Prospect, Rep
from demo.clock import DAY, HOUR, day_start
from demo.config import CITIES, DIRECTOR_TEAM, GIVEN, INDUSTRIES, POSITIONS, SOURCES, SURNAMES, TEAMS, WORDS


class Namer:
    """Unique Chinese names with pinyin handles, and unique WeCom ids and mobiles."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._handles: set[str] = set()
        self._ids: set[str] = set()
        self._mobiles: set[str] = set()

    def person(self) -> tuple[str, str]:
        (sur, sur_py), (giv, giv_py) = self.rng.choice(SURNAMES), self.rng.choice(GIVEN)
        handle, n = f"{sur_py}{giv_py}", 1
        while handle in self._handles:
            n += 1
            handle = f"{sur_py}{giv_py}{n}"
        self._handles.add(handle)
        return sur + giv, handle

    def customer_name(self) -> str:
        sur, _ = self.rng.choice(SURNAMES)
        return sur + "".join(g for g, _ in self.rng.sample(GIVEN, self.rng.choice((1, 2))))

    def external_userid(self, prefix: str) -> str:
        alphabet = string.ascii_letters + string.digits
        while True:
            candidate = prefix + "".join(self.rng.choices(alphabet, k=30))
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def mobile(self) -> str:
        while True:
            candidate = self.rng.choice(("138", "139", "136", "150", "186", "177", "159")) + str(
                self.rng.randrange(10**7, 10**8)
            )
            if candidate not in self._mobiles:
                self._mobiles.add(candidate)
                return candidate


def make_reps(rng: random.Random, namer: Namer, scale: float, start: int, end: int) -> list[Rep]:
    """A director, ~3 teams each led by a selling manager, one rep who leaves and one who replaces them."""
    total = max(2 * len(TEAMS), round(20 * scale))
    name, handle = namer.person()
    director = Rep("U1000", name, handle, DIRECTOR_TEAM, "", 0.0, 30.0, start, sells=False)
    reps, next_id = [director], 1001
    for t, team in enumerate(TEAMS):
        size = total // len(TEAMS) + (1 if t < total % len(TEAMS) else 0)
        manager_id = f"U{next_id}"
        for member in range(size):
            name, handle = namer.person()
            skill = rng.gauss(0.0, 0.55) + (0.25 if member == 0 else 0.0)
            boss = director.user_id if member == 0 else manager_id
            reps.append(Rep(f"U{next_id}", name, handle, team, boss, skill, rng.uniform(3, 45), start))
            next_id += 1
    leaver = next(r for r in reversed(reps) if r.team == TEAMS[0])
    leaver.left_at = day_start(start + int((end - start) * 0.55)) + 18 * HOUR
    name, handle = namer.person()
    joined = day_start(leaver.left_at - 10 * DAY) + 9 * HOUR
    skill = rng.gauss(-0.2, 0.4)
    reps.append(Rep(f"U{next_id}", name, handle, TEAMS[0], leaver.manager_id, skill, 20.0, joined))
    return reps


def pick_owner(rng: random.Random, reps: list[Rep], ts: int) -> Rep:
    return rng.choice([r for r in reps if r.active(ts)])


def pick_source(rng: random.Random) -> str:
    names = list(SOURCES)
    return rng.choices(names, weights=[SOURCES[s][0] for s in names])[0]


def make_prospect(rng: random.Random, namer: Namer, idx: int, created: int, owner: Rep) -> Prospect:
    corp = f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(INDUSTRIES)}有限公司"
    return Prospect(
        idx=idx,
        name=namer.customer_name(),
        corp=corp,
        position=rng.choice(POSITIONS),
        gender=rng.choice((1, 1, 2, 2, 0)),
        mobile=namer.mobile(),
        source=pick_source(rng),
        created=created,
        owner=owner,
    )
