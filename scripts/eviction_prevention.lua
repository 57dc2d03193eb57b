--[[
Eviction prevention

What it models: a homelessness prevention team that acts as soon as a
renting household falls behind and becomes insecurely housed: it negotiates
with the landlord, sorts out benefits and arrears, and so keeps the
household's home with the chance `success`, up to `cases_per_week` cases a
week.

Evidence (docs/model.md, Sources): housing insecurity raises the risk of
becoming unwell (x 1.3) and of crisis (x 1.5) in the model (Pevalin 2009 on
repossession); the success rate and case cost are assumptions (about twenty
hours of a housing officer at the social worker rate of MODEL.md).

Params:
  cases_per_week  households helped a week at most (before population.scale)   20
  success         chance a household helped stays securely housed            0.6
  cost_per_case   GBP per household helped                                    600
  agency          who pays                                              "council"
]]
local helped_this_week, week_of_count = 0, -1

return {
  name = "Eviction prevention",
  params = { cases_per_week = 20, success = 0.6, cost_per_case = 600, agency = "council" },
  ranges = { cases_per_week = { min = 0 }, success = { 0, 1 }, cost_per_case = { min = 0 } },

  on = {
    housing = function(sim, p, household)
      if week_of_count ~= sim.week then
        week_of_count, helped_this_week = sim.week, 0
      end
      if helped_this_week >= p.cases_per_week * sim.scale then return end
      helped_this_week = helped_this_week + 1
      sim:spend(p.agency, p.cost_per_case, "prevention cases")
      -- the household's own luck (a keyed draw), the same in every scenario
      if sim:rand_for(household) < p.success then
        household:set{ housing_insecure = false }
      end
    end,
  },
}
