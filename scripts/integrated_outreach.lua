--[[
Integrated neighbourhood team outreach

What it models: a multi-agency team (health, council, employment and
voluntary sector staff working as one) that goes out to find people who are
struggling, while it has room to see them, and meets all their needs in one
piece of work: mental health, debt, housing, work and loneliness, with no
referral and no hand-off. The work eases their mental health while it lasts
and for six months after.

Evidence (docs/model.md, Sources): the Health Foundation's review of
integrated care found effects on emergency use appear after years, not
months; the resolve chances follow the debt advice (co-located welfare
advice, 2017) and individual placement and support evidence used elsewhere,
and the wellbeing multipliers are assumptions. The weekly cost per person
(GBP 130) is a mix of social worker (GBP 55 an hour) and community support
worker (GBP 30 an hour) time, PSSRU, an assumption as to the mix.

Params:
  capacity        people the teams see at once (before population.scale)    100
  per_neighbourhood  true: capacity is per neighbourhood (a team in each)    false
  find_rate       weekly share of struggling people found                  0.02
  weeks           mean length of a piece of work, weeks                      12
  cost_per_week   GBP per person per week                                    130
  agency          who pays                                          "integrated"
]]
return {
  name = "Integrated neighbourhood team outreach",
  params = { capacity = 100, per_neighbourhood = false, find_rate = 0.02, weeks = 12, cost_per_week = 130,
             agency = "integrated" },
  ranges = { capacity = { 0, 10000000, whole = true }, find_rate = { 0, 1 }, weeks = { 1, 520 },
             cost_per_week = { min = 0 } },

  setup = function(sim, p)
    sim:add_service{
      name = "outreach_team",
      description = "Integrated outreach team (integrated_outreach.lua).",
      agency = p.agency,
      integrated = true,
      per_neighbourhood = p.per_neighbourhood,
      eligible = { states = { "struggling", "recovering" } },
      access = { route = "outreach", find_rate = p.find_rate },
      capacity = p.capacity,
      episode_weeks = p.weeks,
      completion = 0.75,
      effects = { onset = 0.8, recovery = 1.3, crisis = 0.8, after_weeks = 26, recover_on_completion = 0.3,
                  resolve = { debt = 0.5, housing_insecure = 0.5, unemployed = 0.25, lonely = 0.3 } },
      cost_per_week = p.cost_per_week,
    }
  end,
}
