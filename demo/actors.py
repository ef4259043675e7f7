"""The demo world's actors as plain data: salespeople, prospects and their deals.

People (`people.py`) and deal simulation (`deals.py`) both build on these types, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from demo.config import Pipeline


@dataclass(slots=True)
class Rep:
    user_id: str
    name: str
    wecom_userid: str
    team: str
    manager_id: str
    skill: float  # logit-scale effect on every hurdle of the rep's deals
    reply_minutes: float  # typical WeCom reply delay
    joined: int
    left_at: int | None = None
    sells: bool = True

    def active(self, ts: int) -> bool:
        return self.sells and self.joined <= ts and (self.left_at is None or ts < self.left_at)


@dataclass(slots=True)
class Prospect:
    idx: int
    name: str
    corp: str
    position: str
    gender: int
    mobile: str
    source: str
    created: int  # first contact
    owner: Rep
    external_userid: str | None = None
    contact_type: int = 1
    wecom_created: int = 0
    lead_id: str | None = None
    lead_created: int = 0
    lead_status: str = "open"
    customer_id: str | None = None
    customer_created: int = 0
    lead_links_wecom: bool = False  # the lead row carries wecom_external_userid
    customer_links_wecom: bool = False
    lead_has_mobile: bool = True
    customer_has_mobile: bool = True
    deals: list[Deal] = field(default_factory=list)


@dataclass(slots=True)
class Deal:
    opp_id: str
    prospect: Prospect
    pipeline: Pipeline
    created: int
    engagement: float  # drives activity/message intensity and the win odds
    scenario: str = ""
    transitions: list[tuple[int, str]] = field(default_factory=list)  # (ts, stage key or outcome)
    stalled: list[bool] = field(default_factory=list)  # per transition: the visit it starts drags on
    owners: list[tuple[int, Rep]] = field(default_factory=list)
    amounts: list[tuple[int, float]] = field(default_factory=list)
    expected_close: int = 0
    lost_reason: str = ""
    has_customer: bool = True
    log_policy: str = "full"  # full | missed_last | none

    def state_at(self, ts: int) -> tuple[int, str]:
        current = self.transitions[0]
        for transition in self.transitions:
            if transition[0] >= ts:
                break
            current = transition
        return current

    def owner_at(self, ts: int) -> Rep:
        owner = self.owners[0][1]
        for changed, rep in self.owners:
            if changed < ts:
                owner = rep
        return owner

    def amount_at(self, ts: int) -> float:
        amount = self.amounts[0][1]
        for changed, value in self.amounts:
            if changed < ts:
                amount = value
        return amount

    def updated_at(self, ts: int) -> int:
        times = [t for t, _ in self.transitions] + [t for t, _ in self.owners] + [t for t, _ in self.amounts]
        return max(t for t in times if t < ts)
