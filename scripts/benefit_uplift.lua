--[[
Benefit uplift (an income policy)

What it models: a weekly uplift to the benefits of households on a low
income. With more money coming in, fewer of them fall behind on bills: when
a low-income household would fall into problem debt, the uplift prevents it
with the chance `prevented`. The uplift is paid every week to every
low-income household, and counted as a cost to the DWP.

Evidence (docs/model.md, Sources): Jenkins et al. (APMS 2007) found low
income acts on mental health mainly through debt (odds ratio 2.09 falling
to 1.07 once debt is counted), which is why this script works on debt onset;
`prevented` = 0.3 is an assumption about how much an uplift of about GBP 20
a week (the size of the 2020-21 Universal Credit uplift) keeps households
out of arrears.

Params:
  amount_per_week  GBP a week to each low-income household       20
  prevented        chance the uplift stops a fall into debt      0.3
  agency           who pays                                    "dwp"
]]
return {
  name = "Benefit uplift",
  params = { amount_per_week = 20, prevented = 0.3, agency = "dwp" },
  ranges = { amount_per_week = { min = 0 }, prevented = { 0, 1 } },

  week = function(sim, p)
    local households = sim:households{ low_income = true }:count()
    sim:spend(p.agency, households * p.amount_per_week, "uplift")
  end,

  on = {
    debt = function(sim, p, household)
      -- the household's own luck (a keyed draw), the same in every scenario
      if household.low_income and sim:rand_for(household) < p.prevented then
        household:set{ debt = false }
      end
    end,
  },
}
