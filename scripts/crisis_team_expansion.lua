--[[
Crisis team expansion

What it models: more places in the crisis resolution and home treatment
team, so that more people entering crisis are seen at home rather than at
A&E. The team's own weekly cost per person applies to the extra caseload;
this script adds the fixed cost of the extra staff on top, if given.

Evidence (docs/model.md, Sources): people seen by a crisis team leave
crisis faster (weekly hazard 0.35 against 0.15 untreated, MHSDS flows and
the King's Fund), which the model applies to whoever the team sees; this
script only changes capacity.

Params:
  extra_places           places added (before population.scale)          30
  service                the crisis team's name                 "crisis_team"
  fixed_cost_per_week    GBP a week for the extra staff, besides the      0
                         team's cost per person
  agency                 who pays the fixed cost          "nhs_mental_health"
]]
return {
  name = "Crisis team expansion",
  params = { extra_places = 30, service = "crisis_team", fixed_cost_per_week = 0, agency = "nhs_mental_health" },
  ranges = { extra_places = { min = 0 }, fixed_cost_per_week = { min = 0 } },

  setup = function(sim, p)
    local team = sim:service(p.service)
    team.capacity = team.capacity + math.floor(p.extra_places * sim.scale + 0.5)
    sim:log("crisis team capacity now", team.capacity)
  end,

  week = function(sim, p)
    if p.fixed_cost_per_week > 0 then
      sim:spend(p.agency, p.fixed_cost_per_week * sim.scale, "extra crisis team staff")
    end
  end,
}
