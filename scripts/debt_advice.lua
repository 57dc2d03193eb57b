--[[
Community debt and welfare advice

What it models: a debt and welfare advice service that people in problem
debt can walk into (or be sent to by their GP practice, where advisers sit
alongside clinicians). An episode of advice lasts a few weeks; completed
advice clears the household's problem debt with the chance `success`, and
while advice lasts and for six months after it, the person's risk of
becoming unwell is lower and their recovery faster.

Evidence (docs/model.md, Sources): in the co-located welfare advice study
(2017), people who received advice had an odds ratio of 0.37 for common
mental disorder (women) and 0.42 for financial strain at follow-up; the
onset multiplier of 0.7 and recovery multiplier of 1.3 are a cautious
reading of that, as relative risks. The case cost (GBP 250) is the figure
MODEL.md gives for a debt advice case (assumption).

Params:
  capacity       people in advice at once (before population.scale)      40
  uptake         weekly chance someone in debt comes forward (x 0.5 + S) 0.01
  weeks          mean length of an episode of advice, weeks                6
  success        chance completed advice clears the household's debt     0.6
  cost_per_case  GBP per case started                                     250
  agency         who pays                                          "council"
]]
return {
  name = "Community debt and welfare advice",
  params = { capacity = 40, uptake = 0.01, weeks = 6, success = 0.6, cost_per_case = 250, agency = "council" },
  ranges = { capacity = { 0, 10000000, whole = true }, uptake = { 0, 1 }, weeks = { 1, 520 }, success = { 0, 1 },
             cost_per_case = { min = 0 } },

  setup = function(sim, p)
    sim:add_service{
      name = "community_debt_advice",
      description = "Open-door debt and welfare advice (intervention script debt_advice.lua).",
      agency = p.agency,
      eligible = { states = {}, needs = { "debt" } },
      access = { route = "self", uptake = p.uptake },
      capacity = p.capacity,
      episode_weeks = p.weeks,
      completion = 0.8,
      effects = { onset = 0.7, recovery = 1.3, after_weeks = 26, resolve = { debt = p.success } },
      cost_per_start = p.cost_per_case,
    }
  end,
}
