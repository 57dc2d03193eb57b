--[[
Employment support: individual placement and support (IPS)

What it models: employment specialists working alongside mental health
services who help people who are struggling or recovering, and out of work,
to find and keep a job, with no long preparation first. A placement lasts
months; completed support finds the person work with the chance `success`,
and work then helps their recovery as unemployment's risk falls away.

Evidence (docs/model.md, Sources): trials of individual placement and
support find about twice the rate of competitive employment of usual
vocational services (around 40% against 20%); `success` = 0.4 follows that.
Cost per week is an assumption (about two hours of a community support
worker).

Params:
  capacity       people supported at once (before population.scale)   60
  uptake         weekly chance an eligible person comes forward      0.01
  weeks          mean length of a placement, weeks                      20
  success        chance completed support finds work                   0.4
  cost_per_week  GBP per person per week                               60
  agency         who pays                                           "dwp"
]]
return {
  name = "Individual placement and support",
  params = { capacity = 60, uptake = 0.01, weeks = 20, success = 0.4, cost_per_week = 60, agency = "dwp" },
  ranges = { capacity = { 0, 10000000, whole = true }, uptake = { 0, 1 }, weeks = { 1, 520 }, success = { 0, 1 },
             cost_per_week = { min = 0 } },

  setup = function(sim, p)
    sim:add_service{
      name = "ips_employment",
      description = "Individual placement and support (employment_support.lua).",
      agency = p.agency,
      eligible = { states = { "struggling", "recovering" }, needs = { "unemployed" } },
      access = { route = "self", uptake = p.uptake },
      capacity = p.capacity,
      episode_weeks = p.weeks,
      completion = 0.7,
      effects = { recovery = 1.1, resolve = { unemployed = p.success } },
      cost_per_week = p.cost_per_week,
    }
  end,
}
